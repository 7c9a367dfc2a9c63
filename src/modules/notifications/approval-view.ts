import type { ApprovalRow } from '../../context.js';

/**
 * What every channel renders, taken from the approval row at send time (so a message rendered
 * after a decision shows the decision). Strings here are raw: each channel escapes them.
 */
export interface ApprovalView {
  id: string;
  tenantId: string;
  agentId: string;
  toolName: string;
  env: string;
  contractName: string | null;
  message: string;
  timeoutSeconds: number;
  timeoutEffect: string;
  createdAt: Date;
  expiresAt: Date;
  /** Pretty JSON of the tool arguments ("null" when there are none). */
  argsJson: string;
  toolArgs: unknown;
  link: string;
  status: string;
  decidedBy: string | null;
  decidedVia: string | null;
  decidedAt: Date | null;
  reason: string | null;
}

export function approvalView(row: ApprovalRow, baseUrl: string): ApprovalView {
  return {
    id: row.id,
    tenantId: row.tenantId,
    agentId: row.agentId,
    toolName: row.toolName,
    env: row.env,
    contractName: row.contractName,
    message: row.message,
    timeoutSeconds: row.timeoutSeconds,
    timeoutEffect: row.timeoutEffect,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    argsJson: prettyArgs(row.toolArgs),
    toolArgs: row.toolArgs ?? null,
    link: `${baseUrl}/dashboard/approvals?id=${encodeURIComponent(row.id)}`,
    status: row.status,
    decidedBy: row.decidedBy,
    decidedVia: row.decidedVia,
    decidedAt: row.decidedAt,
    reason: row.decisionReason,
  };
}

function prettyArgs(args: unknown): string {
  if (args === undefined || args === null) return 'null';
  try {
    return JSON.stringify(args, null, 2) ?? 'null';
  } catch {
    return String(args);
  }
}

/** Cut raw text to `max` characters with an ellipsis (for text that is not code). */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, Math.max(0, max - 1))}…`;
}

export function truncationNote(shown: number, total: number): string {
  return `Arguments truncated: showing about ${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} characters; open the dashboard for the full request.`;
}

export function utc(d: Date): string {
  return `${d.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

export function timeoutLine(v: ApprovalView): string {
  return `${v.timeoutSeconds} s, then ${v.timeoutEffect} (expires ${utc(v.expiresAt)})`;
}

export interface Outcome {
  emoji: string;
  /** "Approved", "Denied", "Expired". */
  title: string;
  /** One sentence, raw (the channel escapes it). */
  line: string;
  reason: string | null;
}

/** The outcome of a decided or expired approval, as words. */
export function outcomeOf(v: ApprovalView): Outcome {
  if (v.status === 'approved' || v.status === 'denied') {
    const approved = v.status === 'approved';
    const by = v.decidedBy ?? 'unknown';
    const via = v.decidedVia ? ` via ${v.decidedVia}` : '';
    const at = v.decidedAt ? ` at ${utc(v.decidedAt)}` : '';
    return {
      emoji: approved ? '✅' : '❌',
      title: approved ? 'Approved' : 'Denied',
      line: `${approved ? 'Approved' : 'Denied'} by ${by}${via}${at}.`,
      reason: v.reason,
    };
  }
  if (v.status === 'timeout') {
    return {
      emoji: '⏰',
      title: 'Expired',
      line: `No decision within ${v.timeoutSeconds} s; the agent applies its timeout effect (${v.timeoutEffect}).`,
      reason: null,
    };
  }
  return { emoji: '⏳', title: 'Pending', line: 'Waiting for a decision.', reason: null };
}

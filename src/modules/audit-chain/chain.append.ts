import type { DbOrTx } from '../../db/client.js';
import type { approvals, deployments, signingKeys } from '../../db/schema.js';
import { toHex } from '../../platform/crypto.js';
import { canonical, eventsContent, KIND_RE, leafFromDedup, REF_RE, sha256Hex } from './chain.hash.js';
import { chainRepository } from './chain.repository.js';

/**
 * The chain's write API. Every function runs INSIDE the caller's transaction, as its last
 * statement (the head row stays locked until commit): the entry commits or rolls back with the
 * row it covers.
 *
 * For other modules (admin activity log, rollouts):
 *   await appendChain(tx, tenantId, { kind: 'admin.action', refId: row.id, content: {...} })
 * where `content` is the JSON the entry commits to (canonicalised here). Verification compares
 * it with `contentOf[kind]` when a recomputation from the source row is registered (verify.ts);
 * without one, the chain still proves the content was not changed since it was appended.
 */
export async function appendChain(
  tx: DbOrTx,
  tenantId: string,
  e: { kind: string; refId: string; content: unknown },
): Promise<{ seq: number; entryHash: string }> {
  if (!KIND_RE.test(e.kind)) throw new Error(`audit chain: invalid kind ${JSON.stringify(e.kind)}`);
  if (!REF_RE.test(e.refId)) throw new Error(`audit chain: invalid ref id ${JSON.stringify(e.refId)}`);
  const content = canonical(e.content);
  return chainRepository.append(tx, tenantId, { kind: e.kind, refId: e.refId, content, contentHash: sha256Hex(content) });
}

/** One entry for an ingest batch: each stored event's id and leaf hash, plus their digest. */
export async function appendEvents(
  tx: DbOrTx,
  tenantId: string,
  env: string,
  inserted: readonly { id: string; callId: string; dedupHash: string }[],
): Promise<{ seq: number; entryHash: string }> {
  const ids = new Array<string>(inserted.length);
  const leaves = new Array<string>(inserted.length);
  for (let i = 0; i < inserted.length; i++) {
    const r = inserted[i]!;
    ids[i] = r.id;
    leaves[i] = leafFromDedup(r.id, env, r.dedupHash, r.callId);
  }
  const content = eventsContent(env, ids, leaves);
  return chainRepository.append(tx, tenantId, { kind: 'events', refId: '', content, contentHash: sha256Hex(content), eventIds: ids, leafHashes: leaves });
}

// ---------- content of the kinds this branch chains (also recomputed by verification) ----------

type ApprovalRow = typeof approvals.$inferSelect;
type DeploymentRow = typeof deployments.$inferSelect;
type SigningKeyRow = typeof signingKeys.$inferSelect;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function approvalRequestedContent(r: ApprovalRow): Record<string, unknown> {
  return {
    id: r.id,
    agent_id: r.agentId,
    tool_name: r.toolName,
    tool_args: r.toolArgs ?? null,
    message: r.message,
    env: r.env,
    timeout_seconds: r.timeoutSeconds,
    timeout_effect: r.timeoutEffect,
    decision_source: r.decisionSource,
    contract_name: r.contractName,
    session_id: r.sessionId ?? null,
    created_at: iso(r.createdAt),
  };
}

export function approvalDecidedContent(r: ApprovalRow): Record<string, unknown> {
  return {
    id: r.id,
    status: r.status,
    decided_by: r.decidedBy,
    decided_at: iso(r.decidedAt),
    decision_reason: r.decisionReason,
    decided_via: r.decidedVia,
  };
}

export function deployContent(d: DeploymentRow, revisionHash: string): Record<string, unknown> {
  return {
    id: d.id,
    env: d.env,
    bundle_name: d.bundleName,
    bundle_version: d.bundleVersion,
    revision_hash: revisionHash,
    deployed_by: d.deployedBy,
    created_at: iso(d.createdAt),
  };
}

export function signingKeyContent(k: Pick<SigningKeyRow, 'id' | 'publicKey' | 'createdAt'>): Record<string, unknown> {
  return { id: k.id, public_key: toHex(k.publicKey), created_at: iso(k.createdAt) };
}

export const approvalRequested = (tx: DbOrTx, r: ApprovalRow) =>
  appendChain(tx, r.tenantId, { kind: 'approval.requested', refId: r.id, content: approvalRequestedContent(r) });
/** Decisions of many approvals (the timeout worker): one batched append per tenant, tenants in id order. */
export async function approvalsDecided(tx: DbOrTx, rows: ApprovalRow[]): Promise<void> {
  const byTenant = new Map<string, ApprovalRow[]>();
  for (const r of rows) byTenant.set(r.tenantId, [...(byTenant.get(r.tenantId) ?? []), r]);
  for (const tenantId of [...byTenant.keys()].sort()) {
    const entries = byTenant.get(tenantId)!.map((r) => {
      const content = canonical(approvalDecidedContent(r));
      return { kind: 'approval.decided', refId: r.id, content, contentHash: sha256Hex(content) };
    });
    await chainRepository.appendMany(tx, tenantId, entries);
  }
}

export const approvalDecided = (tx: DbOrTx, r: ApprovalRow) =>
  appendChain(tx, r.tenantId, { kind: 'approval.decided', refId: r.id, content: approvalDecidedContent(r) });

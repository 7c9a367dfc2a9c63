import { api, buildUrl } from './client';

/** One finding of GET /api/v1/audit/verify (src/modules/audit-chain/audit.schemas.ts). */
export interface AuditProblem {
  problem: 'content' | 'order' | 'deletion' | 'insertion' | 'checkpoint' | 'signature';
  seq: number | null;
  table: string;
  row_id: string | null;
  entry_kind: string | null;
  detail: string;
  fields?: string[];
}

export interface AuditVerifyReport {
  ok: boolean;
  range: { from: string; until: string; first_seq: number | null; last_seq: number | null };
  checked: { entries: number; events: number; source_rows: number; checkpoints: number };
  purged_events: number;
  last_checkpoint: { seq: number; signed_at: string; reason: string } | null;
  first_break: AuditProblem | null;
  problems: AuditProblem[];
}

export interface AuditRange {
  from?: string;
  until?: string;
  agent?: string;
  bundle?: string;
}

export function verifyAudit(range: AuditRange, signal?: AbortSignal): Promise<AuditVerifyReport> {
  return api<AuditVerifyReport>('/api/v1/audit/verify', { query: { from: range.from, until: range.until }, signal });
}

/** A plain link: the browser streams the zip to disk with the session cookie (a GET needs no CSRF header). */
export function evidencePackUrl(range: AuditRange): string {
  return buildUrl('/api/v1/audit/evidence', { from: range.from, until: range.until, agent: range.agent, bundle: range.bundle });
}

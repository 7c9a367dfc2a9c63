import { and, desc, eq, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.js';
import { rawClient } from '../../platform/kv.js';
import { approvals } from '../../db/schema.js';
import type { ApprovalRow } from '../../context.js';
import type { ApprovalStatus } from './approvals.schemas.js';

/**
 * Every time comparison uses the database clock (`now()`), never the process clock, so several
 * processes and the timeout worker agree on when an approval expires.
 */
const isPending = eq(approvals.status, 'pending');
const isOverdue = and(isPending, lte(approvals.expiresAt, sql`now()`));
const isLive = and(isPending, sql`${approvals.expiresAt} > now()`);
/** A pending approval past its deadline reads back as timed out before the worker gets to it. */
const expiredColumn = sql<boolean>`(${approvals.status} = 'pending' AND ${approvals.expiresAt} <= now())`;

/** The row with its logical status applied (what every reader sees). */
export interface ApprovalView {
  row: ApprovalRow;
  expired: boolean;
}

export interface NewApproval {
  tenantId: string;
  agentId: string;
  env: string;
  toolName: string;
  toolArgs: Record<string, unknown> | null;
  message: string;
  timeoutSeconds: number;
  timeoutEffect: string;
  decisionSource: string | null;
  contractName: string | null;
  sessionId?: string | null;
}

export interface ListFilter {
  status?: ApprovalStatus | undefined;
  agentId?: string | undefined;
  toolName?: string | undefined;
  env?: string | undefined;
  limit: number;
  offset: number;
}

/** The row as the driver returns it (snake_case; timestamps as Date, jsonb parsed). */
interface RawApproval {
  id: string;
  tenant_id: string;
  agent_id: string;
  tool_name: string;
  tool_args: unknown;
  message: string;
  status: string;
  env: string;
  timeout_seconds: number;
  timeout_effect: string;
  decision_source: string | null;
  contract_name: string | null;
  decided_by: string | null;
  decided_at: Date | string | null;
  decision_reason: string | null;
  decided_via: string | null;
  session_id?: string | null;
  expires_at: Date | string;
  created_at: Date | string;
  expired: boolean;
}

const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

function fromRaw(r: RawApproval): ApprovalRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    agentId: r.agent_id,
    toolName: r.tool_name,
    toolArgs: r.tool_args,
    message: r.message,
    status: r.status,
    env: r.env,
    timeoutSeconds: r.timeout_seconds,
    timeoutEffect: r.timeout_effect,
    decisionSource: r.decision_source,
    contractName: r.contract_name,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at === null ? null : toDate(r.decided_at),
    decisionReason: r.decision_reason,
    decidedVia: r.decided_via,
    sessionId: r.session_id ?? null,
    expiresAt: toDate(r.expires_at),
    createdAt: toDate(r.created_at),
  };
}

/** How many overdue approvals one worker statement expires (the rest wait for the next statement). */
export const EXPIRE_BATCH = 500;

function statusCondition(status: ApprovalStatus): SQL | undefined {
  if (status === 'pending') return isLive;
  if (status === 'timeout') return or(eq(approvals.status, 'timeout'), isOverdue);
  return eq(approvals.status, status);
}

export const approvalsRepository = {
  async insert(db: DbOrTx, v: NewApproval): Promise<ApprovalRow> {
    const [row] = await db
      .insert(approvals)
      .values({ ...v, expiresAt: sql`now() + make_interval(secs => ${v.timeoutSeconds})` })
      .returning();
    return row!;
  },

  /**
   * One primary-key lookup, no write (the SDK polls every 2 s); `env` narrows it for an API key.
   * Straight to the driver: this is the agent's hot path (see kv.ts `rawClient`).
   */
  async find(db: Db, tenantId: string, id: string, env?: string): Promise<ApprovalView | null> {
    const { rows } = await rawClient(db).query<RawApproval>(
      `SELECT *, (status = 'pending' AND expires_at <= now()) AS expired FROM approvals
        WHERE id = $1 AND tenant_id = $2 AND ($3::text IS NULL OR env = $3) LIMIT 1`,
      [id, tenantId, env ?? null],
    );
    const r = rows[0];
    return r ? { row: fromRaw(r), expired: Boolean(r.expired) } : null;
  },

  async list(db: DbOrTx, tenantId: string, f: ListFilter): Promise<ApprovalView[]> {
    const where = and(
      eq(approvals.tenantId, tenantId),
      f.status ? statusCondition(f.status) : undefined,
      f.agentId ? eq(approvals.agentId, f.agentId) : undefined,
      f.toolName ? eq(approvals.toolName, f.toolName) : undefined,
      f.env ? eq(approvals.env, f.env) : undefined,
    );
    const rows = await db
      .select({ row: approvals, expired: expiredColumn })
      .from(approvals)
      .where(where)
      .orderBy(desc(approvals.createdAt), desc(approvals.id))
      .limit(f.limit)
      .offset(f.offset);
    return rows.map((r) => ({ row: r.row, expired: Boolean(r.expired) }));
  },

  /**
   * The decision: one conditional UPDATE. Only a pending approval still inside its deadline
   * changes; a concurrent second decision (or the timeout worker) re-checks the condition on the
   * locked row and matches nothing. Returns null when nothing changed.
   */
  async decide(
    db: DbOrTx,
    tenantId: string,
    id: string,
    d: { status: 'approved' | 'denied'; decidedBy: string; reason: string | null; decidedVia: string },
  ): Promise<ApprovalRow | null> {
    const rows = await db
      .update(approvals)
      .set({
        status: d.status,
        decidedBy: d.decidedBy,
        decidedAt: sql`now()`,
        decisionReason: d.reason,
        decidedVia: d.decidedVia,
      })
      .where(and(eq(approvals.id, id), eq(approvals.tenantId, tenantId), isLive))
      .returning();
    return rows[0] ?? null;
  },

  /**
   * The timeout worker's statement: one UPDATE over a bounded set of overdue rows picked through
   * the partial index `ix_approvals_pending_expiry`. The outer condition is re-checked on each
   * locked row, so a decision that committed first is never overwritten. Cross-tenant by design.
   */
  async expireOverdue(db: DbOrTx, limit = EXPIRE_BATCH): Promise<ApprovalRow[]> {
    const overdue = db
      .select({ id: approvals.id })
      .from(approvals)
      .where(isOverdue)
      .orderBy(approvals.expiresAt)
      .limit(limit)
      .for('update', { skipLocked: true });
    return db
      .update(approvals)
      .set({ status: 'timeout', decidedVia: 'system' })
      .where(and(inArray(approvals.id, overdue), isOverdue))
      .returning();
  },
};

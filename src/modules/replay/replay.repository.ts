import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Database, DbOrTx } from '../../db/client.js';
import { replayJobs } from '../../db/schema.js';
import { TIMESTAMP_SQL_FORMAT } from '../events/events.canonical.js';

export type ReplayJobRow = typeof replayJobs.$inferSelect;

/** What replay reads of an event: the call as text (parsed in the worker, never here). */
export interface ReplayEventRow {
  id: string;
  call_id: string;
  agent_id: string;
  tool_name: string;
  ts: string;
  args: string | null;
  principal: string | null;
  environment: string;
}

export interface ReplayFilter {
  tenantId: string;
  env: string;
  since: string;
  until: string;
  agentId?: string | undefined;
  toolName?: string | undefined;
}

/**
 * The events that carry a call's decision: one per call (its pre decision), the post-execution
 * events (`call_executed`, `call_failed`) and approval outcomes are the same call again. Observe
 * shadows share the call id and are dropped by the reader.
 */
const DECISION_VERDICTS = sql.raw(`('call_allowed','call_denied','call_would_deny','call_approval_requested')`);
const FMT = sql.raw(`'${TIMESTAMP_SQL_FORMAT}'`);

function where(f: ReplayFilter): SQL {
  const parts: SQL[] = [
    sql`tenant_id = ${f.tenantId}::uuid`,
    sql`env = ${f.env}`,
    sql`"timestamp" >= ${f.since}::timestamptz`,
    sql`"timestamp" < ${f.until}::timestamptz`,
    sql`verdict IN ${DECISION_VERDICTS}`,
  ];
  if (f.agentId !== undefined) parts.push(sql`agent_id = ${f.agentId}`);
  if (f.toolName !== undefined) parts.push(sql`tool_name = ${f.toolName}`);
  return sql.join(parts, sql` AND `);
}

export const replayRepository = {
  async insertJob(db: DbOrTx, values: typeof replayJobs.$inferInsert): Promise<ReplayJobRow> {
    const [row] = await db.insert(replayJobs).values(values).returning();
    return row!;
  },

  async getJob(db: DbOrTx, tenantId: string, id: string): Promise<ReplayJobRow | null> {
    const [row] = await db
      .select()
      .from(replayJobs)
      .where(and(eq(replayJobs.tenantId, tenantId), eq(replayJobs.id, id)));
    return row ?? null;
  },

  /** Progress and heartbeat in one statement; returns whether a cancel was asked for (by any process). */
  async progress(db: DbOrTx, id: string, processed: number, result: unknown | undefined): Promise<boolean> {
    const [row] = await db
      .update(replayJobs)
      .set({ processed, heartbeatAt: sql`now()`, ...(result !== undefined ? { result } : {}) })
      .where(eq(replayJobs.id, id))
      .returning({ cancel: replayJobs.cancelRequested });
    return row?.cancel ?? true;
  },

  async finish(db: DbOrTx, id: string, status: 'done' | 'failed' | 'cancelled', values: { processed: number; result: unknown; error: string | null }) {
    await db
      .update(replayJobs)
      .set({ status, ...values, heartbeatAt: sql`now()`, finishedAt: sql`now()` })
      .where(and(eq(replayJobs.id, id), eq(replayJobs.status, 'running')));
  },

  async requestCancel(db: DbOrTx, tenantId: string, id: string): Promise<ReplayJobRow | null> {
    const [row] = await db
      .update(replayJobs)
      .set({ cancelRequested: true })
      .where(and(eq(replayJobs.tenantId, tenantId), eq(replayJobs.id, id)))
      .returning();
    return row ?? null;
  },

  async countEvents(database: Database, f: ReplayFilter): Promise<number> {
    const [row] = await database.rows<{ n: number | string }>(sql`SELECT count(*) AS n FROM events WHERE ${where(f)}`);
    return Number(row?.n ?? 0);
  },

  /** Newest first, keyset-paged on (timestamp, id) below `after`. */
  readBatch(database: Database, f: ReplayFilter, after: { ts: string; id: string } | null, limit: number): Promise<ReplayEventRow[]> {
    const below = after
      ? sql` AND "timestamp" <= ${after.ts}::timestamptz AND ("timestamp" < ${after.ts}::timestamptz OR id < ${after.id}::uuid)`
      : sql``;
    return database.rows<ReplayEventRow>(
      sql`SELECT id::text AS id, call_id, agent_id, tool_name,
            to_char("timestamp" AT TIME ZONE 'UTC', ${FMT}) AS ts,
            (payload->'tool_args')::text AS args,
            (payload->'principal')::text AS principal,
            coalesce(payload->>'environment', env, '') AS environment
          FROM events WHERE ${where(f)}${below}
          ORDER BY "timestamp" DESC, events.id DESC LIMIT ${limit}`,
    );
  },
};

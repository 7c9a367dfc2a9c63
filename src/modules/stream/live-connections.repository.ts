import { and, eq, inArray, isNotNull, lt, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { apiKeys, liveAgentConnections, streamProcesses } from '../../db/schema.js';

/**
 * Live agent streams across processes (docs/scaling.md): each process writes a row per stream it
 * holds and heartbeats its own `stream_processes` row; readers only trust rows whose process has
 * heartbeated within STALE_AFTER_SECONDS, so a crashed process's rows vanish from view at once and
 * are swept by the connection-cleanup job. Times come from the database clock, never a process's.
 */
export const STALE_AFTER_SECONDS = 60;

export type LiveRow = typeof liveAgentConnections.$inferSelect;

const fresh = sql`${streamProcesses.heartbeatAt} > now() - make_interval(secs => ${STALE_AFTER_SECONDS})`;
/** Hard cap on one tenant's status read. */
const LIST_LIMIT = 20_000;

export const liveConnectionsRepository = {
  async heartbeat(db: DbOrTx, processId: string): Promise<void> {
    await db
      .insert(streamProcesses)
      .values({ id: processId })
      .onConflictDoUpdate({ target: streamProcesses.id, set: { heartbeatAt: sql`now()` } });
  },

  async insert(db: DbOrTx, rows: LiveRow[]): Promise<void[]> {
    await db.insert(liveAgentConnections).values(rows);
    return rows.map(() => undefined);
  },

  async setBundle(db: DbOrTx, id: string, bundleName: string | null, bundleSource: string): Promise<void> {
    await db.update(liveAgentConnections).set({ bundleName, bundleSource }).where(eq(liveAgentConnections.id, id));
  },

  async setRevision(db: DbOrTx, ids: string[], revision: string): Promise<void> {
    if (ids.length === 0) return;
    await db.update(liveAgentConnections).set({ policyVersion: revision }).where(inArray(liveAgentConnections.id, ids));
  },

  async remove(db: DbOrTx, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await db.delete(liveAgentConnections).where(inArray(liveAgentConnections.id, ids));
  },

  /** Shutdown: this process's rows and its heartbeat go in one go. */
  async removeProcess(db: DbOrTx, processId: string): Promise<void> {
    await db.delete(liveAgentConnections).where(eq(liveAgentConnections.processId, processId));
    await db.delete(streamProcesses).where(eq(streamProcesses.id, processId));
  },

  /** Live streams of a tenant held by any process with a fresh heartbeat. */
  listTenant(db: DbOrTx, tenantId: string, bundleName?: string) {
    const conds = [eq(liveAgentConnections.tenantId, tenantId), fresh];
    if (bundleName !== undefined) conds.push(eq(liveAgentConnections.bundleName, bundleName));
    return db
      .select({
        agentId: liveAgentConnections.agentId,
        env: liveAgentConnections.env,
        bundleName: liveAgentConnections.bundleName,
        policyVersion: liveAgentConnections.policyVersion,
        connectedAt: liveAgentConnections.connectedAt,
      })
      .from(liveAgentConnections)
      .innerJoin(streamProcesses, eq(streamProcesses.id, liveAgentConnections.processId))
      .where(and(...conds))
      .orderBy(liveAgentConnections.agentId, liveAgentConnections.connectedAt)
      .limit(LIST_LIMIT);
  },

  /** Streams held by other live processes (health adds its own exact count). */
  async countOthers(db: DbOrTx, processId: string): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(liveAgentConnections)
      .innerJoin(streamProcesses, eq(streamProcesses.id, liveAgentConnections.processId))
      .where(and(ne(liveAgentConnections.processId, processId), fresh));
    return Number(row?.n ?? 0);
  },

  async ownIds(db: DbOrTx, processId: string): Promise<string[]> {
    const rows = await db
      .select({ id: liveAgentConnections.id })
      .from(liveAgentConnections)
      .where(eq(liveAgentConnections.processId, processId));
    return rows.map((r) => r.id);
  },

  /** Which of these keys are revoked (a bus gap may have hidden the revocation from this process). */
  async revokedKeyIds(db: DbOrTx, keyIds: string[]): Promise<Set<string>> {
    if (keyIds.length === 0) return new Set();
    const rows = await db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(inArray(apiKeys.id, keyIds), isNotNull(apiKeys.revokedAt)));
    return new Set(rows.map((r) => r.id));
  },

  /** Rows of processes that stopped heartbeating (or never did), then those processes' rows. */
  async sweepDead(db: DbOrTx, processId: string): Promise<number> {
    const dead = await db
      .delete(liveAgentConnections)
      .where(
        and(
          ne(liveAgentConnections.processId, processId),
          sql`NOT EXISTS (SELECT 1 FROM ${streamProcesses} WHERE ${streamProcesses.id} = ${liveAgentConnections.processId} AND ${fresh})`,
        ),
      )
      .returning({ id: liveAgentConnections.id });
    await db
      .delete(streamProcesses)
      .where(
        and(
          ne(streamProcesses.id, processId),
          lt(streamProcesses.heartbeatAt, sql`now() - make_interval(secs => ${STALE_AFTER_SECONDS})`),
        ),
      );
    return dead.length;
  },
};

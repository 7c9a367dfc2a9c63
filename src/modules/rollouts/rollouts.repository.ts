import { and, desc, eq, gte, inArray, lt, max, min, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { events } from '../../db/events-schema.js';
import { agentRegistrations, liveAgentConnections, streamProcesses } from '../../db/schema.js';
import { rolloutAgents, rollouts } from '../../db/schema-rollouts.js';
import { STALE_AFTER_SECONDS } from '../stream/live-connections.repository.js';

export type RolloutRow = typeof rollouts.$inferSelect;
export type RolloutAgentRow = typeof rolloutAgents.$inferSelect;

const fresh = sql`${streamProcesses.heartbeatAt} > now() - make_interval(secs => ${STALE_AFTER_SECONDS})`;
/** Agent ids per IN list (a few hundred per rollout is the expected size; thousands still work). */
const CHUNK = 1000;

function chunks<T>(xs: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

export const rolloutsRepository = {
  async insert(db: DbOrTx, v: typeof rollouts.$inferInsert): Promise<RolloutRow> {
    const [row] = await db.insert(rollouts).values(v).returning();
    return row!;
  },

  async insertAgents(db: DbOrTx, rows: (typeof rolloutAgents.$inferInsert)[]): Promise<void> {
    for (const part of chunks(rows)) await db.insert(rolloutAgents).values(part);
  },

  /** Older rollouts of the same bundle in the same env stop being tracked: a newer deploy replaced them. */
  async supersede(db: DbOrTx, r: { tenantId: string; env: string; bundleName: string; exceptId: string; at: Date; statuses: string[] }): Promise<string[]> {
    const rows = await db
      .update(rollouts)
      .set({ status: 'superseded', completedAt: r.at })
      .where(
        and(
          eq(rollouts.tenantId, r.tenantId),
          eq(rollouts.env, r.env),
          eq(rollouts.bundleName, r.bundleName),
          inArray(rollouts.status, r.statuses),
          ne(rollouts.id, r.exceptId),
        ),
      )
      .returning({ id: rollouts.id });
    return rows.map((x) => x.id);
  },

  async get(db: DbOrTx, tenantId: string, id: string): Promise<RolloutRow | null> {
    const [row] = await db
      .select()
      .from(rollouts)
      .where(and(eq(rollouts.tenantId, tenantId), eq(rollouts.id, id)))
      .limit(1);
    return row ?? null;
  },

  list(db: DbOrTx, tenantId: string, f: { env?: string | undefined; bundleName?: string | undefined; deploymentId?: string | undefined; limit: number }) {
    return db
      .select()
      .from(rollouts)
      .where(
        and(
          eq(rollouts.tenantId, tenantId),
          f.env === undefined ? undefined : eq(rollouts.env, f.env),
          f.bundleName === undefined ? undefined : eq(rollouts.bundleName, f.bundleName),
          f.deploymentId === undefined ? undefined : eq(rollouts.deploymentId, f.deploymentId),
        ),
      )
      .orderBy(desc(rollouts.createdAt))
      .limit(f.limit);
  },

  /** Per rollout: how many targets are in each state. */
  async stateCounts(db: DbOrTx, ids: string[]): Promise<Map<string, Record<string, number>>> {
    const out = new Map<string, Record<string, number>>();
    if (ids.length === 0) return out;
    const rows = await db
      .select({ id: rolloutAgents.rolloutId, state: rolloutAgents.state, n: sql<number>`count(*)::int` })
      .from(rolloutAgents)
      .where(inArray(rolloutAgents.rolloutId, ids))
      .groupBy(rolloutAgents.rolloutId, rolloutAgents.state);
    for (const r of rows) {
      const m = out.get(r.id) ?? {};
      m[r.state] = Number(r.n);
      out.set(r.id, m);
    }
    return out;
  },

  agents(db: DbOrTx, rolloutId: string, states?: string[]) {
    return db
      .select()
      .from(rolloutAgents)
      .where(and(eq(rolloutAgents.rolloutId, rolloutId), states ? inArray(rolloutAgents.state, states) : undefined))
      .orderBy(rolloutAgents.agentId);
  },

  /** Rollouts the tracking job still watches (every tenant: the job is the leader's). */
  tracking(db: DbOrTx, limit: number) {
    return db
      .select()
      .from(rollouts)
      .where(inArray(rollouts.status, ['tracking', 'canary', 'stopped']))
      .orderBy(rollouts.createdAt)
      .limit(limit);
  },

  async updateAgent(db: DbOrTx, rolloutId: string, agentId: string, set: Partial<RolloutAgentRow>): Promise<void> {
    await db
      .update(rolloutAgents)
      .set(set)
      .where(and(eq(rolloutAgents.rolloutId, rolloutId), eq(rolloutAgents.agentId, agentId)));
  },

  async setStatus(db: DbOrTx, id: string, set: Partial<Pick<RolloutRow, 'status' | 'completedAt' | 'alertedAt'>>): Promise<void> {
    await db.update(rollouts).set(set).where(eq(rollouts.id, id));
  },

  /** Live streams (any process with a fresh heartbeat) of a tenant in an env. */
  liveInEnv(db: DbOrTx, tenantId: string, env: string) {
    return db
      .select({
        agentId: liveAgentConnections.agentId,
        bundleName: liveAgentConnections.bundleName,
        connectedAt: liveAgentConnections.connectedAt,
      })
      .from(liveAgentConnections)
      .innerJoin(streamProcesses, eq(streamProcesses.id, liveAgentConnections.processId))
      .where(and(eq(liveAgentConnections.tenantId, tenantId), eq(liveAgentConnections.env, env), fresh));
  },

  /** Registrations last seen in `env` (the offline part of a deploy's target). */
  registrationsInEnv(db: DbOrTx, tenantId: string, env: string) {
    return db
      .select({
        agentId: agentRegistrations.agentId,
        bundleName: agentRegistrations.bundleName,
        tags: agentRegistrations.tags,
        lastPolicyVersion: agentRegistrations.lastPolicyVersion,
        lastSeenAt: agentRegistrations.lastSeenAt,
      })
      .from(agentRegistrations)
      .where(and(eq(agentRegistrations.tenantId, tenantId), eq(agentRegistrations.lastEnv, env)));
  },

  async registrations(db: DbOrTx, tenantId: string, agentIds: string[]) {
    const out: { agentId: string; lastPolicyVersion: string | null; lastSeenAt: Date | null }[] = [];
    for (const part of chunks(agentIds)) {
      out.push(
        ...(await db
          .select({
            agentId: agentRegistrations.agentId,
            lastPolicyVersion: agentRegistrations.lastPolicyVersion,
            lastSeenAt: agentRegistrations.lastSeenAt,
          })
          .from(agentRegistrations)
          .where(and(eq(agentRegistrations.tenantId, tenantId), inArray(agentRegistrations.agentId, part)))),
      );
    }
    return out;
  },

  /** Which of these agents hold a stream right now (any process), and since when. */
  async live(db: DbOrTx, tenantId: string, agentIds: string[]): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    for (const part of chunks(agentIds)) {
      const rows = await db
        .select({ agentId: liveAgentConnections.agentId, connectedAt: max(liveAgentConnections.connectedAt) })
        .from(liveAgentConnections)
        .innerJoin(streamProcesses, eq(streamProcesses.id, liveAgentConnections.processId))
        .where(and(eq(liveAgentConnections.tenantId, tenantId), inArray(liveAgentConnections.agentId, part), fresh))
        .groupBy(liveAgentConnections.agentId);
      for (const r of rows) if (r.connectedAt) out.set(r.agentId, asDate(r.connectedAt));
    }
    return out;
  },

  /**
   * Per agent, from events received since `since`: the first event stamped with one of
   * `revisions` (the agent runs it), and the newest event with the revision it carried. Events of
   * current SDKs carry the canonical revision after ingest mapping; both hashes are matched anyway.
   */
  async eventRevisions(
    db: DbOrTx,
    tenantId: string,
    agentIds: string[],
    revisions: string[],
    since: Date,
  ): Promise<Map<string, { firstMatch: Date | null; latestAt: Date; latestRevision: string | null }>> {
    const out = new Map<string, { firstMatch: Date | null; latestAt: Date; latestRevision: string | null }>();
    // The partition key bounds the scan; an agent clock a day off still counts.
    const floor = new Date(since.getTime() - 24 * 3600_000);
    for (const part of chunks(agentIds)) {
      const base = and(
        eq(events.tenantId, tenantId),
        inArray(events.agentId, part),
        gte(events.timestamp, floor),
        gte(events.createdAt, since),
      );
      const matches = await db
        .select({ agentId: events.agentId, first: min(events.timestamp) })
        .from(events)
        .where(and(base, inArray(events.policyVersion, revisions)))
        .groupBy(events.agentId);
      const latest = await db
        .selectDistinctOn([events.agentId], { agentId: events.agentId, at: events.timestamp, revision: events.policyVersion })
        .from(events)
        .where(base)
        .orderBy(events.agentId, desc(events.timestamp));
      for (const r of latest) out.set(r.agentId, { firstMatch: null, latestAt: asDate(r.at), latestRevision: r.revision });
      for (const m of matches) {
        const e = out.get(m.agentId);
        if (e && m.first) e.firstMatch = asDate(m.first);
      }
    }
    return out;
  },

  /** Rollouts still tracking after the window: closed (their stragglers stay recorded). */
  async closeOlderThan(db: DbOrTx, before: Date, at: Date): Promise<{ id: string; tenantId: string }[]> {
    return db
      .update(rollouts)
      .set({ status: 'closed', completedAt: at })
      .where(and(eq(rollouts.status, 'tracking'), lt(rollouts.createdAt, before)))
      .returning({ id: rollouts.id, tenantId: rollouts.tenantId });
  },
};

function asDate(v: unknown): Date {
  return v instanceof Date ? v : new Date(String(v));
}

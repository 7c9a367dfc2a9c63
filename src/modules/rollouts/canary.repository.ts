import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { events } from '../../db/events-schema.js';
import { agentRegistrations } from '../../db/schema.js';
import { agentLabels, assignmentRuleLabels, rolloutAgents, rollouts, rolloutSteps } from '../../db/schema-rollouts.js';
import type { GroupCounts } from './canary-rules.js';

/** Canaries whose slice still receives the canary version (running or stopped by hand). */
export const LIVE_CANARY = ['canary', 'stopped'];
const CHUNK = 1000;

export const canaryRepository = {
  /** Every live canary of a tenant with its slice (the delivery overrides' source). */
  async liveSlices(db: DbOrTx, tenantId: string) {
    return db
      .select({
        env: rollouts.env,
        bundleName: rollouts.bundleName,
        version: rollouts.bundleVersion,
        revisionHash: rollouts.revisionHash,
        rulesetRevisionHash: rollouts.rulesetRevisionHash,
        agentId: rolloutAgents.agentId,
      })
      .from(rollouts)
      .innerJoin(rolloutAgents, and(eq(rolloutAgents.rolloutId, rollouts.id), eq(rolloutAgents.inSlice, true)))
      .where(and(eq(rollouts.tenantId, tenantId), eq(rollouts.kind, 'canary'), inArray(rollouts.status, LIVE_CANARY)));
  },

  async liveFor(db: DbOrTx, tenantId: string, env: string, bundleName: string) {
    const [row] = await db
      .select({ id: rollouts.id })
      .from(rollouts)
      .where(
        and(
          eq(rollouts.tenantId, tenantId),
          eq(rollouts.env, env),
          eq(rollouts.bundleName, bundleName),
          eq(rollouts.kind, 'canary'),
          inArray(rollouts.status, LIVE_CANARY),
        ),
      )
      .limit(1);
    return row ?? null;
  },

  running(db: DbOrTx, limit: number) {
    return db.select().from(rollouts).where(and(eq(rollouts.kind, 'canary'), eq(rollouts.status, 'canary'))).orderBy(rollouts.createdAt).limit(limit);
  },

  /** A conditional status change: false when another actor moved the canary first. */
  async transition(db: DbOrTx, id: string, from: string[], set: Partial<typeof rollouts.$inferInsert>): Promise<boolean> {
    const rows = await db
      .update(rollouts)
      .set(set)
      .where(and(eq(rollouts.id, id), inArray(rollouts.status, from)))
      .returning({ id: rollouts.id });
    return rows.length > 0;
  },

  async addToSlice(db: DbOrTx, rolloutId: string, agentIds: string[], at: Date): Promise<void> {
    for (let i = 0; i < agentIds.length; i += CHUNK) {
      await db
        .update(rolloutAgents)
        .set({ inSlice: true, state: 'pending', pushedAt: at })
        .where(and(eq(rolloutAgents.rolloutId, rolloutId), inArray(rolloutAgents.agentId, agentIds.slice(i, i + CHUNK))));
    }
  },

  async step(db: DbOrTx, v: typeof rolloutSteps.$inferInsert): Promise<void> {
    await db.insert(rolloutSteps).values(v);
  },

  steps(db: DbOrTx, rolloutId: string) {
    return db.select().from(rolloutSteps).where(eq(rolloutSteps.rolloutId, rolloutId)).orderBy(rolloutSteps.createdAt);
  },

  /** Decisions, denials, approval requests, executions and tool failures of these agents since `since`. */
  async counts(db: DbOrTx, tenantId: string, env: string, agentIds: string[], since: Date): Promise<GroupCounts> {
    const out: GroupCounts = { decisions: 0, denied: 0, approvals: 0, executed: 0, failed: 0 };
    for (let i = 0; i < agentIds.length; i += CHUNK) {
      const [row] = await db
        .select({
          decisions: sql<number>`count(*) FILTER (WHERE ${events.verdict} IN ('call_allowed', 'call_denied', 'call_approval_requested', 'call_would_deny'))::int`,
          denied: sql<number>`count(*) FILTER (WHERE ${events.verdict} = 'call_denied')::int`,
          approvals: sql<number>`count(*) FILTER (WHERE ${events.verdict} = 'call_approval_requested')::int`,
          executed: sql<number>`count(*) FILTER (WHERE ${events.verdict} = 'call_executed')::int`,
          failed: sql<number>`count(*) FILTER (WHERE ${events.verdict} = 'call_failed')::int`,
        })
        .from(events)
        .where(
          and(
            eq(events.tenantId, tenantId),
            eq(events.env, env),
            inArray(events.agentId, agentIds.slice(i, i + CHUNK)),
            gte(events.timestamp, new Date(since.getTime() - 60_000)),
            gte(events.createdAt, since),
          ),
        );
      for (const k of Object.keys(out) as (keyof GroupCounts)[]) out[k] += Number(row?.[k] ?? 0);
    }
    return out;
  },

  /** Manual labels and tags of these agents (rule labels are matched against the tags). */
  async labelsAndTags(db: DbOrTx, tenantId: string, agentIds: string[]) {
    const labels = new Map<string, Set<string>>();
    const tags = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < agentIds.length; i += CHUNK) {
      const part = agentIds.slice(i, i + CHUNK);
      for (const r of await db
        .select({ agentId: agentLabels.agentId, label: agentLabels.label })
        .from(agentLabels)
        .where(and(eq(agentLabels.tenantId, tenantId), inArray(agentLabels.agentId, part)))) {
        (labels.get(r.agentId) ?? labels.set(r.agentId, new Set()).get(r.agentId)!).add(r.label);
      }
      for (const r of await db
        .select({ agentId: agentRegistrations.agentId, tags: agentRegistrations.tags })
        .from(agentRegistrations)
        .where(and(eq(agentRegistrations.tenantId, tenantId), inArray(agentRegistrations.agentId, part)))) {
        tags.set(r.agentId, (r.tags ?? {}) as Record<string, unknown>);
      }
    }
    return { labels, tags };
  },

  async setAgentLabels(db: DbOrTx, tenantId: string, agentId: string, labels: string[]): Promise<void> {
    await db.delete(agentLabels).where(and(eq(agentLabels.tenantId, tenantId), eq(agentLabels.agentId, agentId)));
    if (labels.length > 0) await db.insert(agentLabels).values(labels.map((label) => ({ tenantId, agentId, label })));
  },

  async agentLabels(db: DbOrTx, tenantId: string, agentId: string): Promise<string[]> {
    const rows = await db
      .select({ label: agentLabels.label })
      .from(agentLabels)
      .where(and(eq(agentLabels.tenantId, tenantId), eq(agentLabels.agentId, agentId)))
      .orderBy(agentLabels.label);
    return rows.map((r) => r.label);
  },

  /** Every manual label of the tenant, by agent. */
  async allAgentLabels(db: DbOrTx, tenantId: string): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const rows = await db
      .select({ agentId: agentLabels.agentId, label: agentLabels.label })
      .from(agentLabels)
      .where(eq(agentLabels.tenantId, tenantId))
      .orderBy(agentLabels.agentId, agentLabels.label);
    for (const r of rows) out.set(r.agentId, [...(out.get(r.agentId) ?? []), r.label]);
    return out;
  },

  async setRuleLabels(db: DbOrTx, tenantId: string, ruleId: string, labels: string[]): Promise<void> {
    await db.delete(assignmentRuleLabels).where(and(eq(assignmentRuleLabels.tenantId, tenantId), eq(assignmentRuleLabels.ruleId, ruleId)));
    if (labels.length > 0) await db.insert(assignmentRuleLabels).values(labels.map((label) => ({ tenantId, ruleId, label })));
  },

  /** Labels per rule of the tenant. */
  async ruleLabels(db: DbOrTx, tenantId: string): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const rows = await db
      .select({ ruleId: assignmentRuleLabels.ruleId, label: assignmentRuleLabels.label })
      .from(assignmentRuleLabels)
      .where(eq(assignmentRuleLabels.tenantId, tenantId))
      .orderBy(assignmentRuleLabels.label);
    for (const r of rows) out.set(r.ruleId, [...(out.get(r.ruleId) ?? []), r.label]);
    return out;
  },
};

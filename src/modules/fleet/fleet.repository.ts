import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { agentRegistrations, assignmentRules } from '../../db/schema.js';

export type RegistrationRow = typeof agentRegistrations.$inferSelect;
export type RuleRow = typeof assignmentRules.$inferSelect;
export interface ConnectUpsert {
  tenantId: string;
  agentId: string;
  env: string;
  policyVersion: string | null;
  at: Date;
}

/** Hard cap on list reads: the dashboard shows the whole fleet, but never an unbounded result. */
const LIST_LIMIT = 10_000;

export const fleetRepository = {
  /**
   * Connect-time upsert (console-api.md 2.1 step 1) for a batch of connects, one statement.
   * A batch may name one agent twice: the last connect wins and both get its row's tags.
   */
  async upsertOnConnect(db: DbOrTx, items: ConnectUpsert[]): Promise<Record<string, unknown>[]> {
    const key = (tenantId: string, agentId: string) => `${tenantId}\u0000${agentId}`;
    const unique = new Map(items.map((v) => [key(v.tenantId, v.agentId), v]));
    const rows = await db
      .insert(agentRegistrations)
      .values(
        [...unique.values()].map((v) => ({
          tenantId: v.tenantId,
          agentId: v.agentId,
          lastEnv: v.env,
          lastPolicyVersion: v.policyVersion,
          lastSeenAt: v.at,
        })),
      )
      .onConflictDoUpdate({
        target: [agentRegistrations.tenantId, agentRegistrations.agentId],
        set: {
          lastEnv: sql`excluded.last_env`,
          lastPolicyVersion: sql`excluded.last_policy_version`,
          lastSeenAt: sql`excluded.last_seen_at`,
          updatedAt: sql`excluded.last_seen_at`,
        },
      })
      .returning({ tenantId: agentRegistrations.tenantId, agentId: agentRegistrations.agentId, tags: agentRegistrations.tags });
    const tags = new Map(rows.map((r) => [key(r.tenantId, r.agentId), r.tags as Record<string, unknown>]));
    return items.map((v) => tags.get(key(v.tenantId, v.agentId)) ?? {});
  },

  async get(db: DbOrTx, tenantId: string, agentId: string): Promise<RegistrationRow | null> {
    const [row] = await db
      .select()
      .from(agentRegistrations)
      .where(and(eq(agentRegistrations.tenantId, tenantId), eq(agentRegistrations.agentId, agentId)))
      .limit(1);
    return row ?? null;
  },

  list(db: DbOrTx, tenantId: string) {
    return db
      .select()
      .from(agentRegistrations)
      .where(eq(agentRegistrations.tenantId, tenantId))
      .orderBy(asc(agentRegistrations.agentId))
      .limit(LIST_LIMIT);
  },

  async update(
    db: DbOrTx,
    tenantId: string,
    agentId: string,
    set: { displayName?: string | null; tags?: Record<string, unknown>; bundleName?: string | null },
    at: Date,
  ): Promise<RegistrationRow | null> {
    const [row] = await db
      .update(agentRegistrations)
      .set({ ...set, updatedAt: at })
      .where(and(eq(agentRegistrations.tenantId, tenantId), eq(agentRegistrations.agentId, agentId)))
      .returning();
    return row ?? null;
  },

  /** Bulk explicit assignment; returns the number of registrations updated (as the reference). */
  async setBundle(db: DbOrTx, tenantId: string, agentIds: string[], bundleName: string | null, at: Date): Promise<number> {
    const rows = await db
      .update(agentRegistrations)
      .set({ bundleName, updatedAt: at })
      .where(and(eq(agentRegistrations.tenantId, tenantId), inArray(agentRegistrations.agentId, agentIds)))
      .returning({ id: agentRegistrations.id });
    return rows.length;
  },

  rules(db: DbOrTx, tenantId: string, env?: string | null) {
    const where = env
      ? and(eq(assignmentRules.tenantId, tenantId), eq(assignmentRules.env, env))
      : eq(assignmentRules.tenantId, tenantId);
    return db.select().from(assignmentRules).where(where).orderBy(asc(assignmentRules.priority)).limit(LIST_LIMIT);
  },

  async rule(db: DbOrTx, tenantId: string, id: string): Promise<RuleRow | null> {
    const [row] = await db
      .select()
      .from(assignmentRules)
      .where(and(eq(assignmentRules.tenantId, tenantId), eq(assignmentRules.id, id)))
      .limit(1);
    return row ?? null;
  },

  async priorityTaken(db: DbOrTx, tenantId: string, priority: number, exceptId?: string): Promise<boolean> {
    const conds = [eq(assignmentRules.tenantId, tenantId), eq(assignmentRules.priority, priority)];
    if (exceptId) conds.push(ne(assignmentRules.id, exceptId));
    const rows = await db
      .select({ id: assignmentRules.id })
      .from(assignmentRules)
      .where(and(...conds))
      .limit(1);
    return rows.length > 0;
  },

  async insertRule(
    db: DbOrTx,
    v: {
      tenantId: string;
      priority: number;
      pattern: string;
      tagMatch: Record<string, unknown> | null;
      bundleName: string;
      env: string;
    },
  ): Promise<RuleRow> {
    const [row] = await db.insert(assignmentRules).values(v).returning();
    return row!;
  },

  async updateRule(
    db: DbOrTx,
    tenantId: string,
    id: string,
    set: Partial<{ priority: number; pattern: string; tagMatch: Record<string, unknown>; bundleName: string; env: string }>,
    at: Date,
  ): Promise<RuleRow | null> {
    const [row] = await db
      .update(assignmentRules)
      .set({ ...set, updatedAt: at })
      .where(and(eq(assignmentRules.tenantId, tenantId), eq(assignmentRules.id, id)))
      .returning();
    return row ?? null;
  },

  async deleteRule(db: DbOrTx, tenantId: string, id: string): Promise<boolean> {
    const rows = await db
      .delete(assignmentRules)
      .where(and(eq(assignmentRules.tenantId, tenantId), eq(assignmentRules.id, id)))
      .returning({ id: assignmentRules.id });
    return rows.length > 0;
  },
};

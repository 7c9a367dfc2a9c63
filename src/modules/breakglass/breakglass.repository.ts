import { and, asc, count, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { approvals, liveAgentConnections, users } from '../../db/schema.js';
import { breakGlassSwitches } from '../../db/schema-activity.js';

export type SwitchRow = typeof breakGlassSwitches.$inferSelect;
const t = breakGlassSwitches;
const LIVE = ['pending', 'active'];

export const breakGlassRepository = {
  async insert(db: DbOrTx, row: typeof t.$inferInsert): Promise<SwitchRow> {
    const [out] = await db.insert(t).values(row).returning();
    return out!;
  },

  async get(db: DbOrTx, tenantId: string, id: string): Promise<SwitchRow | null> {
    const [row] = await db
      .select()
      .from(t)
      .where(and(eq(t.tenantId, tenantId), eq(t.id, id)));
    return row ?? null;
  },

  /** The row locked for a transition (confirm, extend, disarm race each other and the expiry job). */
  async lock(db: DbOrTx, tenantId: string, id: string): Promise<SwitchRow | null> {
    const [row] = await db
      .select()
      .from(t)
      .where(and(eq(t.tenantId, tenantId), eq(t.id, id)))
      .for('update');
    return row ?? null;
  },

  async update(db: DbOrTx, id: string, set: Partial<typeof t.$inferInsert>): Promise<SwitchRow> {
    const [row] = await db.update(t).set(set).where(eq(t.id, id)).returning();
    return row!;
  },

  /** Active switches of a tenant (what the served bundles overlay). */
  active(db: DbOrTx, tenantId: string): Promise<SwitchRow[]> {
    return db
      .select()
      .from(t)
      .where(and(eq(t.tenantId, tenantId), eq(t.status, 'active')))
      .orderBy(asc(t.createdAt));
  },

  /** Pending and active first, then the most recent ended ones. */
  list(db: DbOrTx, tenantId: string, limit: number): Promise<SwitchRow[]> {
    return db
      .select()
      .from(t)
      .where(eq(t.tenantId, tenantId))
      .orderBy(sql`${t.status} in ('pending', 'active') desc`, desc(t.createdAt))
      .limit(limit);
  },

  /** Live switches past their deadline, every tenant (the expiry job), oldest first, locked. */
  due(db: DbOrTx, now: Date, limit: number): Promise<SwitchRow[]> {
    return db
      .select()
      .from(t)
      .where(and(inArray(t.status, LIVE), lte(t.expiresAt, now)))
      .orderBy(asc(t.expiresAt))
      .limit(limit)
      .for('update', { skipLocked: true });
  },

  async adminCount(db: DbOrTx, tenantId: string): Promise<number> {
    const [row] = await db
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.tenantId, tenantId), eq(users.isAdmin, true)));
    return row?.n ?? 0;
  },

  /** The tenant's admin with this e-mail, case-insensitively (a chat user's mapped console admin). */
  async adminByEmail(db: DbOrTx, tenantId: string, email: string): Promise<{ id: string; email: string } | null> {
    const [row] = await db
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(and(eq(users.tenantId, tenantId), eq(users.isAdmin, true), sql`lower(${users.email}) = ${email.toLowerCase()}`))
      .limit(1);
    return row ?? null;
  },

  /** The API keys an agent's live streams use, on every process. */
  async agentKeyIds(db: DbOrTx, tenantId: string, agentId: string): Promise<string[]> {
    const rows = await db
      .selectDistinct({ keyId: liveAgentConnections.keyId })
      .from(liveAgentConnections)
      .where(and(eq(liveAgentConnections.tenantId, tenantId), eq(liveAgentConnections.agentId, agentId)));
    return rows.map((r) => r.keyId);
  },

  async pendingApprovalIds(db: DbOrTx, tenantId: string, agentId: string): Promise<string[]> {
    const rows = await db
      .select({ id: approvals.id })
      .from(approvals)
      .where(and(eq(approvals.tenantId, tenantId), eq(approvals.agentId, agentId), eq(approvals.status, 'pending')));
    return rows.map((r) => r.id);
  },
};

import { and, desc, eq, gte, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { adminActivity } from '../../db/schema-activity.js';

export type ActivityRow = typeof adminActivity.$inferSelect;

export interface ActivityFilter {
  actor?: string | undefined;
  action?: string | undefined;
  source?: string | undefined;
  target?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

/** A keyset position: rows strictly older than (at, id). */
export interface Cursor {
  at: Date;
  id: string;
}

function where(tenantId: string, f: ActivityFilter, after: Cursor | null): SQL | undefined {
  const t = adminActivity;
  return and(
    eq(t.tenantId, tenantId),
    f.actor ? eq(t.actor, f.actor) : undefined,
    // `action=api_key` matches every api_key.* action; a full name matches itself only.
    f.action
      ? f.action.includes('.')
        ? eq(t.action, f.action)
        : sql`${t.action} LIKE ${f.action.replace(/[\\%_]/g, '\\$&') + '.%'}`
      : undefined,
    f.source ? eq(t.source, f.source) : undefined,
    f.target ? eq(t.target, f.target) : undefined,
    f.since ? gte(t.at, f.since) : undefined,
    f.until ? lte(t.at, f.until) : undefined,
    after ? or(lt(t.at, after.at), and(eq(t.at, after.at), lt(t.id, after.id))) : undefined,
  );
}

export const activityRepository = {
  async insert(db: DbOrTx, row: typeof adminActivity.$inferInsert): Promise<ActivityRow> {
    const [stored] = await db.insert(adminActivity).values(row).returning();
    return stored!;
  },

  /** The rows with these ids (audit-chain verification re-reads what it chained). */
  byIds(db: DbOrTx, tenantId: string, ids: string[]): Promise<ActivityRow[]> {
    return db.select().from(adminActivity).where(and(eq(adminActivity.tenantId, tenantId), inArray(adminActivity.id, ids)));
  },

  /** Newest first, `limit` rows after the cursor (index ix_admin_activity_tenant_at). */
  page(db: DbOrTx, tenantId: string, f: ActivityFilter, after: Cursor | null, limit: number): Promise<ActivityRow[]> {
    return db
      .select()
      .from(adminActivity)
      .where(where(tenantId, f, after))
      .orderBy(desc(adminActivity.at), desc(adminActivity.id))
      .limit(limit);
  },
};

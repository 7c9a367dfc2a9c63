import { and, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { notificationChannels } from '../../db/schema.js';

export type ChannelRow = typeof notificationChannels.$inferSelect;

export const channelsRepository = {
  async insert(db: DbOrTx, values: { tenantId: string; name: string; channelType: string; configEncrypted: Uint8Array; filters: unknown }): Promise<ChannelRow> {
    const [row] = await db.insert(notificationChannels).values({ ...values, config: null }).returning();
    return row!;
  },
  list(db: DbOrTx, tenantId: string): Promise<ChannelRow[]> {
    return db.select().from(notificationChannels).where(eq(notificationChannels.tenantId, tenantId)).orderBy(desc(notificationChannels.createdAt));
  },
  listEnabled(db: DbOrTx, tenantId: string): Promise<ChannelRow[]> {
    return db
      .select()
      .from(notificationChannels)
      .where(and(eq(notificationChannels.tenantId, tenantId), eq(notificationChannels.enabled, true)));
  },
  /** `forUpdate` locks the row until the transaction ends (pass a transaction then). */
  async get(db: DbOrTx, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}): Promise<ChannelRow | null> {
    const q = db
      .select()
      .from(notificationChannels)
      .where(and(eq(notificationChannels.tenantId, tenantId), eq(notificationChannels.id, id)))
      .limit(1);
    const [row] = opts.forUpdate ? await q.for('update') : await q;
    return row ?? null;
  },
  /** Callbacks: the URL names the channel; its tenant is read from the row. */
  async getById(db: DbOrTx, id: string): Promise<ChannelRow | null> {
    const [row] = await db.select().from(notificationChannels).where(eq(notificationChannels.id, id)).limit(1);
    return row ?? null;
  },
  async update(
    db: DbOrTx,
    tenantId: string,
    id: string,
    patch: Partial<{ name: string; configEncrypted: Uint8Array; enabled: boolean; filters: unknown }>,
  ): Promise<ChannelRow | null> {
    const values = patch.configEncrypted ? { ...patch, config: null } : patch;
    const [row] = await db
      .update(notificationChannels)
      .set(values)
      .where(and(eq(notificationChannels.tenantId, tenantId), eq(notificationChannels.id, id)))
      .returning();
    return row ?? null;
  },
  async delete(db: DbOrTx, tenantId: string, id: string): Promise<boolean> {
    const rows = await db
      .delete(notificationChannels)
      .where(and(eq(notificationChannels.tenantId, tenantId), eq(notificationChannels.id, id)))
      .returning({ id: notificationChannels.id });
    return rows.length > 0;
  },
  async recordTest(db: DbOrTx, tenantId: string, id: string, at: Date, ok: boolean): Promise<ChannelRow | null> {
    const [row] = await db
      .update(notificationChannels)
      .set({ lastTestAt: at, lastTestOk: ok })
      .where(and(eq(notificationChannels.tenantId, tenantId), eq(notificationChannels.id, id)))
      .returning();
    return row ?? null;
  },
};

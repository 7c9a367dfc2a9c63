import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { signingKeys } from '../../db/schema.js';

export type SigningKeyRow = typeof signingKeys.$inferSelect;

export const signingRepository = {
  async active(db: DbOrTx, tenantId: string): Promise<SigningKeyRow | null> {
    const [row] = await db
      .select()
      .from(signingKeys)
      .where(and(eq(signingKeys.tenantId, tenantId), eq(signingKeys.active, true)))
      .limit(1);
    return row ?? null;
  },
  /**
   * Serialises key changes and signed writes of one tenant until the transaction ends. An
   * advisory lock rather than a row lock on `tenants`, so inserts elsewhere that check the
   * tenant foreign key are never held up by a deploy.
   */
  async lockTenant(db: DbOrTx, tenantId: string): Promise<void> {
    await db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`edictum:signing:${tenantId}`}, 0))`);
  },
  async deactivateAll(db: DbOrTx, tenantId: string) {
    await db
      .update(signingKeys)
      .set({ active: false })
      .where(and(eq(signingKeys.tenantId, tenantId), eq(signingKeys.active, true)));
  },
  async insert(db: DbOrTx, values: { id?: string; tenantId: string; publicKey: Uint8Array; privateKeyEncrypted: Uint8Array }) {
    const [row] = await db
      .insert(signingKeys)
      .values({ ...values, active: true })
      .returning();
    return row!;
  },
};

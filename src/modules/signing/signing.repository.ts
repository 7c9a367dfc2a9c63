import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { signingKeys } from '../../db/schema.js';

export const signingRepository = {
  async active(db: DbOrTx, tenantId: string) {
    const [row] = await db
      .select()
      .from(signingKeys)
      .where(and(eq(signingKeys.tenantId, tenantId), eq(signingKeys.active, true)))
      .limit(1);
    return row ?? null;
  },
  async deactivateAll(db: DbOrTx, tenantId: string) {
    await db.update(signingKeys).set({ active: false }).where(eq(signingKeys.tenantId, tenantId));
  },
  async insert(db: DbOrTx, values: { tenantId: string; publicKey: Uint8Array; privateKeyEncrypted: Uint8Array }) {
    const [row] = await db.insert(signingKeys).values({ ...values, active: true }).returning();
    return row!;
  },
};

import { and, desc, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { apiKeys } from '../../db/schema.js';

export const keysRepository = {
  async insert(db: DbOrTx, values: { tenantId: string; keyPrefix: string; keyHash: string; env: string; label: string | null }) {
    const [row] = await db.insert(apiKeys).values(values).returning();
    return row!;
  },
  listActive(db: DbOrTx, tenantId: string) {
    return db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.tenantId, tenantId), isNull(apiKeys.revokedAt)))
      .orderBy(desc(apiKeys.createdAt));
  },
  async revoke(db: DbOrTx, tenantId: string, id: string, at: Date) {
    const rows = await db
      .update(apiKeys)
      .set({ revokedAt: at })
      .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    return rows.length > 0;
  },
};

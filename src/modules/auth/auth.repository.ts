import { count, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { tenants, users } from '../../db/schema.js';

export const authRepository = {
  async countUsers(db: DbOrTx): Promise<number> {
    const [row] = await db.select({ n: count() }).from(users);
    return Number(row?.n ?? 0);
  },
  async findUserByEmail(db: DbOrTx, email: string) {
    const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
    return row ?? null;
  },
  async createTenant(db: DbOrTx, name: string) {
    const [row] = await db.insert(tenants).values({ name }).returning();
    return row!;
  },
  async createUser(db: DbOrTx, values: { tenantId: string; email: string; passwordHash: string; isAdmin: boolean }) {
    const [row] = await db.insert(users).values(values).returning();
    return row!;
  },
  async tenantName(db: DbOrTx, tenantId: string): Promise<string | null> {
    const [row] = await db.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, tenantId)).limit(1);
    return row?.name ?? null;
  },
  async listTenantIds(db: DbOrTx): Promise<string[]> {
    const rows = await db.select({ id: tenants.id }).from(tenants);
    return rows.map((r) => r.id);
  },
};

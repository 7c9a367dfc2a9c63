import { and, desc, eq, ilike, inArray, or, sql, count, countDistinct } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { bundleCompositionItems, bundleCompositions, contracts } from '../../db/schema.js';

export type ContractRow = typeof contracts.$inferSelect;

/** LIKE wildcards in user text match themselves (reference: "LIKE wildcards escaped"). */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export const contractsRepository = {
  /** Latest versions, newest first, filtered by type, exact tag and text (name, description, id). */
  listLatest(db: DbOrTx, tenantId: string, f: { type?: string | undefined; tag?: string | undefined; search?: string | undefined }): Promise<ContractRow[]> {
    const pattern = f.search ? `%${likeEscape(f.search)}%` : null;
    return db
      .select()
      .from(contracts)
      .where(
        and(
          eq(contracts.tenantId, tenantId),
          eq(contracts.isLatest, true),
          f.type ? eq(contracts.type, f.type) : undefined,
          f.tag ? sql`${contracts.tags} @> ${JSON.stringify([f.tag])}::jsonb` : undefined,
          pattern ? or(ilike(contracts.name, pattern), ilike(contracts.description, pattern), ilike(contracts.contractId, pattern)) : undefined,
        ),
      )
      .orderBy(desc(contracts.createdAt), contracts.contractId);
  },

  /** How many compositions use any version of each contract id. */
  async usageCounts(db: DbOrTx, tenantId: string): Promise<Map<string, number>> {
    const rows = await db
      .select({ contractId: contracts.contractId, n: countDistinct(bundleCompositionItems.compositionId) })
      .from(bundleCompositionItems)
      .innerJoin(contracts, and(eq(contracts.tenantId, bundleCompositionItems.tenantId), eq(contracts.id, bundleCompositionItems.contractId)))
      .where(eq(bundleCompositionItems.tenantId, tenantId))
      .groupBy(contracts.contractId);
    return new Map(rows.map((r) => [r.contractId, Number(r.n)]));
  },

  async latest(db: DbOrTx, tenantId: string, contractId: string): Promise<ContractRow | null> {
    const [row] = await db
      .select()
      .from(contracts)
      .where(and(eq(contracts.tenantId, tenantId), eq(contracts.contractId, contractId), eq(contracts.isLatest, true)))
      .limit(1);
    return row ?? null;
  },

  latestMany(db: DbOrTx, tenantId: string, contractIds: string[]): Promise<ContractRow[]> {
    if (contractIds.length === 0) return Promise.resolve([]);
    return db
      .select()
      .from(contracts)
      .where(and(eq(contracts.tenantId, tenantId), inArray(contracts.contractId, contractIds), eq(contracts.isLatest, true)));
  },

  /** Latest versions whose content hash is one of `hashes`. */
  latestByHash(db: DbOrTx, tenantId: string, hashes: string[]): Promise<ContractRow[]> {
    if (hashes.length === 0) return Promise.resolve([]);
    return db
      .select()
      .from(contracts)
      .where(and(eq(contracts.tenantId, tenantId), inArray(contracts.contentHash, hashes), eq(contracts.isLatest, true)));
  },

  async version(db: DbOrTx, tenantId: string, contractId: string, version: number): Promise<ContractRow | null> {
    const [row] = await db
      .select()
      .from(contracts)
      .where(and(eq(contracts.tenantId, tenantId), eq(contracts.contractId, contractId), eq(contracts.version, version)))
      .limit(1);
    return row ?? null;
  },

  /** Rows by primary key (composition items point at version rows). */
  byIds(db: DbOrTx, tenantId: string, ids: string[]): Promise<ContractRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return db.select().from(contracts).where(and(eq(contracts.tenantId, tenantId), inArray(contracts.id, ids)));
  },

  versions(db: DbOrTx, tenantId: string, contractId: string) {
    return db
      .select({ version: contracts.version, createdAt: contracts.createdAt, createdBy: contracts.createdBy })
      .from(contracts)
      .where(and(eq(contracts.tenantId, tenantId), eq(contracts.contractId, contractId)))
      .orderBy(desc(contracts.version));
  },

  /**
   * The next version of `contractId` (1 when new), made the latest. Writers of one contract id
   * queue on a transaction-scoped advisory lock, so versions never collide and exactly one row
   * is the latest. The caller's transaction holds the lock until it commits.
   */
  async insertVersion(
    tx: DbOrTx,
    v: Omit<typeof contracts.$inferInsert, 'id' | 'version' | 'isLatest' | 'createdAt'>,
  ): Promise<{ row: ContractRow; previous: ContractRow | null }> {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`edictum:contract:${v.tenantId}:${v.contractId}`}, 0))`);
    const [previous] = await tx
      .update(contracts)
      .set({ isLatest: false })
      .where(and(eq(contracts.tenantId, v.tenantId), eq(contracts.contractId, v.contractId), eq(contracts.isLatest, true)))
      .returning();
    const [max] = await tx
      .select({ n: sql<number>`coalesce(max(${contracts.version}), 0)` })
      .from(contracts)
      .where(and(eq(contracts.tenantId, v.tenantId), eq(contracts.contractId, v.contractId)));
    const [row] = await tx
      .insert(contracts)
      .values({ ...v, version: Number(max?.n ?? 0) + 1, isLatest: true })
      .returning();
    return { row: row!, previous: previous ?? null };
  },

  /** Takes the per-contract lock without writing (create checks existence under it). */
  async lock(tx: DbOrTx, tenantId: string, contractId: string): Promise<void> {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`edictum:contract:${tenantId}:${contractId}`}, 0))`);
  },

  async exists(db: DbOrTx, tenantId: string, contractId: string): Promise<boolean> {
    const [row] = await db
      .select({ n: count() })
      .from(contracts)
      .where(and(eq(contracts.tenantId, tenantId), eq(contracts.contractId, contractId)));
    return Number(row?.n ?? 0) > 0;
  },

  async deleteAll(db: DbOrTx, tenantId: string, contractId: string): Promise<number> {
    const rows = await db
      .delete(contracts)
      .where(and(eq(contracts.tenantId, tenantId), eq(contracts.contractId, contractId)))
      .returning({ id: contracts.id });
    return rows.length;
  },

  /** Compositions with an item on any version of `contractId` (as the item's version or the one still enforcing). */
  usage(db: DbOrTx, tenantId: string, contractId: string) {
    return db
      .select({
        compositionId: bundleCompositions.id,
        compositionName: bundleCompositions.name,
        updateStrategy: bundleCompositions.updateStrategy,
        contractVersion: contracts.version,
        followLatest: bundleCompositionItems.followLatest,
      })
      .from(bundleCompositionItems)
      .innerJoin(contracts, and(eq(contracts.tenantId, bundleCompositionItems.tenantId), eq(contracts.id, bundleCompositionItems.contractId)))
      .innerJoin(
        bundleCompositions,
        and(eq(bundleCompositions.tenantId, bundleCompositionItems.tenantId), eq(bundleCompositions.id, bundleCompositionItems.compositionId)),
      )
      .where(and(eq(bundleCompositionItems.tenantId, tenantId), eq(contracts.contractId, contractId)))
      .orderBy(bundleCompositions.name);
  },

  /** Names of compositions whose items hold any version of `contractId`, either as the item or as the enforcing one. */
  async referencingCompositions(db: DbOrTx, tenantId: string, contractId: string): Promise<string[]> {
    const rows = await db
      .selectDistinct({ name: bundleCompositions.name })
      .from(bundleCompositionItems)
      .innerJoin(
        contracts,
        and(
          eq(contracts.tenantId, bundleCompositionItems.tenantId),
          or(eq(contracts.id, bundleCompositionItems.contractId), eq(contracts.id, bundleCompositionItems.observeFromContractId)),
        ),
      )
      .innerJoin(
        bundleCompositions,
        and(eq(bundleCompositions.tenantId, bundleCompositionItems.tenantId), eq(bundleCompositions.id, bundleCompositionItems.compositionId)),
      )
      .where(and(eq(bundleCompositionItems.tenantId, tenantId), eq(contracts.contractId, contractId)))
      .orderBy(bundleCompositions.name);
    return rows.map((r) => r.name);
  },
};

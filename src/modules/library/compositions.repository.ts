import { and, asc, desc, eq, inArray, isNotNull, sql, count } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { bundleCompositionItems, bundleCompositions, bundles, contracts } from '../../db/schema.js';

export type CompositionRow = typeof bundleCompositions.$inferSelect;
export type ItemRow = typeof bundleCompositionItems.$inferSelect;
export type ItemInsert = Omit<typeof bundleCompositionItems.$inferInsert, 'id' | 'tenantId' | 'compositionId' | 'createdAt'>;

export const compositionsRepository = {
  async list(db: DbOrTx, tenantId: string): Promise<(CompositionRow & { contractCount: number })[]> {
    const rows = await db
      .select({ c: bundleCompositions, n: count(bundleCompositionItems.id) })
      .from(bundleCompositions)
      .leftJoin(bundleCompositionItems, eq(bundleCompositionItems.compositionId, bundleCompositions.id))
      .where(eq(bundleCompositions.tenantId, tenantId))
      .groupBy(bundleCompositions.id)
      .orderBy(desc(bundleCompositions.updatedAt), bundleCompositions.name);
    return rows.map((r) => ({ ...r.c, contractCount: Number(r.n) }));
  },

  async byName(db: DbOrTx, tenantId: string, name: string, opts: { forUpdate?: boolean } = {}): Promise<CompositionRow | null> {
    const q = db
      .select()
      .from(bundleCompositions)
      .where(and(eq(bundleCompositions.tenantId, tenantId), eq(bundleCompositions.name, name)))
      .limit(1);
    const [row] = opts.forUpdate ? await q.for('update') : await q;
    return row ?? null;
  },

  async byIds(db: DbOrTx, tenantId: string, ids: string[]): Promise<CompositionRow[]> {
    if (ids.length === 0) return [];
    return db.select().from(bundleCompositions).where(and(eq(bundleCompositions.tenantId, tenantId), inArray(bundleCompositions.id, ids)));
  },

  /** Items in position order (ties by creation), each with its version row. */
  async items(db: DbOrTx, tenantId: string, compositionId: string) {
    return db
      .select({ item: bundleCompositionItems, contract: contracts })
      .from(bundleCompositionItems)
      .innerJoin(contracts, and(eq(contracts.tenantId, bundleCompositionItems.tenantId), eq(contracts.id, bundleCompositionItems.contractId)))
      .where(and(eq(bundleCompositionItems.tenantId, tenantId), eq(bundleCompositionItems.compositionId, compositionId)))
      .orderBy(asc(bundleCompositionItems.position), asc(bundleCompositionItems.createdAt), asc(contracts.contractId));
  },

  async insert(db: DbOrTx, v: typeof bundleCompositions.$inferInsert): Promise<CompositionRow> {
    const [row] = await db.insert(bundleCompositions).values(v).returning();
    return row!;
  },

  async update(db: DbOrTx, tenantId: string, id: string, v: Partial<typeof bundleCompositions.$inferInsert>): Promise<void> {
    await db
      .update(bundleCompositions)
      .set(v)
      .where(and(eq(bundleCompositions.tenantId, tenantId), eq(bundleCompositions.id, id)));
  },

  async replaceItems(db: DbOrTx, tenantId: string, compositionId: string, items: ItemInsert[]): Promise<void> {
    await db
      .delete(bundleCompositionItems)
      .where(and(eq(bundleCompositionItems.tenantId, tenantId), eq(bundleCompositionItems.compositionId, compositionId)));
    if (items.length > 0) await db.insert(bundleCompositionItems).values(items.map((i) => ({ ...i, tenantId, compositionId })));
  },

  async appendItem(db: DbOrTx, tenantId: string, compositionId: string, item: ItemInsert): Promise<void> {
    await db.insert(bundleCompositionItems).values({ ...item, tenantId, compositionId });
  },

  async maxPosition(db: DbOrTx, tenantId: string, compositionId: string): Promise<number | null> {
    const [row] = await db
      .select({ n: sql<number | null>`max(${bundleCompositionItems.position})` })
      .from(bundleCompositionItems)
      .where(and(eq(bundleCompositionItems.tenantId, tenantId), eq(bundleCompositionItems.compositionId, compositionId)));
    return row?.n === null || row?.n === undefined ? null : Number(row.n);
  },

  /** Bundles keep existing when their composition goes (the reference nulls the link first). */
  async remove(db: DbOrTx, tenantId: string, id: string): Promise<void> {
    await db
      .update(bundles)
      .set({ compositionId: null })
      .where(and(eq(bundles.tenantId, tenantId), eq(bundles.compositionId, id)));
    await db.delete(bundleCompositions).where(and(eq(bundleCompositions.tenantId, tenantId), eq(bundleCompositions.id, id)));
  },

  /**
   * A new version of a contract: items following the latest move to it. Under `observe_first` the
   * version they left keeps enforcing (kept in `observe_from_contract_id`, unless an earlier one
   * already is) while the new one observes. Returns the compositions that moved.
   */
  async follow(db: DbOrTx, tenantId: string, previousRowId: string, newRowId: string): Promise<string[]> {
    const moved = await db
      .update(bundleCompositionItems)
      .set({
        contractId: newRowId,
        observeFromContractId: sql`CASE WHEN (SELECT ${bundleCompositions.updateStrategy} FROM ${bundleCompositions}
          WHERE ${bundleCompositions.id} = ${bundleCompositionItems.compositionId}) = 'observe_first'
          THEN coalesce(${bundleCompositionItems.observeFromContractId}, ${bundleCompositionItems.contractId}) ELSE NULL END`,
      })
      .where(
        and(
          eq(bundleCompositionItems.tenantId, tenantId),
          eq(bundleCompositionItems.contractId, previousRowId),
          eq(bundleCompositionItems.followLatest, true),
        ),
      )
      .returning({ compositionId: bundleCompositionItems.compositionId });
    return [...new Set(moved.map((m) => m.compositionId))];
  },

  /** Compositions with an item on any version of `contractId`. */
  async using(db: DbOrTx, tenantId: string, contractId: string): Promise<CompositionRow[]> {
    const rows = await db
      .selectDistinct({ c: bundleCompositions })
      .from(bundleCompositionItems)
      .innerJoin(contracts, and(eq(contracts.tenantId, bundleCompositionItems.tenantId), eq(contracts.id, bundleCompositionItems.contractId)))
      .innerJoin(bundleCompositions, eq(bundleCompositions.id, bundleCompositionItems.compositionId))
      .where(and(eq(bundleCompositionItems.tenantId, tenantId), eq(contracts.contractId, contractId)));
    return rows.map((r) => r.c);
  },

  async markUpdateAvailable(db: DbOrTx, tenantId: string, ids: string[], value: boolean): Promise<void> {
    if (ids.length === 0) return;
    await db
      .update(bundleCompositions)
      .set({ updateAvailable: value, updatedAt: new Date() })
      .where(and(eq(bundleCompositions.tenantId, tenantId), inArray(bundleCompositions.id, ids)));
  },

  /** Promotion: the observing versions take over (all of them, or those of `rowIds`). */
  async promote(db: DbOrTx, tenantId: string, compositionId: string, rowIds: string[] | null): Promise<number> {
    const rows = await db
      .update(bundleCompositionItems)
      .set({ observeFromContractId: null })
      .where(
        and(
          eq(bundleCompositionItems.tenantId, tenantId),
          eq(bundleCompositionItems.compositionId, compositionId),
          isNotNull(bundleCompositionItems.observeFromContractId),
          rowIds ? inArray(bundleCompositionItems.contractId, rowIds) : undefined,
        ),
      )
      .returning({ id: bundleCompositionItems.id });
    return rows.length;
  },

  /** The frozen `[{contract_id, version, mode, observe}]` a composition deploy stored on its bundle. */
  async snapshotOf(db: DbOrTx, tenantId: string, bundleId: string): Promise<unknown> {
    const [row] = await db
      .select({ s: bundles.compositionSnapshot })
      .from(bundles)
      .where(and(eq(bundles.tenantId, tenantId), eq(bundles.id, bundleId)))
      .limit(1);
    return row?.s ?? null;
  },

  /** Sets the composition link and snapshot on a bundle version it produced. */
  async linkBundle(db: DbOrTx, tenantId: string, bundleId: string, compositionId: string, snapshot: unknown): Promise<void> {
    await db
      .update(bundles)
      .set({ compositionId, compositionSnapshot: snapshot })
      .where(and(eq(bundles.tenantId, tenantId), eq(bundles.id, bundleId)));
  },
};

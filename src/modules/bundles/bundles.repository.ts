import { and, desc, eq, exists, inArray, max, sql, count } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { bundles, deployments, signingKeys } from '../../db/schema.js';

/** Bundle columns without the YAML (lists never load the documents). */
const meta = {
  id: bundles.id,
  tenantId: bundles.tenantId,
  name: bundles.name,
  version: bundles.version,
  revisionHash: bundles.revisionHash,
  signature: bundles.signature,
  signingKeyId: bundles.signingKeyId,
  sourceHubSlug: bundles.sourceHubSlug,
  sourceHubRevision: bundles.sourceHubRevision,
  uploadedBy: bundles.uploadedBy,
  contractCount: bundles.contractCount,
  createdAt: bundles.createdAt,
  uploadedFormat: bundles.uploadedFormat,
  rulesetRevisionHash: bundles.rulesetRevisionHash,
  rulesetSignature: bundles.rulesetSignature,
  rulesetSigningKeyId: bundles.rulesetSigningKeyId,
};
/** Both renderings' bytes (decision 16). */
const documents = { yamlBytes: bundles.yamlBytes, rulesetBytes: bundles.rulesetBytes };

export type BundleMeta = Omit<typeof bundles.$inferSelect, 'yamlBytes' | 'rulesetBytes' | 'compositionId' | 'compositionSnapshot'>;
export type BundleRow = BundleMeta & { yamlBytes: Uint8Array; rulesetBytes: Uint8Array | null };
/** A current deployment, its bundle and the tenant's active key (null when it has none). */
export type CurrentRow = BundleRow & { activeKeyId: string | null; activePublicKey: Uint8Array | null; deployedAt: Date };

/** Deployment rows joined to the bundle row they point at. */
const deployedBundle = and(
  eq(bundles.tenantId, deployments.tenantId),
  eq(bundles.name, deployments.bundleName),
  eq(bundles.version, deployments.bundleVersion),
);

/** Aggregates arrive as text or Date depending on the driver. */
export function asDate(v: unknown): Date {
  return v instanceof Date ? v : new Date(String(v));
}

/** SQLSTATE 23505 (unique violation), wherever the driver or drizzle put it. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === '23505') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export const bundlesRepository = {
  /**
   * Inserts the next version of `name` (max + 1). Uploads of one name queue on an advisory lock
   * so they do not fight over the number; a writer that skips the lock (another module making
   * bundles) can still race, which surfaces as a unique violation the caller retries.
   */
  async insertNextVersion(
    db: DbOrTx,
    v: {
      tenantId: string;
      name: string;
      yamlBytes: Uint8Array;
      revisionHash: string;
      uploadedBy: string;
      contractCount: number;
      uploadedFormat?: string;
      rulesetBytes?: Uint8Array | null;
      rulesetRevisionHash?: string | null;
    },
  ): Promise<BundleMeta> {
    const next = sql<number>`(SELECT coalesce(max(${bundles.version}), 0) + 1 FROM ${bundles} WHERE ${bundles.tenantId} = ${v.tenantId} AND ${bundles.name} = ${v.name})`;
    return db.transaction(async (tx) => {
      await tx.execute(
        sql`SELECT pg_advisory_xact_lock(hashtextextended(${`edictum:bundle-version:${v.tenantId}:${v.name}`}, 0))`,
      );
      const [row] = await tx
        .insert(bundles)
        .values({ ...v, version: next })
        .returning(meta);
      return row!;
    });
  },

  async get(db: DbOrTx, tenantId: string, name: string, version: number): Promise<BundleRow | null> {
    const [row] = await db
      .select({ ...meta, ...documents })
      .from(bundles)
      .where(and(eq(bundles.tenantId, tenantId), eq(bundles.name, name), eq(bundles.version, version)))
      .limit(1);
    return row ?? null;
  },

  /** Every version of `name`, newest first. */
  versions(db: DbOrTx, tenantId: string, name: string): Promise<BundleMeta[]> {
    return db
      .select(meta)
      .from(bundles)
      .where(and(eq(bundles.tenantId, tenantId), eq(bundles.name, name)))
      .orderBy(desc(bundles.version));
  },

  /**
   * The bundle deployed most recently as `name` in `env`, with the active key, in one query
   * walking `ix_deployments_current` backwards.
   */
  async current(db: DbOrTx, tenantId: string, env: string, name: string): Promise<CurrentRow | null> {
    const [row] = await db
      .select({
        ...meta,
        ...documents,
        activeKeyId: signingKeys.id,
        activePublicKey: signingKeys.publicKey,
        deployedAt: deployments.createdAt,
      })
      .from(deployments)
      .innerJoin(bundles, deployedBundle)
      .leftJoin(signingKeys, and(eq(signingKeys.tenantId, deployments.tenantId), eq(signingKeys.active, true)))
      .where(and(eq(deployments.tenantId, tenantId), eq(deployments.env, env), eq(deployments.bundleName, name)))
      .orderBy(desc(deployments.createdAt))
      .limit(1);
    return row ?? null;
  },

  /** revision_hash of the current deployment of `name` in `env` (one indexed query). */
  async currentRevision(db: DbOrTx, tenantId: string, env: string, name: string): Promise<string | null> {
    const [row] = await db
      .select({ revisionHash: bundles.revisionHash })
      .from(deployments)
      .innerJoin(bundles, deployedBundle)
      .where(and(eq(deployments.tenantId, tenantId), eq(deployments.env, env), eq(deployments.bundleName, name)))
      .orderBy(desc(deployments.createdAt))
      .limit(1);
    return row?.revisionHash ?? null;
  },

  /** Both renderings' hashes of the current deployment of `name` in `env` (drift, decision 16). */
  async currentRevisions(db: DbOrTx, tenantId: string, env: string, name: string): Promise<{ revision: string; ruleset: string | null } | null> {
    const [row] = await db
      .select({ revision: bundles.revisionHash, ruleset: bundles.rulesetRevisionHash })
      .from(deployments)
      .innerJoin(bundles, deployedBundle)
      .where(and(eq(deployments.tenantId, tenantId), eq(deployments.env, env), eq(deployments.bundleName, name)))
      .orderBy(desc(deployments.createdAt))
      .limit(1);
    return row ?? null;
  },

  /** The latest deployment per (env, bundle name), optionally for one env or one name. */
  currentDeployments(db: DbOrTx, tenantId: string, filter: { env?: string; name?: string } = {}) {
    return db
      .selectDistinctOn([deployments.env, deployments.bundleName], {
        env: deployments.env,
        bundleName: deployments.bundleName,
        bundleVersion: deployments.bundleVersion,
        deployedAt: deployments.createdAt,
        bundleId: bundles.id,
        contractCount: bundles.contractCount,
      })
      .from(deployments)
      .innerJoin(bundles, deployedBundle)
      .where(
        and(
          eq(deployments.tenantId, tenantId),
          filter.env === undefined ? undefined : eq(deployments.env, filter.env),
          filter.name === undefined ? undefined : eq(deployments.bundleName, filter.name),
        ),
      )
      .orderBy(deployments.env, deployments.bundleName, desc(deployments.createdAt));
  },

  /**
   * Per bundle name: latest version, version count, last upload and the latest version's
   * contract count. With `deployedTo`, only versions that were ever deployed to that env count.
   */
  async summaries(db: DbOrTx, tenantId: string, deployedTo?: string) {
    const everDeployed =
      deployedTo === undefined
        ? undefined
        : exists(
            db
              .select({ one: sql`1` })
              .from(deployments)
              .where(
                and(
                  eq(deployments.tenantId, bundles.tenantId),
                  eq(deployments.env, deployedTo),
                  eq(deployments.bundleName, bundles.name),
                  eq(deployments.bundleVersion, bundles.version),
                ),
              ),
          );
    const rows = await db
      .select({
        name: bundles.name,
        latestVersion: max(bundles.version),
        versionCount: count(),
        lastUpdated: sql<unknown>`max(${bundles.createdAt})`,
        latestContractCount: sql<number | null>`(array_agg(${bundles.contractCount} ORDER BY ${bundles.version} DESC))[1]`,
      })
      .from(bundles)
      .where(and(eq(bundles.tenantId, tenantId), everDeployed))
      .groupBy(bundles.name);
    return rows.map((r) => ({ ...r, latestVersion: r.latestVersion ?? 0, lastUpdated: asDate(r.lastUpdated) }));
  },

  /** Store a signature and the key that made it (and the Ruleset rendering's, when given). */
  async setSignature(
    db: DbOrTx,
    tenantId: string,
    bundleId: string,
    signature: Uint8Array,
    keyId: string,
    ruleset?: { bytes: Uint8Array; revisionHash: string; signature: Uint8Array } | null,
  ): Promise<void> {
    const extra = ruleset
      ? { rulesetBytes: ruleset.bytes, rulesetRevisionHash: ruleset.revisionHash, rulesetSignature: ruleset.signature, rulesetSigningKeyId: keyId }
      : {};
    await db
      .update(bundles)
      .set({ signature, signingKeyId: keyId, ...extra })
      .where(and(eq(bundles.tenantId, tenantId), eq(bundles.id, bundleId)));
  },

  /**
   * The ContractBundle revision hash of each given hash, whichever rendering it names (a current
   * SDK reports the Ruleset rendering's hash as policy_version). Unknown hashes are left out.
   */
  async canonicalRevisions(db: DbOrTx, tenantId: string, hashes: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (hashes.length === 0) return out;
    const rows = await db
      .selectDistinct({ revisionHash: bundles.revisionHash, rulesetRevisionHash: bundles.rulesetRevisionHash })
      .from(bundles)
      .where(and(eq(bundles.tenantId, tenantId), inArray(bundles.rulesetRevisionHash, hashes)));
    for (const r of rows) if (r.rulesetRevisionHash) out.set(r.rulesetRevisionHash, r.revisionHash);
    return out;
  },

  /** Ids and bytes of the bundle rows current in some env (what a rotation re-signs), minus `except`. */
  async deployedBundles(
    db: DbOrTx,
    tenantId: string,
    except: ReadonlyMap<string, unknown>,
  ): Promise<{ id: string; yamlBytes: Uint8Array; rulesetBytes: Uint8Array | null }[]> {
    const current = await bundlesRepository.currentDeployments(db, tenantId);
    const ids = [...new Set(current.map((c) => c.bundleId))].filter((id) => !except.has(id));
    const out: { id: string; yamlBytes: Uint8Array; rulesetBytes: Uint8Array | null }[] = [];
    // One row at a time: a tenant may have many large documents deployed.
    for (const id of ids) {
      const [row] = await db
        .select({ id: bundles.id, ...documents })
        .from(bundles)
        .where(and(eq(bundles.tenantId, tenantId), eq(bundles.id, id)));
      if (row) out.push(row);
    }
    return out;
  },

  async insertDeployment(
    db: DbOrTx,
    v: { tenantId: string; env: string; bundleName: string; bundleVersion: number; deployedBy: string },
  ) {
    // clock_timestamp(), not the transaction's start time: deploys are serialised by the tenant
    // lock, so "latest created_at" is then also "committed last".
    const [row] = await db
      .insert(deployments)
      .values({ ...v, createdAt: sql`clock_timestamp()` })
      .returning();
    return row!;
  },

  listDeployments(db: DbOrTx, tenantId: string, f: { env?: string | undefined; bundleName?: string | undefined; limit: number }) {
    return db
      .select()
      .from(deployments)
      .where(
        and(
          eq(deployments.tenantId, tenantId),
          f.env === undefined ? undefined : eq(deployments.env, f.env),
          f.bundleName === undefined ? undefined : eq(deployments.bundleName, f.bundleName),
        ),
      )
      .orderBy(desc(deployments.createdAt))
      .limit(f.limit);
  },
};

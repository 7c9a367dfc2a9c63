import { and, asc, eq, gt, gte, lte, sql, type SQL } from 'drizzle-orm';
import { approvals, deployments } from '../../db/schema.js';
import { adminActivity } from '../../db/schema-activity.js';
import { rollouts, rolloutSteps } from '../../db/schema-rollouts.js';
import type { DbOrTx } from '../../db/client.js';
import { rowsOf } from '../../db/client.js';
import { TIMESTAMP_SQL_FORMAT } from '../events/events.canonical.js';
import type { EventRecord } from './verify.sources.js';

/** Reads of the evidence pack, each one page at a time (keyset), so nothing holds the whole range. */

export interface PackScope {
  tenantId: string;
  from: string;
  until: string;
  agent: string | null;
  bundle: string | null;
}

const ts = (col: string) => sql.raw(`to_char(${col} AT TIME ZONE 'UTC', '${TIMESTAMP_SQL_FORMAT}')`);

/** Events whose policy version is one of the bundle's renderings (either generation). */
const bundleFilter = (s: PackScope, alias: string): SQL =>
  s.bundle === null
    ? sql``
    : sql`AND ${sql.raw(alias)}.policy_version IN (SELECT revision_hash FROM bundles WHERE tenant_id = ${s.tenantId}::uuid AND name = ${s.bundle}
          UNION ALL SELECT ruleset_revision_hash FROM bundles WHERE tenant_id = ${s.tenantId}::uuid AND name = ${s.bundle} AND ruleset_revision_hash IS NOT NULL)`;

const eventWhere = (s: PackScope) =>
  sql`e.tenant_id = ${s.tenantId}::uuid AND e.created_at >= ${s.from}::timestamptz AND e.created_at <= ${s.until}::timestamptz
      ${s.agent === null ? sql`` : sql`AND e.agent_id = ${s.agent}`} ${bundleFilter(s, 'e')}`;

export async function countEvents(db: DbOrTx, s: PackScope): Promise<number> {
  const [r] = await rowsOf<{ n: string | number }>(db, sql`SELECT count(*) AS n FROM events e WHERE ${eventWhere(s)}`);
  return Number(r?.n ?? 0);
}

/** Events by id order after `afterId` (the pack needs no time order; the id index is the PK's lead). */
export async function eventsPage(db: DbOrTx, s: PackScope, afterId: string | null, limit: number): Promise<EventRecord[]> {
  return rowsOf<EventRecord>(
    db,
    sql`SELECT e.id, e.env, e.call_id AS "callId", e.agent_id AS "agentId", e.tool_name AS "toolName", e.verdict, e.mode,
               ${ts('e."timestamp"')} AS "timestamp", e.payload, ${ts('e.created_at')} AS "createdAt",
               e.decision_name AS "decisionName", e.policy_version AS "policyVersion"
        FROM events e WHERE ${eventWhere(s)} ${afterId === null ? sql`` : sql`AND e.id > ${afterId}::uuid`}
        ORDER BY e.id LIMIT ${limit}`,
  );
}

const entrySeq = (kind: string, table: typeof approvals | typeof deployments) =>
  sql<number | null>`(SELECT c.seq::float8 FROM audit_chain_entries c WHERE c.tenant_id = ${table.tenantId} AND c.kind = ${kind} AND c.ref_id = ${table.id}::text)`;

export type ApprovalRow = typeof approvals.$inferSelect;

export async function approvalsPage(db: DbOrTx, s: PackScope, afterId: string | null, limit: number) {
  return db
    .select({ row: approvals, requestSeq: entrySeq('approval.requested', approvals), decisionSeq: entrySeq('approval.decided', approvals) })
    .from(approvals)
    .where(
      and(
        eq(approvals.tenantId, s.tenantId),
        gte(approvals.createdAt, sql`${s.from}::timestamptz`),
        lte(approvals.createdAt, sql`${s.until}::timestamptz`),
        s.agent === null ? undefined : eq(approvals.agentId, s.agent),
        afterId === null ? undefined : gt(approvals.id, afterId),
      ),
    )
    .orderBy(asc(approvals.id))
    .limit(limit);
}

export async function deploysInRange(db: DbOrTx, s: PackScope) {
  return db
    .select({
      row: deployments,
      seq: entrySeq('deploy', deployments),
      revisionHash: sql<string | null>`(SELECT b.revision_hash FROM bundles b WHERE b.tenant_id = ${deployments.tenantId} AND b.name = ${deployments.bundleName} AND b.version = ${deployments.bundleVersion})`,
    })
    .from(deployments)
    .where(
      and(
        eq(deployments.tenantId, s.tenantId),
        gte(deployments.createdAt, sql`${s.from}::timestamptz`),
        lte(deployments.createdAt, sql`${s.until}::timestamptz`),
        s.bundle === null ? undefined : eq(deployments.bundleName, s.bundle),
      ),
    )
    .orderBy(asc(deployments.createdAt))
    .limit(10_000);
}

export interface BundlePackRow {
  name: string;
  version: number;
  revision_hash: string;
  yaml_b64: string;
  signature_b64: string | null;
  signing_key_id: string | null;
  public_key: string | null;
  uploaded_by: string;
  created_at: string;
}

/** Versions in force during the range: deployed in it, or current somewhere when it began. */
export async function bundlesInForce(db: DbOrTx, s: PackScope): Promise<BundlePackRow[]> {
  return rowsOf<BundlePackRow>(
    db,
    sql`WITH used AS (
          SELECT bundle_name, bundle_version FROM deployments WHERE tenant_id = ${s.tenantId}::uuid AND created_at >= ${s.from}::timestamptz AND created_at <= ${s.until}::timestamptz
          UNION
          SELECT bundle_name, bundle_version FROM (
            SELECT DISTINCT ON (env, bundle_name) bundle_name, bundle_version FROM deployments
            WHERE tenant_id = ${s.tenantId}::uuid AND created_at < ${s.from}::timestamptz ORDER BY env, bundle_name, created_at DESC) before
        )
        SELECT b.name, b.version, b.revision_hash, encode(b.yaml_bytes, 'base64') AS yaml_b64, encode(b.signature, 'base64') AS signature_b64,
               b.signing_key_id, encode(k.public_key, 'hex') AS public_key, b.uploaded_by, b.created_at::text AS created_at
        FROM bundles b JOIN used u ON u.bundle_name = b.name AND u.bundle_version = b.version
        LEFT JOIN signing_keys k ON k.id = b.signing_key_id AND k.tenant_id = b.tenant_id
        WHERE b.tenant_id = ${s.tenantId}::uuid ${s.bundle === null ? sql`` : sql`AND b.name = ${s.bundle}`}
        ORDER BY b.name, b.version LIMIT 1000`,
  );
}

/** Admin activity rows in the range, oldest first, one keyset page (at, id) at a time, with the chain seq of each. */
export async function activityPage(db: DbOrTx, s: PackScope, after: { at: Date; id: string } | null, limit: number) {
  const t = adminActivity;
  return db
    .select({
      row: t,
      seq: sql<string | null>`(SELECT e.seq FROM audit_chain_entries e WHERE e.tenant_id = ${t.tenantId} AND e.kind = 'admin.activity' AND e.ref_id = ${t.id}::text LIMIT 1)`,
    })
    .from(t)
    .where(
      and(
        eq(t.tenantId, s.tenantId),
        gte(t.at, sql`${s.from}::timestamptz`),
        lte(t.at, sql`${s.until}::timestamptz`),
        after === null ? undefined : sql`(${t.at}, ${t.id}) > (${after.at.toISOString()}::timestamptz, ${after.id}::uuid)`,
      ),
    )
    .orderBy(asc(t.at), asc(t.id))
    .limit(limit);
}

/** Rollout steps (canary start, widen, promote, rollback, stop) in the range, with their rollout. */
export async function rolloutStepsInRange(db: DbOrTx, s: PackScope) {
  return db
    .select({
      step: rolloutSteps,
      rollout: { id: rollouts.id, env: rollouts.env, bundleName: rollouts.bundleName, bundleVersion: rollouts.bundleVersion, kind: rollouts.kind, status: rollouts.status },
    })
    .from(rolloutSteps)
    .innerJoin(rollouts, eq(rollouts.id, rolloutSteps.rolloutId))
    .where(
      and(
        eq(rolloutSteps.tenantId, s.tenantId),
        gte(rolloutSteps.createdAt, sql`${s.from}::timestamptz`),
        lte(rolloutSteps.createdAt, sql`${s.until}::timestamptz`),
        s.bundle === null ? undefined : eq(rollouts.bundleName, s.bundle),
      ),
    )
    .orderBy(asc(rolloutSteps.createdAt))
    .limit(10_000);
}

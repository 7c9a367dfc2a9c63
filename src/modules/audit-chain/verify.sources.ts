import type { DbOrTx } from '../../db/client.js';
import { rowsOf } from '../../db/client.js';
import { approvals, deployments, signingKeys } from '../../db/schema.js';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { TIMESTAMP_SQL_FORMAT } from '../events/events.canonical.js';
import { approvalDecidedContent, approvalRequestedContent, deployContent, signingKeyContent } from './chain.append.js';
import type { EventLeafInput } from './chain.hash.js';
import { activityRepository } from '../activity/activity.repository.js';
import { activityContent } from '../activity/activity.service.js';

/**
 * How verification re-reads the row an entry covers and rebuilds the content it committed to.
 * A kind listed here is checked against its source table (a changed row is named field by field,
 * a deleted one as a deletion); a kind not listed (e.g. `events.purged`, or a kind another module
 * appends before it registers a loader) is checked by the chain alone.
 */
export type SourceLoader = (db: DbOrTx, tenantId: string, refIds: string[]) => Promise<Map<string, Record<string, unknown>>>;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuids = (ids: string[]) => ids.filter((i) => UUID_RE.test(i));

async function approvalRows(db: DbOrTx, tenantId: string, ids: string[]) {
  const list = uuids(ids);
  if (list.length === 0) return [];
  return db.select().from(approvals).where(and(eq(approvals.tenantId, tenantId), inArray(approvals.id, list)));
}

export const sourceLoaders: Record<string, SourceLoader> = {
  async 'approval.requested'(db, tenantId, ids) {
    return new Map((await approvalRows(db, tenantId, ids)).map((r) => [r.id, approvalRequestedContent(r)]));
  },
  async 'approval.decided'(db, tenantId, ids) {
    return new Map((await approvalRows(db, tenantId, ids)).map((r) => [r.id, approvalDecidedContent(r)]));
  },
  async deploy(db, tenantId, ids) {
    const list = uuids(ids);
    if (list.length === 0) return new Map();
    const rows = await db
      .select({
        d: deployments,
        revisionHash: sql<string | null>`(SELECT b.revision_hash FROM bundles b WHERE b.tenant_id = ${deployments.tenantId} AND b.name = ${deployments.bundleName} AND b.version = ${deployments.bundleVersion})`,
      })
      .from(deployments)
      .where(and(eq(deployments.tenantId, tenantId), inArray(deployments.id, list)));
    return new Map(rows.map((r) => [r.d.id, deployContent(r.d, r.revisionHash ?? '')]));
  },
  async 'signing_key.installed'(db, tenantId, ids) {
    const list = uuids(ids);
    if (list.length === 0) return new Map();
    const rows = await db.select().from(signingKeys).where(and(eq(signingKeys.tenantId, tenantId), inArray(signingKeys.id, list)));
    return new Map(rows.map((r) => [r.id, signingKeyContent(r)]));
  },
  async 'admin.activity'(db, tenantId, ids) {
    const list = uuids(ids);
    if (list.length === 0) return new Map();
    return new Map((await activityRepository.byIds(db, tenantId, list)).map((r) => [r.id, activityContent(r)]));
  },
};

/** Another module registers how to re-read its kind (admin actions, rollout steps). */
export function registerSourceLoader(kind: string, loader: SourceLoader): void {
  sourceLoaders[kind] = loader;
}

export interface EventRecord extends EventLeafInput {
  createdAt: string;
  decisionName: string | null;
  policyVersion: string | null;
}

const ts = (col: string) => sql.raw(`to_char(${col} AT TIME ZONE 'UTC', '${TIMESTAMP_SQL_FORMAT}')`);

/** The stored events with these ids, as the leaf formula reads them. */
export async function eventsByIds(db: DbOrTx, tenantId: string, ids: string[]): Promise<EventRecord[]> {
  if (ids.length === 0) return [];
  return rowsOf<EventRecord>(
    db,
    sql`SELECT id, env, call_id AS "callId", agent_id AS "agentId", tool_name AS "toolName", verdict, mode,
               ${ts('"timestamp"')} AS "timestamp", payload, ${ts('created_at')} AS "createdAt",
               decision_name AS "decisionName", policy_version AS "policyVersion"
        FROM events WHERE tenant_id = ${tenantId}::uuid AND id = ANY(${sql.param(ids)}::uuid[])`,
  );
}

import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { TIMESTAMP_SQL_FORMAT } from '../events/events.canonical.js';

type Num = number | string;
const FMT = sql.raw(`'${TIMESTAMP_SQL_FORMAT}'`);
const iso = (col: SQL) => sql`to_char(${col} AT TIME ZONE 'UTC', ${FMT})`;
const envCond = (env: string | null): SQL => (env === null ? sql`TRUE` : sql`env = ${env}`);

export interface DeployedBundle {
  name: string;
  version: number;
  revision_hash: string;
  env: string;
  deployed_at: string;
}

export interface LatestEvent {
  agent_id: string;
  /** The event's own timestamp (ISO, UTC). */
  ts: string;
  env: string | null;
  bundle_name: string | null;
  policy_version: string | null;
}

/** Reads for coverage, fleet coverage and history (events, deployments, bundles, registrations). */
export const coverageRepository = {
  toolRows(database: Database, tenantId: string, agentId: string, since: string, until: string | null) {
    return database.rows<{ tool_name: string; n: Num; last: string; deny: Num; allow: Num; observe: Num }>(
      sql`SELECT tool_name, count(*) AS n, ${iso(sql`max("timestamp")`)} AS last,
            count(*) FILTER (WHERE verdict = 'call_denied') AS deny,
            count(*) FILTER (WHERE verdict IN ('call_allowed', 'call_executed')) AS allow,
            count(*) FILTER (WHERE verdict = 'call_would_deny') AS observe
          FROM events WHERE tenant_id = ${tenantId}::uuid AND agent_id = ${agentId} AND "timestamp" >= ${since}::timestamptz
            ${until ? sql`AND "timestamp" <= ${until}::timestamptz` : sql``}
          GROUP BY tool_name ORDER BY tool_name`,
    );
  },

  fleetToolRows(database: Database, tenantId: string, since: string, env: string | null) {
    return database.rows<{ agent_id: string; tool_name: string; n: Num; last: string }>(
      sql`SELECT agent_id, tool_name, count(*) AS n, ${iso(sql`max("timestamp")`)} AS last
          FROM events WHERE tenant_id = ${tenantId}::uuid AND "timestamp" >= ${since}::timestamptz AND ${envCond(env)}
          GROUP BY agent_id, tool_name ORDER BY agent_id, tool_name`,
    );
  },

  /** Each agent's newest event (one index probe per agent, not a sort of all their events). */
  latestEvents(database: Database, tenantId: string, agentIds: string[], env: string | null): Promise<LatestEvent[]> {
    if (agentIds.length === 0) return Promise.resolve([]);
    return database.rows<LatestEvent>(
      sql`SELECT a.agent_id, l.ts, l.env, l.bundle_name, l.policy_version
          FROM unnest(${sql.param(agentIds)}::text[]) AS a(agent_id)
          CROSS JOIN LATERAL (
            SELECT ${iso(sql`e."timestamp"`)} AS ts, e.env, e.payload->>'bundle_name' AS bundle_name, e.policy_version
            FROM events e WHERE e.tenant_id = ${tenantId}::uuid AND e.agent_id = a.agent_id AND ${envCond(env)}
            ORDER BY e."timestamp" DESC LIMIT 1
          ) l`,
    );
  },

  async firstEvent(database: Database, tenantId: string, agentId: string): Promise<{ ts: string; env: string | null } | null> {
    const [row] = await database.rows<{ ts: string; env: string | null }>(
      sql`SELECT ${iso(sql`"timestamp"`)} AS ts, env FROM events WHERE tenant_id = ${tenantId}::uuid AND agent_id = ${agentId}
          ORDER BY "timestamp" ASC LIMIT 1`,
    );
    return row ?? null;
  },

  /** The current deployment (latest row) of every bundle in `env`, newest deployment first. */
  deployedIn(database: Database, tenantId: string, env: string | null): Promise<DeployedBundle[]> {
    return database.rows<DeployedBundle>(
      sql`SELECT d.bundle_name AS name, d.bundle_version AS version, b.revision_hash, d.env, ${iso(sql`d.created_at`)} AS deployed_at
          FROM (
            SELECT DISTINCT ON (env, bundle_name) env, bundle_name, bundle_version, created_at FROM deployments
            WHERE tenant_id = ${tenantId}::uuid AND ${env === null ? sql`TRUE` : sql`env = ${env}`}
            ORDER BY env, bundle_name, created_at DESC, id DESC
          ) d
          JOIN bundles b ON b.tenant_id = ${tenantId}::uuid AND b.name = d.bundle_name AND b.version = d.bundle_version
          ORDER BY d.created_at DESC`,
    );
  },

  async bundleYaml(database: Database, tenantId: string, name: string, version: number): Promise<string | null> {
    const [row] = await database.rows<{ yaml: string }>(
      sql`SELECT convert_from(yaml_bytes, 'UTF8') AS yaml FROM bundles WHERE tenant_id = ${tenantId}::uuid AND name = ${name} AND version = ${version}`,
    );
    return row?.yaml ?? null;
  },

  registrations(database: Database, tenantId: string, agentIds: string[]) {
    if (agentIds.length === 0) return Promise.resolve([]);
    return database.rows<{ agent_id: string; bundle_name: string | null; last_policy_version: string | null; manifest: unknown }>(
      sql`SELECT agent_id, bundle_name, last_policy_version, manifest FROM agent_registrations
          WHERE tenant_id = ${tenantId}::uuid AND agent_id = ANY(${sql.param(agentIds)}::text[])`,
    );
  },

  /** Ruleset-rendering hash -> canonical revision hash, for every bundle of the tenant (fleet/drift.ts). */
  async revisionAliases(database: Database, tenantId: string): Promise<Map<string, string>> {
    const rows = await database.rows<{ ruleset: string; revision: string }>(
      sql`SELECT lower(ruleset_revision_hash) AS ruleset, revision_hash AS revision FROM bundles
          WHERE tenant_id = ${tenantId}::uuid AND ruleset_revision_hash IS NOT NULL`,
    );
    return new Map(rows.map((r) => [r.ruleset, r.revision]));
  },

  /** Deployments in an env, newest first, with the bundle's revision hash when it still exists. */
  deploymentHistory(database: Database, tenantId: string, env: string, limit: number) {
    return database.rows<{ bundle_name: string; bundle_version: number; deployed_by: string; created: string; revision_hash: string | null }>(
      sql`SELECT d.bundle_name, d.bundle_version, d.deployed_by, ${iso(sql`d.created_at`)} AS created, b.revision_hash
          FROM deployments d
          LEFT JOIN bundles b ON b.tenant_id = d.tenant_id AND b.name = d.bundle_name AND b.version = d.bundle_version
          WHERE d.tenant_id = ${tenantId}::uuid AND d.env = ${env}
          ORDER BY d.created_at DESC, d.id DESC LIMIT ${limit}`,
    );
  },

  /**
   * The agent's policy versions as runs: consecutive events (in time order) reporting the same
   * policy_version, with the first and last timestamp of each run. One ordered pass over the
   * agent's entries of ix_events_tenant_agent_ts (index-only: the version is included in it);
   * only the change points leave the database.
   */
  policyRuns(database: Database, tenantId: string, agentId: string) {
    return database.rows<{ pv: string; start: string; last: string }>(
      sql`SELECT pv, ${iso(sql`min(t)`)} AS start, ${iso(sql`max(t)`)} AS last FROM (
            SELECT t, pv, sum(chg) OVER (ORDER BY t ROWS UNBOUNDED PRECEDING) AS run FROM (
              SELECT "timestamp" AS t, policy_version AS pv,
                CASE WHEN policy_version IS DISTINCT FROM lag(policy_version) OVER (ORDER BY "timestamp") THEN 1 ELSE 0 END AS chg
              FROM events WHERE tenant_id = ${tenantId}::uuid AND agent_id = ${agentId} AND policy_version IS NOT NULL
            ) x
          ) y GROUP BY run, pv ORDER BY min(t)`,
    );
  },
};

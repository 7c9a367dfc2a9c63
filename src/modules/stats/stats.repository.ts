import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { TIMESTAMP_SQL_FORMAT } from '../events/events.canonical.js';

type Num = number | string;
const envCond = (env: string | null): SQL => (env === null ? sql`TRUE` : sql`env = ${env}`);
const FMT = sql.raw(`'${TIMESTAMP_SQL_FORMAT}'`);

export const statsRepository = {
  async pendingApprovals(database: Database, tenantId: string, env: string | null): Promise<number> {
    const [row] = await database.rows<{ n: Num }>(
      sql`SELECT count(*) AS n FROM approvals WHERE tenant_id = ${tenantId}::uuid AND status = 'pending' AND ${envCond(env)}`,
    );
    return Number(row?.n ?? 0);
  },

  /** Everything the overview counts over the last 24 h, in one pass over that window. */
  async lastDay(database: Database, tenantId: string, env: string | null, dayAgo: string, hourAgo: string) {
    const [row] = await database.rows<{ events: Num; denials: Num; observe: Num; contracts: Num; active: Num }>(
      sql`SELECT count(*) AS events,
            count(*) FILTER (WHERE verdict = 'call_denied') AS denials,
            count(*) FILTER (WHERE mode = 'observe' AND verdict = 'call_would_deny') AS observe,
            count(DISTINCT decision_name) AS contracts,
            count(DISTINCT agent_id) FILTER (WHERE "timestamp" >= ${hourAgo}::timestamptz) AS active
          FROM events WHERE tenant_id = ${tenantId}::uuid AND "timestamp" >= ${dayAgo}::timestamptz AND ${envCond(env)}`,
    );
    return {
      events: Number(row?.events ?? 0),
      denials: Number(row?.denials ?? 0),
      observe: Number(row?.observe ?? 0),
      contracts: Number(row?.contracts ?? 0),
      active: Number(row?.active ?? 0),
    };
  },

  /**
   * Distinct agent ids ever, as a loose index scan: one probe of (tenant_id, agent_id, ...) per
   * agent instead of reading every event (count(DISTINCT) over millions of rows takes seconds).
   */
  async distinctAgents(database: Database, tenantId: string, env: string | null): Promise<number> {
    const [row] = await database.rows<{ n: Num }>(
      sql`WITH RECURSIVE a AS (
            (SELECT agent_id FROM events WHERE tenant_id = ${tenantId}::uuid AND ${envCond(env)} ORDER BY agent_id LIMIT 1)
            UNION ALL
            SELECT (SELECT e.agent_id FROM events e WHERE e.tenant_id = ${tenantId}::uuid AND ${envCond(env)} AND e.agent_id > a.agent_id
                    ORDER BY e.agent_id LIMIT 1)
            FROM a WHERE a.agent_id IS NOT NULL
          ) SELECT count(agent_id) AS n FROM a`,
    );
    return Number(row?.n ?? 0);
  },

  contracts(database: Database, tenantId: string, since: string, until: string) {
    return database.rows<{ decision_name: string; total: Num; denials: Num; warnings: Num; last: string | null }>(
      sql`SELECT decision_name, count(*) AS total,
            count(*) FILTER (WHERE verdict = 'call_denied') AS denials,
            count(*) FILTER (WHERE verdict = 'call_would_deny') AS warnings,
            to_char(max("timestamp") AT TIME ZONE 'UTC', ${FMT}) AS last
          FROM events
          WHERE tenant_id = ${tenantId}::uuid AND "timestamp" >= ${since}::timestamptz AND "timestamp" <= ${until}::timestamptz
            AND decision_name IS NOT NULL
          GROUP BY decision_name ORDER BY count(*) DESC, decision_name`,
    );
  },

  async eventsBetween(database: Database, tenantId: string, since: string, until: string): Promise<number> {
    const [row] = await database.rows<{ n: Num }>(
      sql`SELECT count(*) AS n FROM events
          WHERE tenant_id = ${tenantId}::uuid AND "timestamp" >= ${since}::timestamptz AND "timestamp" <= ${until}::timestamptz`,
    );
    return Number(row?.n ?? 0);
  },
};

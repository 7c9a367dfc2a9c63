import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';

/**
 * What the assistant may read of the fleet: bounded, tenant-scoped aggregates and samples of the
 * stored events. Every query filters on `tenant_id` first (the model's tools call these with the
 * tenant of the signed-in session, never with anything the model chose).
 */

/** The events that carry a call's decision (one per call), as replay reads them. */
const DECISION_VERDICTS = sql.raw(`('call_allowed','call_denied','call_would_deny','call_approval_requested')`);

export interface ToolSeen {
  tool_name: string;
  calls: number;
  denied: number;
  approvals_requested: number;
  last_seen: string;
  /** Top-level argument names seen in the sample, with how often. */
  arg_keys?: Record<string, number>;
}

export interface SampleCall {
  call_id: string;
  tool_name: string;
  agent_id: string;
  env: string | null;
  timestamp: string;
  verdict: string;
  decision_name: string | null;
  args: string | null;
  principal: string | null;
  environment: string;
}

export const assistantRepository = {
  async toolsSeen(database: Database, tenantId: string, since: Date, limit: number): Promise<ToolSeen[]> {
    const rows = await database.rows<{ tool_name: string; calls: string | number; denied: string | number; approvals: string | number; last_seen: string }>(
      sql`SELECT tool_name, count(*) AS calls,
            count(*) FILTER (WHERE verdict IN ('call_denied','call_would_deny')) AS denied,
            count(*) FILTER (WHERE verdict = 'call_approval_requested') AS approvals,
            to_char(max("timestamp") AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_seen
          FROM events
          WHERE tenant_id = ${tenantId}::uuid AND "timestamp" >= ${since.toISOString()}::timestamptz AND verdict IN ${DECISION_VERDICTS}
          GROUP BY tool_name ORDER BY count(*) DESC, tool_name LIMIT ${limit}`,
    );
    return rows.map((r) => ({ tool_name: r.tool_name, calls: Number(r.calls), denied: Number(r.denied), approvals_requested: Number(r.approvals), last_seen: r.last_seen }));
  },

  /** Top-level argument names of a tool's recent calls (the argument shape), from a bounded sample. */
  async argKeys(database: Database, tenantId: string, toolName: string, since: Date, sample: number): Promise<Record<string, number>> {
    const rows = await database.rows<{ k: string; n: string | number }>(
      sql`SELECT k, count(*) AS n FROM (
            SELECT payload->'tool_args' AS a FROM events
            WHERE tenant_id = ${tenantId}::uuid AND tool_name = ${toolName} AND "timestamp" >= ${since.toISOString()}::timestamptz
              AND verdict IN ${DECISION_VERDICTS} AND jsonb_typeof(payload->'tool_args') = 'object'
            ORDER BY "timestamp" DESC LIMIT ${sample}
          ) s, jsonb_object_keys(s.a) AS k GROUP BY k ORDER BY count(*) DESC, k LIMIT 50`,
    );
    return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
  },

  /** Recent decision events, newest first; all tools when `toolName` is null. */
  sampleCalls(database: Database, tenantId: string, toolName: string | null, since: Date, limit: number): Promise<SampleCall[]> {
    const tool = toolName === null ? sql`` : sql` AND tool_name = ${toolName}`;
    return database.rows<SampleCall>(
      sql`SELECT call_id, tool_name, agent_id, env, to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS timestamp,
            verdict, decision_name,
            (payload->'tool_args')::text AS args,
            (payload->'principal')::text AS principal,
            coalesce(payload->>'environment', env, '') AS environment
          FROM events
          WHERE tenant_id = ${tenantId}::uuid AND "timestamp" >= ${since.toISOString()}::timestamptz AND verdict IN ${DECISION_VERDICTS}${tool}
          ORDER BY "timestamp" DESC, id DESC LIMIT ${limit}`,
    );
  },

  async verdictStats(database: Database, tenantId: string, since: Date): Promise<{ verdicts: Record<string, number>; deciding_contracts: { contract: string; count: number }[] }> {
    const verdicts = await database.rows<{ verdict: string; n: string | number }>(
      sql`SELECT verdict, count(*) AS n FROM events
          WHERE tenant_id = ${tenantId}::uuid AND "timestamp" >= ${since.toISOString()}::timestamptz
          GROUP BY verdict ORDER BY count(*) DESC LIMIT 20`,
    );
    const contracts = await database.rows<{ contract: string; n: string | number }>(
      sql`SELECT decision_name AS contract, count(*) AS n FROM events
          WHERE tenant_id = ${tenantId}::uuid AND "timestamp" >= ${since.toISOString()}::timestamptz
            AND verdict IN ('call_denied','call_would_deny','call_approval_requested') AND decision_name IS NOT NULL
          GROUP BY decision_name ORDER BY count(*) DESC LIMIT 20`,
    );
    return {
      verdicts: Object.fromEntries(verdicts.map((r) => [r.verdict, Number(r.n)])),
      deciding_contracts: contracts.map((r) => ({ contract: r.contract, count: Number(r.n) })),
    };
  },

  async approvalStats(database: Database, tenantId: string, since: Date): Promise<{ by_status: Record<string, number>; by_tool: { tool_name: string; count: number }[] }> {
    const status = await database.rows<{ status: string; n: string | number }>(
      sql`SELECT status, count(*) AS n FROM approvals WHERE tenant_id = ${tenantId}::uuid AND created_at >= ${since.toISOString()}::timestamptz GROUP BY status`,
    );
    const tools = await database.rows<{ tool_name: string; n: string | number }>(
      sql`SELECT tool_name, count(*) AS n FROM approvals WHERE tenant_id = ${tenantId}::uuid AND created_at >= ${since.toISOString()}::timestamptz
          GROUP BY tool_name ORDER BY count(*) DESC LIMIT 20`,
    );
    return { by_status: Object.fromEntries(status.map((r) => [r.status, Number(r.n)])), by_tool: tools.map((r) => ({ tool_name: r.tool_name, count: Number(r.n) })) };
  },
};

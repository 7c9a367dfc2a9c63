import { sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../../db/client.js';
import { agentRegistrations } from '../../db/schema.js';

/** One event, ready to store: validated, timestamp normalised, payload canonical, hash computed. */
export interface PreparedEvent {
  callId: string;
  agentId: string;
  toolName: string;
  verdict: string;
  mode: string;
  /** normaliseTimestamp().iso */
  timestamp: string;
  payloadJson: string | null;
  decisionName: string | null;
  policyVersion: string | null;
  dedupHash: string;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byKey = (a: PreparedEvent, b: PreparedEvent) => cmp(a.callId, b.callId) || cmp(a.dedupHash, b.dedupHash) || cmp(a.timestamp, b.timestamp);

/** The write side of the events table (the read side is events.read-repository.ts). */
export const eventsRepository = {
  /**
   * The whole batch in ONE statement: ten array parameters unnested server-side (few
   * parameters, one round trip, on both drivers). Duplicates, within the batch or against rows
   * already stored, are skipped by the unique key (tenant_id, call_id, dedup_hash, timestamp).
   * Rows go in key order (sorted here, cheaper than a server-side sort of whole rows) so two
   * batches sharing events take their unique-index locks in the same order and cannot deadlock
   * each other. The per-minute counts of exactly the rows inserted are appended by the table's
   * statement trigger (migration 0004, events.rollup.ts). Returns how many rows were inserted.
   */
  async insertBatch(database: Database, tx: DbOrTx | undefined, tenantId: string, env: string, unsorted: PreparedEvent[]): Promise<number> {
    return (await eventsRepository.insertBatchReturning(database, tx, tenantId, env, unsorted)).length;
  },

  /**
   * As insertBatch, returning what the audit chain needs of each row actually inserted (a
   * duplicate skipped by the unique key is not returned: it is already in the chain).
   */
  async insertBatchReturning(
    database: Database,
    tx: DbOrTx | undefined,
    tenantId: string,
    env: string,
    unsorted: PreparedEvent[],
  ): Promise<{ id: string; callId: string; dedupHash: string }[]> {
    const rows = [...unsorted].sort(byKey);
    const col = <K extends keyof PreparedEvent>(k: K) => sql.param(rows.map((r) => r[k]));
    return database.rows<{ id: string; callId: string; dedupHash: string }>(
      sql`INSERT INTO events (tenant_id, env, call_id, agent_id, tool_name, verdict, mode, "timestamp", payload, decision_name, policy_version, dedup_hash)
        SELECT ${tenantId}::uuid, ${env}, u.call_id, u.agent_id, u.tool_name, u.verdict, u.mode, u.ts, u.payload, u.decision_name, u.policy_version, u.dedup_hash
        FROM unnest(${col('callId')}::text[], ${col('agentId')}::text[], ${col('toolName')}::text[], ${col('verdict')}::text[],
                    ${col('mode')}::text[], ${col('timestamp')}::timestamptz[], ${col('payloadJson')}::jsonb[],
                    ${col('decisionName')}::text[], ${col('policyVersion')}::text[], ${col('dedupHash')}::text[])
          AS u(call_id, agent_id, tool_name, verdict, mode, ts, payload, decision_name, policy_version, dedup_hash)
        ON CONFLICT (tenant_id, call_id, dedup_hash, "timestamp") DO NOTHING
        RETURNING id, call_id AS "callId", dedup_hash AS "dedupHash"`,
      tx,
    );
  },

  /** The agent's contract manifest (console-api.md 1.8), creating the registration if needed. */
  async upsertManifest(tx: DbOrTx, tenantId: string, agentId: string, manifest: Record<string, unknown>, at: Date): Promise<void> {
    await tx
      .insert(agentRegistrations)
      .values({ tenantId, agentId, manifest, lastSeenAt: at })
      .onConflictDoUpdate({
        target: [agentRegistrations.tenantId, agentRegistrations.agentId],
        set: { manifest, lastSeenAt: at, updatedAt: at },
      });
  },

  /**
   * Deletes the tenant's events stored before `cutoff` (created_at, as the reference); the
   * table's statement trigger appends the negative per-minute counts of the rows deleted.
   */
  async purge(database: Database, tenantId: string, cutoffIso: string, tx?: DbOrTx): Promise<number> {
    const [row] = await database.rows<{ n: number | string }>(
      sql`WITH d AS (DELETE FROM events WHERE tenant_id = ${tenantId}::uuid AND created_at < ${cutoffIso}::timestamptz RETURNING 1)
          SELECT count(*) AS n FROM d`,
      tx,
    );
    return Number(row?.n ?? 0);
  },
};

import { and, eq, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../../db/client.js';
import { aiUsageLogs, tenantAiConfigs } from '../../db/schema.js';

export type AiConfigRow = typeof tenantAiConfigs.$inferSelect;

export interface UsageRecord {
  tenantId: string;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  estimatedCostUsd: number | null;
  requestType: 'assist' | 'describe' | 'test';
}

export interface UsageDay {
  date: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  queries: number;
}

/** The per-tenant AI settings (one row per tenant) and the usage log. Every query is tenant-scoped. */
export const aiSettingsRepository = {
  async get(db: DbOrTx, tenantId: string): Promise<AiConfigRow | null> {
    const [row] = await db.select().from(tenantAiConfigs).where(eq(tenantAiConfigs.tenantId, tenantId));
    return row ?? null;
  },

  /** One statement: insert, or replace the fields on the tenant's row (`apiKeyEncrypted: undefined` keeps the stored key). */
  async upsert(
    db: DbOrTx,
    tenantId: string,
    values: { provider: string; model: string | null; baseUrl: string | null; apiKeyEncrypted: Uint8Array | null | undefined; monthlyTokenBudget?: number | null | undefined; updatedBy: string },
  ): Promise<void> {
    const set = {
      provider: values.provider,
      model: values.model,
      baseUrl: values.baseUrl,
      updatedBy: values.updatedBy,
      updatedAt: sql`now()`,
      ...(values.apiKeyEncrypted !== undefined ? { apiKeyEncrypted: values.apiKeyEncrypted } : {}),
      ...(values.monthlyTokenBudget !== undefined ? { monthlyTokenBudget: values.monthlyTokenBudget } : {}),
    };
    await db
      .insert(tenantAiConfigs)
      .values({ tenantId, ...set, apiKeyEncrypted: values.apiKeyEncrypted ?? null, monthlyTokenBudget: values.monthlyTokenBudget ?? null, updatedAt: new Date() })
      .onConflictDoUpdate({ target: tenantAiConfigs.tenantId, set });
  },

  async delete(db: DbOrTx, tenantId: string): Promise<boolean> {
    const rows = await db.delete(tenantAiConfigs).where(eq(tenantAiConfigs.tenantId, tenantId)).returning({ id: tenantAiConfigs.id });
    return rows.length > 0;
  },

  async record(db: DbOrTx, r: UsageRecord): Promise<void> {
    await db.insert(aiUsageLogs).values({
      tenantId: r.tenantId,
      provider: r.provider,
      model: r.model.slice(0, 200),
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      totalTokens: r.inputTokens + r.outputTokens,
      durationMs: r.durationMs,
      estimatedCostUsd: r.estimatedCostUsd === null ? null : r.estimatedCostUsd.toFixed(6),
      requestType: r.requestType,
    });
  },

  /** Daily totals (UTC days) since `since`, oldest first, for one tenant. */
  async daily(database: Database, tenantId: string, since: Date): Promise<(UsageDay & { duration_ms: number; costed: number })[]> {
    const rows = await database.rows<{ date: string; input_tokens: string | number; output_tokens: string | number; cost_usd: string | null; queries: string | number; duration_ms: string | number; costed: string | number }>(
      sql`SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS date,
            sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
            sum(estimated_cost_usd)::text AS cost_usd, count(*) AS queries,
            sum(duration_ms) AS duration_ms, count(estimated_cost_usd) AS costed
          FROM ai_usage_logs
          WHERE tenant_id = ${tenantId}::uuid AND created_at >= ${since.toISOString()}::timestamptz
          GROUP BY 1 ORDER BY 1`,
    );
    return rows.map((r) => ({
      date: r.date,
      input_tokens: Number(r.input_tokens),
      output_tokens: Number(r.output_tokens),
      cost_usd: r.cost_usd === null ? null : Number(r.cost_usd),
      queries: Number(r.queries),
      duration_ms: Number(r.duration_ms),
      costed: Number(r.costed),
    }));
  },

  /** Tokens used by one tenant since `since` (the monthly budget check). */
  async tokensSince(db: DbOrTx, tenantId: string, since: Date): Promise<number> {
    const [row] = await db
      .select({ n: sql<string>`coalesce(sum(${aiUsageLogs.totalTokens}), 0)::text` })
      .from(aiUsageLogs)
      .where(and(eq(aiUsageLogs.tenantId, tenantId), sql`${aiUsageLogs.createdAt} >= ${since.toISOString()}::timestamptz`));
    return Number(row?.n ?? 0);
  },
};

/**
 * Dashboard queries over a large events table: p50 of each, with its EXPLAIN (docs/events.md).
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/events-query.bench.ts
 *   EVENTS_ROWS=10000000 BENCH_DATABASE_URL=... npx tsx bench/events-query.bench.ts   # the full run
 *   npx tsx bench/events-query.bench.ts                                              # PGlite, 200k rows
 *
 * Rows are generated in the database (generate_series) over the last 30 days: 200 agents with a
 * skewed distribution, 40 tools, realistic verdict/mode/env mixes, ~360-byte SDK-shaped payloads,
 * plus a second tenant with 10% as many rows. To load fast the indexes are dropped and rebuilt
 * from their own catalog definitions, so the measured table has exactly the migrated indexes.
 * The per-minute counts the histogram reads are filled as migration 0004's backfill does.
 * Each figure runs the app's own service code; the baseline is the same SQL statements run on
 * the bare driver (so ratio = layer overhead), and the target is an absolute p50.
 * Env: EVENTS_ROWS, QUERY_REPS (default 11), EXPLAIN=1 to print every plan, KEEP_DB=1 to keep
 * the generated database, BENCH_DB_NAME=<kept database> to measure it again without loading.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { createDatabase, MIGRATIONS_DIR, rowsOf, type Database, type Db } from '../src/db/client.js';
import * as schema from '../src/db/schema.js';
import type { Principal } from '../src/platform/auth.js';
import { createEventsReadService } from '../src/modules/events/events.read-service.js';
import { EventsQuery, FacetsQuery, HistogramQuery } from '../src/modules/events/events.schemas.js';
import { createStatsService } from '../src/modules/stats/stats.service.js';
import { createCoverageService } from '../src/modules/coverage/coverage.service.js';
import { agentHistory } from '../src/modules/coverage/coverage.history.js';

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const ROWS = Number(process.env.EVENTS_ROWS ?? (url ? 1_000_000 : 200_000));
const REPS = Number(process.env.QUERY_REPS ?? 11);
const dialect = new PgDialect();
type Raw = (text: string, params: unknown[]) => Promise<unknown[]>;

interface Bench {
  database: Database;
  raw: Raw;
  close: () => Promise<void>;
}

async function open(): Promise<Bench> {
  if (!url) {
    const client = new PGlite();
    await client.waitReady;
    await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: MIGRATIONS_DIR });
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    const database: Database = {
      db,
      kind: 'pglite',
      rows: (q, tx) => rowsOf(tx ?? db, q),
      migrate: async () => undefined,
      ping: async () => 0,
      tryLeadership: async () => true,
      close: () => client.close(),
    };
    return { database, raw: async (text, params) => (await client.query(text, params)).rows, close: () => client.close() };
  }
  const reuse = process.env.BENCH_DB_NAME;
  const name = reuse ?? `edictum_qbench_${randomBytes(4).toString('hex')}`;
  if (!reuse) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  const database = await createDatabase({ url: u.toString(), poolSize: 4 });
  await database.migrate();
  const pool = new pg.Pool({ connectionString: u.toString(), max: 2 });
  return {
    database,
    raw: async (text, params) => (await pool.query(text, params)).rows,
    close: async () => {
      await pool.end();
      await database.close();
      if (process.env.KEEP_DB === '1' || reuse) {
        process.stdout.write(`# kept database ${name}\n`);
        return;
      }
      const a = new pg.Client({ connectionString: url });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

/** generate_series rows for one tenant, timestamps ascending over the last 30 days (insert order). */
function generate(tenantId: string, from: number, to: number, total: number): SQL {
  return sql`INSERT INTO events (tenant_id, call_id, agent_id, tool_name, verdict, mode, env, "timestamp", payload, decision_name, policy_version, dedup_hash, created_at)
  SELECT ${tenantId}::uuid, 'c-' || g, 'agent-' || lpad(a::text, 3, '0'), 'tool_' || (g::bigint * 7919 % 40), v, m, e, ts,
    ('{"tool_args": {"path": "/srv/data/' || a || '/file-' || (g % 5000) || '.csv", "limit": ' || (g % 100) || ', "query": "report ' || (g % 977)
     || '"}, "side_effect": "read", "environment": "' || e || '", "principal": {"user_id": "user-' || (g % 300) || '", "org_id": "acme", "role": "analyst"}, "decision_source": '
     || CASE WHEN d IS NULL THEN 'null' ELSE '"yaml_precondition"' END || ', "decision_name": ' || CASE WHEN d IS NULL THEN 'null' ELSE '"' || d || '"' END
     || ', "reason": ' || CASE WHEN d IS NULL THEN 'null' ELSE '"blocked by policy ' || d || '"' END
     || ', "policy_version": "pv-' || (a % 3) || '", "bundle_name": "bundle-' || (a % 5) || '"}')::jsonb,
    d, 'pv-' || (a % 3), lpad(g::text, 64, '0'), ts
  FROM (
    SELECT g, a, v, m, e, ts, CASE WHEN v IN ('call_denied', 'call_would_deny', 'pending_approval') THEN 'contract-' || (g % 30) END AS d
    FROM (
      SELECT g, floor(power(random(), 2) * 200)::int AS a,
        CASE WHEN rv < 0.45 THEN 'call_allowed' WHEN rv < 0.85 THEN 'call_executed' WHEN rv < 0.93 THEN 'call_denied' WHEN rv < 0.98 THEN 'call_would_deny' ELSE 'pending_approval' END AS v,
        CASE WHEN random() < 0.1 THEN 'observe' ELSE 'enforce' END AS m,
        CASE WHEN re < 0.7 THEN 'production' WHEN re < 0.9 THEN 'staging' ELSE 'dev' END AS e,
        now() - interval '30 days' + (g::float8 / ${total}) * interval '30 days' AS ts
      FROM (SELECT g, random() AS rv, random() AS re FROM generate_series(${from}::int, ${to}::int) g) r
    ) x
  ) y`;
}

async function load(b: Bench): Promise<{ tenantId: string }> {
  const d = b.database;
  const [t1] = await d.rows<{ id: string }>(sql`INSERT INTO tenants (name) VALUES ('bench-main') RETURNING id`);
  const [t2] = await d.rows<{ id: string }>(sql`INSERT INTO tenants (name) VALUES ('bench-other') RETURNING id`);
  for (let m = 0; m <= 2; m++) await d.rows(sql`SELECT create_event_partition_if_needed(now() - make_interval(months => ${m}))`);
  // Drop the indexes, load, rebuild them from their own definitions (exactly the migrated set).
  const idx = await d.rows<{ name: string; def: string; con: string | null; condef: string | null }>(sql`
    SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def, c.conname AS con, pg_get_constraintdef(c.oid) AS condef
    FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
    WHERE i.indrelid = 'events'::regclass`);
  for (const i of idx) await d.rows(i.con ? sql.raw(`ALTER TABLE events DROP CONSTRAINT "${i.con}"`) : sql.raw(`DROP INDEX "${i.name}"`));
  const t0 = performance.now();
  const chunk = 500_000;
  for (let from = 1; from <= ROWS; from += chunk) await d.rows(generate(t1!.id, from, Math.min(ROWS, from + chunk - 1), ROWS));
  await d.rows(generate(t2!.id, 1, Math.max(1, Math.floor(ROWS / 10)), Math.max(1, Math.floor(ROWS / 10))));
  const loaded = performance.now();
  if (url) await d.rows(sql`SET maintenance_work_mem = '512MB'`);
  for (const i of idx) await d.rows(sql.raw(i.con ? `ALTER TABLE events ADD CONSTRAINT "${i.con}" ${i.condef}` : i.def.replace(' ON ONLY ', ' ON ')));
  // The per-minute counts, as migration 0004's backfill writes them (one merged row per tenant,
  // minute, env, verdict, mode: what ingest's rows become once the compaction job has run).
  const rollup0 = performance.now();
  await d.rows(sql`INSERT INTO event_minute_counts (tenant_id, minute, env, verdict, mode, n, merged)
    SELECT tenant_id, date_bin('1 minute', "timestamp", timestamptz '1970-01-01 00:00:00+00'), env, verdict, mode, count(*), true
    FROM events GROUP BY 1, 2, 3, 4, 5`);
  const rollupMs = performance.now() - rollup0;
  await d.rows(sql`VACUUM ANALYZE events`);
  await d.rows(sql`VACUUM ANALYZE event_minute_counts`);
  await seedDeployments(d, t1!.id);
  const [counts] = await d.rows<{ n: string }>(sql`SELECT count(*) AS n FROM event_minute_counts`);
  process.stdout.write(`# loaded ${ROWS} + ${Math.floor(ROWS / 10)} rows in ${((loaded - t0) / 1000).toFixed(0)} s, indexes + vacuum in ${((performance.now() - loaded) / 1000).toFixed(0)} s\n`);
  process.stdout.write(`# per-minute counts: ${counts!.n} rows, backfilled in ${(rollupMs / 1000).toFixed(1)} s\n`);
  return { tenantId: t1!.id };
}

const BUNDLE_YAML = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: bundle-0
defaults:
  mode: enforce
contracts:
  - id: no-secrets
    type: pre
    tool: "tool_1*"
    when:
      args.path: { contains: ".env" }
    then:
      effect: deny
      message: "no secrets"
`;

/** bundle-0 v1 (hash pv-0) deployed 20 days ago and v2 (pv-1) 5 days ago, in every env. */
async function seedDeployments(d: Database, tenantId: string): Promise<void> {
  await d.rows(sql`INSERT INTO bundles (tenant_id, name, version, revision_hash, yaml_bytes, uploaded_by)
    VALUES (${tenantId}::uuid, 'bundle-0', 1, 'pv-0', convert_to(${BUNDLE_YAML}, 'UTF8'), 'bench'),
           (${tenantId}::uuid, 'bundle-0', 2, 'pv-1', convert_to(${BUNDLE_YAML}, 'UTF8'), 'bench')`);
  await d.rows(sql`INSERT INTO deployments (tenant_id, env, bundle_name, bundle_version, deployed_by, created_at)
    SELECT ${tenantId}::uuid, e, 'bundle-0', v, 'bench', now() - make_interval(days => CASE v WHEN 1 THEN 20 ELSE 5 END)
    FROM unnest(ARRAY['production', 'staging', 'dev']) e, unnest(ARRAY[1, 2]) v`);
}

async function existing(b: Bench): Promise<{ tenantId: string }> {
  const [t] = await b.database.rows<{ id: string }>(sql`SELECT id FROM tenants WHERE name = 'bench-main'`);
  return { tenantId: t!.id };
}

/** The same Database, recording every statement the service issues (text + parameters). */
function recording(database: Database, log: { sql: string; params: unknown[] }[]): Database {
  return { ...database, rows: (q, tx) => (log.push(dialect.sqlToQuery(q)), database.rows(q, tx)) };
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function figure(b: Bench, name: string, targetMs: number, run: (d: Database) => Promise<unknown>): Promise<boolean> {
  const stmts: { sql: string; params: unknown[] }[] = [];
  await run(recording(b.database, stmts)); // warm-up, and the statements for the baseline
  const app: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < REPS; i++) {
    let t0 = performance.now();
    await run(b.database);
    app.push(performance.now() - t0);
    t0 = performance.now();
    for (const s of stmts) await b.raw(s.sql, s.params);
    raw.push(performance.now() - t0);
  }
  const a = p50(app);
  const r = p50(raw);
  const pass = a < targetMs;
  process.stdout.write(`RESULT ${name} ${a.toFixed(1)}ms baseline=${r.toFixed(1)}ms ratio=${(a / r).toFixed(2)} target=p50<${targetMs}ms ${pass ? 'PASS' : 'FAIL'}\n`);
  if (process.env.EXPLAIN === '1') {
    for (const s of stmts) {
      const plan = (await b.raw(`EXPLAIN (ANALYZE, BUFFERS) ${s.sql}`, s.params)) as Record<string, string>[];
      process.stdout.write(`# PLAN ${name}\n${plan.map((p) => `#   ${Object.values(p)[0]}`).join('\n')}\n`);
    }
  }
  return pass;
}

async function main(): Promise<void> {
  const b = await open();
  let ok = true;
  try {
    const { tenantId } = process.env.BENCH_DB_NAME ? await existing(b) : await load(b);
    const session: Principal = { kind: 'session', tenantId, userId: 'u', email: 'bench@example.com', isAdmin: true };
    const key: Principal = { kind: 'apiKey', tenantId, keyId: 'k', env: 'production', prefix: 'edk', agentId: null };
    const now = Date.now();
    const ago = (ms: number) => new Date(now - ms).toISOString();
    const H = 3_600_000;
    const read = (d: Database) => createEventsReadService(d);
    const list = (q: Record<string, unknown>, who: Principal = session) => (d: Database) => read(d).list(who, EventsQuery.parse(q));
    const histogram =
      (who: Principal, hours: number, bucket: string, extra: Record<string, unknown> = {}, exact = false) =>
      (d: Database) =>
        read(d).histogram(who, HistogramQuery.parse({ since: ago(hours * H), until: ago(0), bucket_seconds: bucket, ...extra }), { exact });
    const [mid] = await b.database.rows<{ id: string }>(sql`SELECT id::text AS id FROM events WHERE tenant_id = ${tenantId}::uuid AND "timestamp" < now() - interval '12 hours' ORDER BY "timestamp" DESC LIMIT 1`);
    const page1 = await read(b.database).list(session, EventsQuery.parse({ since: ago(24 * H), limit: 100 }));
    const figures: [string, number, (d: Database) => Promise<unknown>][] = [
      ['events_list_24h', 100, list({ since: ago(24 * H) })],
      ['events_list_next_page', 100, list({ since: ago(24 * H), cursor: page1.nextCursor ?? undefined })],
      ['events_list_hot_agent_24h', 100, list({ since: ago(24 * H), agent_id: 'agent-000' })],
      ['events_list_rare_agent_7d', 100, list({ since: ago(168 * H), agent_id: 'agent-199' })],
      ['events_list_denied_7d', 100, list({ since: ago(168 * H), verdict: 'call_denied' })],
      ['events_list_2verdicts_tool_24h', 100, list({ since: ago(24 * H), verdict: ['call_denied', 'call_would_deny'], tool_name: 'tool_7' })],
      ['events_list_contract_30d', 100, list({ contract: 'contract-7' })],
      ['events_list_api_key_no_window', 100, list({}, key)],
      ['events_search_common_24h', 500, list({ since: ago(24 * H), q: 'report 97' })],
      ['events_search_absent_24h', 500, list({ since: ago(24 * H), q: 'no such text' })],
      ['events_search_by_id', 100, list({ q: mid!.id })],
      ['events_facets_24h', 500, (d) => read(d).facets(session, FacetsQuery.parse({ since: ago(24 * H) }))],
      ['events_histogram_24h', 500, histogram(session, 24, '1800')],
      ['events_histogram_7d', 2000, histogram(session, 168, '10800')],
      ['events_histogram_30d_daily', 2000, histogram(session, 720, '86400')],
      ['events_histogram_7d_api_key', 2000, histogram(key, 168, '10800')],
      ['events_histogram_7d_verdict', 2000, histogram(session, 168, '10800', { verdict: 'call_denied' })],
      // The exact path (every event of the window): what the histogram cost before the rollup,
      // and what a request with an agent/tool/contract/q filter still costs.
      ['events_histogram_24h_exact', 500, histogram(session, 24, '1800', {}, true)],
      ['events_histogram_7d_exact', 2000, histogram(session, 168, '10800', {}, true)],
      ['events_histogram_7d_hot_agent', 2000, histogram(session, 168, '10800', { agent_id: 'agent-000' })],
      ['stats_overview', 500, (d) => createStatsService(d, () => new Date()).overview(session)],
      ['stats_contracts_24h', 500, (d) => createStatsService(d, () => new Date()).contracts(tenantId, {})],
      ['coverage_fleet_24h', 1000, (d) => createCoverageService(d, () => new Date()).fleetCoverage(tenantId, undefined, null)],
      ['coverage_agent_24h', 250, (d) => createCoverageService(d, () => new Date()).agentCoverage(tenantId, 'agent-010', undefined, true)],
      ['agent_history', 1000, (d) => agentHistory(d, tenantId, 'agent-010', 50)],
    ];
    process.stdout.write(`# ${url ? 'postgres' : 'pglite'}: ${ROWS} events in the measured tenant, p50 of ${REPS} runs\n`);
    for (const [name, target, run] of figures) ok = (await figure(b, name, target, run)) && ok;
  } finally {
    await b.close();
  }
  if (!ok) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

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
 * the generated database, BENCH_DB_NAME=<database> to measure an existing one without loading:
 * a kept one, or any console's (its busiest tenant). Agent, tool, contract and search term are
 * found in the data and every window ends at its newest event, so the figures hold on any data;
 * a figure whose name the data lacks is skipped, one that fails prints ERROR, none stops the run.
 * Page loads (`page_*`) send a page's requests at once, as the browser does.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { createDatabase, MIGRATIONS_DIR, PGLITE_EXTENSIONS, rowsOf, type Database, type Db } from '../src/db/client.js';
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
    const client = new PGlite({ extensions: PGLITE_EXTENSIONS });
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

async function load(b: Bench): Promise<{ tenantId: string } | null> {
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

/**
 * A database this run did not seed (BENCH_DB_NAME): its 'bench-main' tenant, else the tenant with
 * the most events (from the per-minute counts, cheap at any size); null when it has no events.
 */
async function existing(b: Bench): Promise<{ tenantId: string } | null> {
  const [t] = await b.database.rows<{ id: string }>(sql`SELECT id::text AS id FROM tenants WHERE name = 'bench-main'`);
  if (t) return { tenantId: t.id };
  const [busiest] = await b.database.rows<{ id: string }>(
    sql`SELECT tenant_id::text AS id FROM event_minute_counts GROUP BY 1 HAVING sum(n) > 0 ORDER BY sum(n) DESC LIMIT 1`,
  );
  return busiest ? { tenantId: busiest.id } : null;
}

/** Names the figures filter and search by, found in the data (any data, not only ours). */
interface Names {
  /** The newest event's time: every window ends here, so old data is measured like fresh data. */
  anchor: number;
  hotAgent: string | null;
  rareAgent: string | null;
  tool: string | null;
  contract: string | null;
  /** A fragment of a recent event's tool arguments: a search that matches some events. */
  term: string | null;
  /** The longest string among a recent event's tool arguments: a search that matches few events. */
  rareTerm: string | null;
  midId: string | null;
}

async function discover(d: Database, tenantId: string): Promise<Names | null> {
  const [last] = await d.rows<{ ts: string | null }>(
    sql`SELECT to_char(max("timestamp") AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts FROM events WHERE tenant_id = ${tenantId}::uuid`,
  );
  if (!last?.ts) return null;
  // Just past the newest event, so windows ending here include it.
  const anchor = Date.parse(last.ts) + 1;
  // The last day before the newest event: the names the 24-hour figures will find events for.
  const since = new Date(anchor - 86_400_000).toISOString();
  const top = async (column: string, extra: SQL = sql`TRUE`) =>
    d.rows<{ v: string }>(
      sql`SELECT ${sql.raw(column)} AS v FROM events WHERE tenant_id = ${tenantId}::uuid AND "timestamp" >= ${since}::timestamptz
          AND ${sql.raw(column)} IS NOT NULL AND ${extra} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1000`,
    );
  const agents = await top('agent_id');
  const tools = await top('tool_name');
  const contracts = await top('decision_name');
  const [sample] = await d.rows<{ args: string | null; id: string }>(
    sql`SELECT (payload->'tool_args')::text AS args, id::text AS id FROM events WHERE tenant_id = ${tenantId}::uuid
        AND "timestamp" <= ${new Date(anchor - 12 * 3_600_000).toISOString()}::timestamptz ORDER BY "timestamp" DESC LIMIT 1`,
  );
  // The longest word-ish run of the arguments (at least 4 characters), as someone would search it.
  const words = (sample?.args ?? '').match(/[A-Za-z0-9_]{4,}/g) ?? [];
  const term = words.sort((a, b) => b.length - a.length)[0]?.slice(0, 12) ?? null;
  const strings = (sample?.args ?? '').match(/"((?:[^"\\]|\\.){6,})"/g) ?? [];
  const rareTerm = strings.map((v) => v.slice(1, -1)).sort((a, b) => b.length - a.length)[0]?.slice(0, 60) ?? null;
  return {
    anchor,
    hotAgent: agents[0]?.v ?? null,
    rareAgent: agents[agents.length - 1]?.v ?? null,
    tool: tools[Math.min(7, tools.length - 1)]?.v ?? null,
    contract: contracts[0]?.v ?? null,
    term,
    rareTerm,
    midId: sample?.id ?? null,
  };
}

/** The same Database, recording every statement the service issues (text + parameters). */
function recording(database: Database, log: { sql: string; params: unknown[] }[]): Database {
  return { ...database, rows: (q, tx) => (log.push(dialect.sqlToQuery(q)), database.rows(q, tx)) };
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function figure(
  b: Bench,
  name: string,
  targetMs: number,
  run: (d: Database) => Promise<unknown>,
  parallel = false,
): Promise<boolean> {
  const stmts: { sql: string; params: unknown[] }[] = [];
  try {
    await run(recording(b.database, stmts)); // warm-up, and the statements for the baseline
  } catch (err) {
    process.stdout.write(`RESULT ${name} ERROR ${err instanceof Error ? err.message : String(err)}\n`);
    return false;
  }
  const app: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < REPS; i++) {
    let t0 = performance.now();
    await run(b.database);
    app.push(performance.now() - t0);
    t0 = performance.now();
    // A page load's requests go out at once: its baseline runs their statements at once too.
    if (parallel) await Promise.all(stmts.map((s) => b.raw(s.sql, s.params)));
    else for (const s of stmts) await b.raw(s.sql, s.params);
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
    const found = process.env.BENCH_DB_NAME ? await existing(b) : await load(b);
    const names = found ? await discover(b.database, found.tenantId) : null;
    if (!found || !names) {
      process.stdout.write('# no events in this database: nothing to measure\n');
      return;
    }
    const { tenantId } = found;
    const session: Principal = { kind: 'session', tenantId, userId: 'u', email: 'bench@example.com', isAdmin: true };
    const key: Principal = { kind: 'apiKey', tenantId, keyId: 'k', env: 'production', prefix: 'edk', agentId: null };
    const now = names.anchor;
    const ago = (ms: number) => new Date(now - ms).toISOString();
    const H = 3_600_000;
    const read = (d: Database) => createEventsReadService(d);
    const list = (q: Record<string, unknown>, who: Principal = session) => (d: Database) => read(d).list(who, EventsQuery.parse(q));
    const histogram =
      (who: Principal, hours: number, bucket: string, extra: Record<string, unknown> = {}, exact = false) =>
      (d: Database) =>
        read(d).histogram(who, HistogramQuery.parse({ since: ago(hours * H), until: ago(0), bucket_seconds: bucket, ...extra }), { exact });
    const facets = (hours: number, extra: Record<string, unknown> = {}) => (d: Database) =>
      read(d).facets(session, FacetsQuery.parse({ since: ago(hours * H), ...extra }));
    const page1 = await read(b.database).list(session, EventsQuery.parse({ since: ago(24 * H), limit: 100 }));
    const { hotAgent, rareAgent, tool, contract, term, rareTerm, midId } = names;
    process.stdout.write(
      `# names from the data: hot agent ${hotAgent}, rare agent ${rareAgent}, tool ${tool}, contract ${contract}, search "${term}", rare search "${rareTerm}", windows end ${new Date(now).toISOString()}\n`,
    );
    type Fig = [string, number, (d: Database) => Promise<unknown>, boolean?];
    /** A figure that needs a name the data may not have: left out (and said so) without it. */
    const needs = (what: string | null, f: (v: string) => Fig): Fig[] => {
      if (what !== null) return [f(what)];
      process.stdout.write(`# skipped a figure: the data has no value for it\n`);
      return [];
    };
    /** The Events page's first load: the list, the histogram and the facets, requested at once. */
    const eventsPage = (hours: number, extra: Record<string, unknown>) => (d: Database) =>
      Promise.all([
        list({ since: ago(hours * H), limit: 500, ...extra })(d),
        histogram(session, hours, hours > 48 ? '86400' : '1800', extra)(d),
        facets(hours, extra)(d),
      ]);
    const figures: Fig[] = [
      ['events_list_24h', 100, list({ since: ago(24 * H) })],
      ['events_list_next_page', 100, list({ since: ago(24 * H), cursor: page1.nextCursor ?? undefined })],
      ...needs(hotAgent, (a) => ['events_list_hot_agent_24h', 100, list({ since: ago(24 * H), agent_id: a })]),
      ...needs(rareAgent, (a) => ['events_list_rare_agent_7d', 100, list({ since: ago(168 * H), agent_id: a })]),
      ['events_list_denied_7d', 100, list({ since: ago(168 * H), verdict: 'call_denied' })],
      ...needs(tool, (t) => ['events_list_2verdicts_tool_24h', 100, list({ since: ago(24 * H), verdict: ['call_denied', 'call_would_deny'], tool_name: t })]),
      ...needs(contract, (c) => ['events_list_contract_30d', 100, list({ contract: c })]),
      ['events_list_api_key_no_window', 100, list({}, key)],
      ...needs(term, (q) => ['events_search_common_24h', 500, list({ since: ago(24 * H), q })]),
      ['events_search_absent_24h', 500, list({ since: ago(24 * H), q: 'no such text' })],
      ...needs(midId, (id) => ['events_search_by_id', 100, list({ q: id })]),
      ['events_facets_24h', 500, facets(24)],
      ...needs(term, (q) => ['events_facets_30d_search', 1000, facets(720, { q })]),
      ['events_histogram_24h', 500, histogram(session, 24, '1800')],
      ['events_histogram_7d', 2000, histogram(session, 168, '10800')],
      ['events_histogram_30d_daily', 2000, histogram(session, 720, '86400')],
      ['events_histogram_7d_api_key', 2000, histogram(key, 168, '10800')],
      ['events_histogram_7d_verdict', 2000, histogram(session, 168, '10800', { verdict: 'call_denied' })],
      // The exact path (every event of the window): what the histogram cost before the rollup,
      // and what a request with an agent/tool/contract/q filter still costs.
      ['events_histogram_24h_exact', 500, histogram(session, 24, '1800', {}, true)],
      ['events_histogram_7d_exact', 2000, histogram(session, 168, '10800', {}, true)],
      ...needs(hotAgent, (a) => ['events_histogram_7d_hot_agent', 2000, histogram(session, 168, '10800', { agent_id: a })]),
      ...needs(hotAgent, (a) => ['events_histogram_30d_agent', 1000, histogram(session, 720, '86400', { agent_id: a })]),
      ...needs(term, (q) => ['events_histogram_30d_search', 1000, histogram(session, 720, '86400', { q })]),
      ...needs(tool, (t) => ['events_histogram_30d_tool', 1000, histogram(session, 720, '86400', { tool_name: t })]),
      ...needs(contract, (c) => ['events_histogram_30d_contract', 1000, histogram(session, 720, '86400', { contract: c })]),
      ['events_histogram_30d_6h', 1000, histogram(session, 720, '21600')],
      ...needs(rareTerm, (q) => ['events_search_rare_30d', 1000, list({ since: ago(720 * H), q, limit: 500 })]),
      ...needs(rareTerm, (q) => ['events_histogram_30d_search_rare', 1000, histogram(session, 720, '86400', { q })]),
      ...needs(rareTerm, (q) => ['events_facets_30d_search_rare', 1000, facets(720, { q })]),
      // Page loads: every request of the page at once, as the browser sends them.
      ['page_events_24h', 1000, eventsPage(24, {}), true],
      ...needs(term, (q) => ['page_events_30d_search', 1000, eventsPage(720, { q }), true] as Fig),
      ...needs(hotAgent, (a) => ['page_events_30d_agent', 1000, eventsPage(720, { agent_id: a }), true] as Fig),
      ...needs(rareTerm, (q) => ['page_events_30d_search_rare', 1000, eventsPage(720, { q }), true] as Fig),
      ...needs(tool, (t) => ['page_events_30d_tool_denied', 1000, eventsPage(720, { tool_name: t, verdict: 'call_denied' }), true] as Fig),
      [
        'page_overview',
        1000,
        (d) =>
          Promise.all([
            createStatsService(d, () => new Date(now)).overview(session),
            histogram(session, 24, '3600')(d),
            list({ limit: 100 })(d),
          ]),
        true,
      ],
      ['stats_overview', 500, (d) => createStatsService(d, () => new Date(now)).overview(session)],
      ['stats_contracts_24h', 500, (d) => createStatsService(d, () => new Date(now)).contracts(tenantId, {})],
      ['coverage_fleet_24h', 1000, (d) => createCoverageService(d, () => new Date(now)).fleetCoverage(tenantId, undefined, null)],
      ...needs(hotAgent, (a) => ['coverage_agent_24h', 250, (d) => createCoverageService(d, () => new Date(now)).agentCoverage(tenantId, a, undefined, true)] as Fig),
      ...needs(hotAgent, (a) => ['agent_history', 1000, (d) => agentHistory(d, tenantId, a, 50)] as Fig),
    ];
    const size = process.env.BENCH_DB_NAME ? 'an existing database' : `${ROWS} events in the measured tenant`;
    process.stdout.write(`# ${url ? 'postgres' : 'pglite'}: ${size}, p50 of ${REPS} runs\n`);
    for (const [name, target, run, parallel] of figures) ok = (await figure(b, name, target, run, parallel)) && ok;
  } finally {
    await b.close();
  }
  if (!ok) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

/**
 * Event ingest over HTTP vs a raw multi-row INSERT of the same rows (ARCHITECTURE.md "Figures").
 *
 *   npx tsx bench/ingest.bench.ts                                   # embedded PGlite
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/ingest.bench.ts
 *
 * Both sides write SDK-shaped events (TS and Python shapes mixed) into the same `events` table of
 * a fresh database, in rounds that alternate, so table growth and machine noise hit both alike.
 * - HTTP: a real socket, batches of BATCH events, CLIENTS concurrent clients (keep-alive), the
 *   full path: auth, back-pressure, JSON parse, validation, canonical JSON + dedup hash, insert.
 * - Raw: one process, one connection, `INSERT ... VALUES (...), (...)` of BATCH rows per statement
 *   with the same columns (hash and JSON prepared before the clock starts).
 * Env: INGEST_EVENTS (default 40000 on Postgres, 20000 on PGlite), INGEST_BATCH (1000), INGEST_CLIENTS (4), INGEST_ROUNDS (4).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { createDatabase, type Database } from '../src/db/client.js';
import { createLogger, createRuntime } from '../src/runtime.js';
import { buildApp } from '../src/app.js';
import { bootstrapAdmin } from '../src/modules/setup/setup.service.js';
import { IngestBody } from '../src/modules/events/events.schemas.js';
import { prepareEvents } from '../src/modules/events/events.ingest-service.js';
import type { PreparedEvent } from '../src/modules/events/events.repository.js';

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
// PGlite runs the database on the server's thread: a smaller default keeps the run under 2 min.
const TOTAL = Number(process.env.INGEST_EVENTS ?? (url ? 40_000 : 20_000));
const BATCH = Number(process.env.INGEST_BATCH ?? 1000);
const CLIENTS = Number(process.env.INGEST_CLIENTS ?? 4);
const ROUNDS = Number(process.env.INGEST_ROUNDS ?? 4);
const TARGET = 0.5;
const TOOLS = ['read_file', 'write_file', 'shell.exec', 'http_get', 'lookup_customer', 'issue_refund', 'search_docs', 'send_email'];
const VERDICTS = ['call_allowed', 'call_executed', 'call_allowed', 'call_executed', 'call_denied', 'call_would_deny'];

function sdkEvent(i: number): Record<string, unknown> {
  const python = i % 3 === 0;
  const at = new Date(Date.now() - (i % 86_400) * 1000);
  const verdict = VERDICTS[i % VERDICTS.length]!;
  return {
    call_id: randomUUID(),
    agent_id: `agent-${i % 50}`,
    tool_name: TOOLS[i % TOOLS.length],
    verdict,
    mode: i % 10 === 0 ? 'observe' : 'enforce',
    timestamp: python ? `${at.toISOString().slice(0, 23)}${String(i % 1000).padStart(3, '0')}+00:00` : at.toISOString(),
    payload: {
      tool_args: { path: `/srv/app/data/customer-${i % 997}/report-${i}.csv`, limit: i % 100, query: 'quarterly revenue by region' },
      side_effect: i % 2 ? 'read' : 'write',
      environment: 'production',
      principal: python
        ? { user_id: `user-${i % 40}`, service_id: null, org_id: 'acme', role: 'analyst', ticket_ref: null, claims: { team: 'finance' } }
        : { userId: `user-${i % 40}`, serviceId: null, orgId: 'acme', role: 'analyst', ticketRef: null, claims: { team: 'finance' } },
      decision_source: verdict === 'call_denied' ? 'yaml_precondition' : null,
      decision_name: verdict === 'call_denied' || verdict === 'call_would_deny' ? `contract-${i % 12}` : null,
      reason: verdict === 'call_denied' ? 'Path outside the allowed directories' : null,
      policy_version: 'a3f5c0e1b2d4'.repeat(5).slice(0, 64),
      bundle_name: 'support-agent',
    },
  };
}

async function freshDatabase(): Promise<{ database: Database; url: string | undefined; drop: () => Promise<void> }> {
  if (!url) {
    const database = await createDatabase({});
    await database.migrate();
    return { database, url: undefined, drop: () => database.close() };
  }
  const name = `edictum_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  const database = await createDatabase({ url: u.toString(), poolSize: 20 });
  await database.migrate();
  return {
    database,
    url: u.toString(),
    drop: async () => {
      await database.close();
      const a = new pg.Client({ connectionString: url });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

/** The raw baseline: one multi-row INSERT per batch, same table, same columns. */
async function rawInsert(database: Database, tenantId: string, rows: PreparedEvent[]): Promise<void> {
  const values = rows.map(
    (r) =>
      sql`(${tenantId}::uuid, 'production', ${r.callId}, ${r.agentId}, ${r.toolName}, ${r.verdict}, ${r.mode}, ${r.timestamp}::timestamptz, ${r.payloadJson}::jsonb, ${r.decisionName}, ${r.policyVersion}, ${r.dedupHash})`,
  );
  await database.rows(
    sql`INSERT INTO events (tenant_id, env, call_id, agent_id, tool_name, verdict, mode, "timestamp", payload, decision_name, policy_version, dedup_hash)
        VALUES ${sql.join(values, sql`, `)} ON CONFLICT DO NOTHING`,
  );
}

async function httpIngest(base: string, key: string, bodies: string[]): Promise<{ retried: number }> {
  let next = 0;
  let retried = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= bodies.length) return;
      for (;;) {
        const res = await fetch(`${base}/api/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-edictum-agent-id': 'bench' },
          body: bodies[i],
        });
        const text = await res.text();
        if (res.status === 200) break;
        // 429 is back-pressure: the SDK retries it, so does the bench (counted, not hidden).
        if (res.status !== 429) throw new Error(`ingest failed: ${res.status} ${text}`);
        retried++;
        await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  return { retried };
}

async function main(): Promise<void> {
  const { database, url: dbUrl, drop } = await freshDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'edictum-bench-'));
  const config = loadConfig({
    EDICTUM_DATA_DIR: dataDir,
    EDICTUM_SECRET_KEY: randomBytes(32).toString('hex'),
    EDICTUM_SIGNING_KEY_SECRET: randomBytes(32).toString('hex'),
    EDICTUM_LOG_LEVEL: 'silent',
    EDICTUM_DATABASE_URL: dbUrl,
  });
  const runtime = await createRuntime(config, createLogger(config), { database });
  const { app } = await buildApp(runtime.deps);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  const base = `http://127.0.0.1:${addr.port}`;
  try {
    const email = 'bench@example.com';
    const password = 'bench-password-long-enough';
    const { tenantId } = await bootstrapAdmin(runtime.deps, { email, password, tenantName: 'bench' });
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    const cookie = login.cookies.find((c) => c.name === 'edictum_session')!;
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: { cookie: `edictum_session=${cookie.value}`, 'x-requested-with': 'bench' },
      payload: { env: 'production' },
    });
    const key = (created.json() as { key: string }).key;

    const perRound = Math.ceil(TOTAL / ROUNDS / BATCH) * BATCH;
    let httpMs = 0;
    let rawMs = 0;
    let httpRows = 0;
    let rawRows = 0;
    let retried = 0;
    let seq = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Raw side: rows prepared (validated, hashed) before the clock starts.
      const rawBatches: PreparedEvent[][] = [];
      for (let b = 0; b < perRound / BATCH; b++) {
        const events = Array.from({ length: BATCH }, () => sdkEvent(seq++));
        rawBatches.push(prepareEvents(IngestBody.parse({ events }).events));
      }
      let t0 = performance.now();
      for (const rows of rawBatches) await rawInsert(runtime.deps.database, tenantId, rows);
      rawMs += performance.now() - t0;
      rawRows += perRound;

      // HTTP side: bodies serialised before the clock starts (an SDK holds them as objects).
      const bodies: string[] = [];
      for (let b = 0; b < perRound / BATCH; b++) bodies.push(JSON.stringify({ events: Array.from({ length: BATCH }, () => sdkEvent(seq++)) }));
      t0 = performance.now();
      retried += (await httpIngest(base, key, bodies)).retried;
      httpMs += performance.now() - t0;
      httpRows += perRound;
    }
    const [check] = await runtime.deps.database.rows<{ n: number | string }>(sql`SELECT count(*) AS n FROM events`);
    if (Number(check?.n) !== httpRows + rawRows) throw new Error(`row count ${String(check?.n)} != ${httpRows + rawRows}`);

    const httpRate = httpRows / (httpMs / 1000);
    const rawRate = rawRows / (rawMs / 1000);
    const ratio = httpRate / rawRate;
    const mode = dbUrl ? 'postgres' : 'pglite';
    process.stdout.write(
      `RESULT ingest_http_${mode} ${Math.round(httpRate)}rows/s baseline=${Math.round(rawRate)}rows/s ratio=${ratio.toFixed(2)} target=>=${TARGET} ${ratio >= TARGET ? 'PASS' : 'FAIL'}\n`,
    );
    process.stdout.write(`# ${mode}: ${httpRows} rows over HTTP (${CLIENTS} clients, batches of ${BATCH}, ${retried} 429 retries), ${rawRows} raw rows, ${ROUNDS} alternating rounds\n`);
  } finally {
    await app.close();
    await runtime.close();
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

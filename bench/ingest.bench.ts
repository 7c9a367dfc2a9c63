/**
 * Event ingest over HTTP vs the honest limit: a `COPY` of the same rows into the same table (the
 * same indexes and statement trigger) at the same concurrency (ARCHITECTURE.md "Figures"); and
 * ingest with the audit chain on vs off (issue 16: the chain must keep >= 0.8x).
 *
 *   npx tsx bench/ingest.bench.ts                                   # embedded PGlite
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/ingest.bench.ts
 *
 * Three sides write SDK-shaped events (TS and Python shapes mixed) into the same `events` table
 * of a fresh database, in rounds that alternate, so table growth and machine noise hit all alike:
 * - COPY: CLIENTS concurrent `COPY events (...) FROM STDIN` streams (pg-copy-streams; on PGlite
 *   `FROM '/dev/blob'`), one per batch of BATCH rows, text prepared before the clock starts.
 * - HTTP, chain on: a real socket, batches of BATCH events, CLIENTS concurrent clients (keep-alive),
 *   the full path: auth, back-pressure, JSON parse, validation, canonical JSON + dedup hash,
 *   insert, and the audit-chain entry (leaf hash per event, one entry per batch, same transaction).
 * - HTTP, chain off: the same with EDICTUM_AUDIT_CHAIN=off (the only difference).
 * Env: INGEST_EVENTS (default 40000 on Postgres, 20000 on PGlite), INGEST_BATCH (1000), INGEST_CLIENTS (4), INGEST_ROUNDS (4).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PGlite } from '@electric-sql/pglite';
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
/** Chain on / chain off (issue 16). */
const CHAIN_TARGET = 0.8;
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

const COPY_COLUMNS = 'tenant_id, env, call_id, agent_id, tool_name, verdict, mode, "timestamp", payload, decision_name, policy_version, dedup_hash';

/** COPY text format: tab-separated, \N for null, backslash escapes. */
function copyField(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function copyText(tenantId: string, rows: PreparedEvent[]): string {
  let out = '';
  for (const r of rows) {
    out += `${[tenantId, 'production', r.callId, r.agentId, r.toolName, r.verdict, r.mode, r.timestamp, r.payloadJson, r.decisionName, r.policyVersion, r.dedupHash].map(copyField).join('\t')}\n`;
  }
  return out;
}

/** The honest limit: CLIENTS concurrent COPY streams, one batch each, into the events table. */
async function copyBatches(database: Database, texts: string[]): Promise<void> {
  const client = (database.db as unknown as { $client: pg.Pool | PGlite }).$client;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= texts.length) return;
      if (client instanceof pg.Pool) {
        const c = await client.connect();
        try {
          await pipeline(Readable.from([texts[i]!]), c.query(copyFrom(`COPY events (${COPY_COLUMNS}) FROM STDIN`)));
        } finally {
          c.release();
        }
      } else {
        await client.query(`COPY events (${COPY_COLUMNS}) FROM '/dev/blob'`, [], { blob: new Blob([texts[i]!]) });
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
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
    const ms = { copy: 0, on: 0, off: 0 };
    const rows = { copy: 0, on: 0, off: 0 };
    let retried = 0;
    let seq = 0;
    const bodies = () => {
      const out: string[] = [];
      for (let b = 0; b < perRound / BATCH; b++) out.push(JSON.stringify({ events: Array.from({ length: BATCH }, () => sdkEvent(seq++)) }));
      return out;
    };
    for (let round = 0; round < ROUNDS; round++) {
      // COPY side: rows prepared (validated, hashed) and rendered before the clock starts.
      const texts: string[] = [];
      for (let b = 0; b < perRound / BATCH; b++) {
        const events = Array.from({ length: BATCH }, () => sdkEvent(seq++));
        texts.push(copyText(tenantId, prepareEvents(IngestBody.parse({ events }).events)));
      }
      let t0 = performance.now();
      await copyBatches(runtime.deps.database, texts);
      ms.copy += performance.now() - t0;
      rows.copy += perRound;

      // HTTP sides: bodies serialised before the clock starts (an SDK holds them as objects).
      // The order of on/off alternates between rounds.
      for (const side of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const b = bodies();
        runtime.deps.config.auditChain = side === 'on';
        t0 = performance.now();
        retried += (await httpIngest(base, key, b)).retried;
        ms[side] += performance.now() - t0;
        rows[side] += perRound;
      }
    }
    runtime.deps.config.auditChain = true;
    const httpRows = rows.on + rows.off;
    const rawRows = rows.copy;
    const [check] = await runtime.deps.database.rows<{ n: number | string }>(sql`SELECT count(*) AS n FROM events`);
    if (Number(check?.n) !== httpRows + rawRows) throw new Error(`row count ${String(check?.n)} != ${httpRows + rawRows}`);

    const rate = (k: keyof typeof ms) => rows[k] / (ms[k] / 1000);
    const ratio = rate('on') / rate('copy');
    const chainRatio = rate('on') / rate('off');
    const mode = dbUrl ? 'postgres' : 'pglite';
    process.stdout.write(
      `RESULT ingest_http_${mode} ${Math.round(rate('on'))}rows/s baseline=copy:${Math.round(rate('copy'))}rows/s ratio=${ratio.toFixed(2)} target=>=${TARGET} ${ratio >= TARGET ? 'PASS' : 'FAIL'}\n`,
    );
    process.stdout.write(
      `RESULT ingest_audit_chain_${mode} ${Math.round(rate('on'))}rows/s baseline=chain_off:${Math.round(rate('off'))}rows/s ratio=${chainRatio.toFixed(2)} target=>=${CHAIN_TARGET} ${chainRatio >= CHAIN_TARGET ? 'PASS' : 'FAIL'}\n`,
    );
    process.stdout.write(
      `# ${mode}: ${rows.on} rows over HTTP with the chain, ${rows.off} without (${CLIENTS} clients, batches of ${BATCH}, ${retried} 429 retries), ${rows.copy} rows by COPY (${CLIENTS} streams), ${ROUNDS} alternating rounds; HTTP without the chain: ${(rate("off") / rate("copy")).toFixed(2)}x COPY; the chain costs ${((1 - chainRatio) * 100).toFixed(1)}% of HTTP ingest throughput\n`,
    );
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

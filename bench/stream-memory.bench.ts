/**
 * Idle memory per agent stream, server side: (heapUsed + external) after GC with N idle agent
 * streams open, minus the same before, divided by N. Baseline in the same run: a bare Node `http`
 * server holding N idle SSE responses. Target (ARCHITECTURE.md "Figures"): < 20 KB per stream.
 *
 *   npx tsx bench/stream-memory.bench.ts            (STREAMS=5000 by default)
 *   BENCH_DATABASE_URL=postgresql://... npx tsx bench/stream-memory.bench.ts   (server mode)
 *
 * Clients run in a child process (this file with the `client` argument), so only the server's
 * memory is measured. GC is exposed at run time (v8 flag), no extra node flag is needed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AddressInfo } from 'node:net';
import type { AppContext } from '../src/context.js';

const STREAMS = Number(process.env.STREAMS ?? 5000);
const CONNECT_CONCURRENCY = 100;

type ToClient = { cmd: 'connect'; url: string; headers: Record<string, string>; n: number } | { cmd: 'close' };
type FromClient = { cmd: 'connected'; failed: number } | { cmd: 'closed' };

/**
 * A console listening on loopback, with a tenant and a production API key: embedded (PGlite in
 * memory) by default, or server mode on BENCH_DATABASE_URL (an empty database is migrated first).
 */
export async function startEmbeddedConsole(): Promise<{
  url: string;
  tenantId: string;
  ctx: AppContext;
  agentHeaders: Record<string, string>;
  close: () => Promise<void>;
}> {
  const { loadConfig } = await import('../src/config.js');
  const { createDatabase } = await import('../src/db/client.js');
  const { createLogger, createRuntime } = await import('../src/runtime.js');
  const { buildApp } = await import('../src/app.js');
  const { bootstrapAdmin } = await import('../src/modules/setup/setup.service.js');
  const { createKeysService } = await import('../src/modules/keys/keys.service.js');
  const { systemActor } = await import('../src/modules/activity/activity.service.js');
  const { createApiKeyCache } = await import('../src/platform/api-key-cache.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'edictum-bench-'));
  const config = loadConfig({
    EDICTUM_DATA_DIR: dataDir,
    EDICTUM_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789',
    EDICTUM_SIGNING_KEY_SECRET: 'b'.repeat(64),
    EDICTUM_LOG_LEVEL: 'silent',
    EDICTUM_DATABASE_URL: await scratchDatabase(),
  });
  const database = await createDatabase({ url: config.databaseUrl });
  await database.migrate();
  const runtime = await createRuntime(config, createLogger(config), { database });
  const { app, ctx } = await buildApp(runtime.deps);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { tenantId } = await bootstrapAdmin(runtime.deps, {
    email: 'bench@example.com',
    password: 'bench-password-long-enough',
    tenantName: 'bench',
  });
  const { key } = await createKeysService(runtime.deps, ctx.publish, createApiKeyCache()).create(systemActor(tenantId), 'production', 'bench');
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    tenantId,
    ctx,
    agentHeaders: { authorization: `Bearer ${key}`, 'x-edictum-agent-id': 'bench-agent', 'content-type': 'application/json' },
    async close() {
      await app.close();
      await runtime.close();
      await database.close();
      await dropScratch();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let scratch: { base: string; name: string } | null = null;

/** A fresh database on BENCH_DATABASE_URL's server (dropped at the end), or undefined for PGlite. */
async function scratchDatabase(): Promise<string | undefined> {
  const base = process.env.BENCH_DATABASE_URL;
  if (!base) return undefined;
  const { default: pg } = await import('pg');
  const name = `edictum_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  scratch = { base, name };
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

async function dropScratch(): Promise<void> {
  if (!scratch) return;
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: scratch.base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${scratch.name}" WITH (FORCE)`);
  await admin.end();
  scratch = null;
}

// ---------------------------------------------------------------- client process

function clientMain(): void {
  const reqs: { destroy: () => void }[] = [];
  let seq = 0;
  // Each stream is its own agent, as in a real fleet.
  const withAgent = (headers: Record<string, string>) =>
    headers['x-edictum-agent-id'] ? { ...headers, 'x-edictum-agent-id': `${headers['x-edictum-agent-id']}-${seq++}` } : headers;
  const open = (url: string, headers: Record<string, string>) =>
    new Promise<boolean>((done) => {
      const req = httpRequest(url, { agent: false, headers: withAgent(headers) });
      req.on('error', () => done(false));
      req.on('response', (res) => {
        res.resume();
        reqs.push(req);
        done(res.statusCode === 200);
      });
      req.end();
    });
  process.on('message', (m: ToClient) => {
    void (async () => {
      if (m.cmd === 'connect') {
        let failed = 0;
        for (let i = 0; i < m.n; i += CONNECT_CONCURRENCY) {
          const batch = Array.from({ length: Math.min(CONNECT_CONCURRENCY, m.n - i) }, () => open(m.url, m.headers));
          failed += (await Promise.all(batch)).filter((ok) => !ok).length;
        }
        process.send!({ cmd: 'connected', failed } satisfies FromClient);
      } else {
        for (const r of reqs.splice(0)) r.destroy();
        process.send!({ cmd: 'closed' } satisfies FromClient);
      }
    })();
  });
}

// ---------------------------------------------------------------- server side

function ask(child: ChildProcess, m: ToClient, want: FromClient['cmd']): Promise<FromClient> {
  return new Promise((done) => {
    const on = (r: FromClient) => {
      if (r.cmd !== want) return;
      child.off('message', on);
      done(r);
    };
    child.on('message', on);
    child.send(m);
  });
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** heapUsed + external after a full GC; settles timers and pending I/O first. */
async function settledBytes(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 200));
    gc();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function perStream(child: ChildProcess, url: string, headers: Record<string, string>): Promise<number> {
  // Warm up (JIT, pools, parser free lists) with a small batch first, then measure.
  await ask(child, { cmd: 'connect', url, headers, n: 200 }, 'connected');
  await ask(child, { cmd: 'close' }, 'closed');
  const before = await settledBytes();
  const r = (await ask(child, { cmd: 'connect', url, headers, n: STREAMS }, 'connected')) as { failed: number };
  if (r.failed) throw new Error(`${r.failed} connections failed`);
  const after = await settledBytes();
  await ask(child, { cmd: 'close' }, 'closed');
  return (after - before) / STREAMS;
}

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['client'], { execArgv: process.execArgv, stdio: 'inherit' });
  try {
    const { SSE_HEADERS } = await import('../src/modules/stream/stream.sse.js');
    const held: ServerResponse[] = [];
    const server = createServer((req, res) => {
      res.writeHead(200, SSE_HEADERS);
      res.flushHeaders();
      held.push(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = await perStream(child, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {});
    server.closeAllConnections();
    held.length = 0;
    await new Promise<void>((r) => server.close(() => r()));

    const c = await startEmbeddedConsole();
    const ours = await perStream(child, `${c.url}/api/v1/stream?env=production&bundle_name=fleet`, c.agentHeaders);
    await c.close();

    const kb = (n: number) => (n / 1024).toFixed(2);
    const pass = ours < 20 * 1024;
    console.log(`# ${STREAMS} idle streams; server heapUsed+external delta per stream`);
    console.log(
      `RESULT stream_memory_per_stream ${kb(ours)}KB baseline=${kb(base)}KB ratio=${(ours / base).toFixed(2)} target=<20KB ${pass ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    child.kill();
  }
}

const isEntry = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry && process.argv[2] === 'client') clientMain();
else if (isEntry)
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );

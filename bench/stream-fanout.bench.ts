/**
 * Deploy fan-out: 5,000 agent streams connected over loopback to an in-process console (embedded
 * mode), one deploy-equivalent `contract_update` published, and the time until the LAST stream has
 * parsed it (p100) with the TS SDK's parser. Baseline in the same run: a bare Node `http` server
 * writing the same bytes to 5,000 SSE responses. Targets (ARCHITECTURE.md "Figures"): p100 < 1 s
 * and within 2x of the baseline.
 *
 *   npx tsx bench/stream-fanout.bench.ts            (STREAMS=5000 ROUNDS=3 by default)
 *   BENCH_DATABASE_URL=postgresql://... npx tsx bench/stream-fanout.bench.ts   (server mode: faster connects)
 *
 * The clients run in a child process (this file with the `client` argument) so their parsing does
 * not share the server's event loop; both sides stamp times with performance.timeOrigin + now().
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type ServerResponse } from 'node:http';
import { randomBytes, createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { SdkSseParser } from '../tests/helpers/sdk-sse-parser.js';

const STREAMS = Number(process.env.STREAMS ?? 5000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CONNECT_CONCURRENCY = 100;
const now = () => performance.timeOrigin + performance.now();

type ToClient =
  { cmd: 'connect'; url: string; headers: Record<string, string> } | { cmd: 'arm'; marker: string } | { cmd: 'close' };
type FromClient = { cmd: 'connected'; failed: number } | { cmd: 'armed' } | { cmd: 'done'; at: number } | { cmd: 'closed' };

// ---------------------------------------------------------------- client process

function clientMain(): void {
  const conns: { round: string; destroy: () => void }[] = [];
  let marker = '';
  let got = 0;
  const send = (m: FromClient) => process.send!(m);

  let seq = 0;
  // Each stream is its own agent, as in a real fleet.
  const withAgent = (headers: Record<string, string>) =>
    headers['x-edictum-agent-id'] ? { ...headers, 'x-edictum-agent-id': `${headers['x-edictum-agent-id']}-${seq++}` } : headers;
  const open = (url: string, headers: Record<string, string>) =>
    new Promise<boolean>((resolve) => {
      const conn = { round: '', destroy: () => undefined as void };
      const req = httpRequest(url, { agent: false, headers: withAgent(headers) });
      conn.destroy = () => req.destroy();
      req.on('error', () => resolve(false));
      req.on('response', (res) => {
        if (res.statusCode !== 200) return resolve(false);
        const parser = new SdkSseParser((e) => {
          if (e.event !== 'contract_update' || conn.round === marker) return;
          const d = JSON.parse(e.data) as { revision_hash?: string };
          if (d.revision_hash !== marker) return;
          conn.round = marker;
          if (++got === conns.length) send({ cmd: 'done', at: now() });
        });
        res.on('data', (c: Buffer) => parser.push(c));
        conns.push(conn);
        resolve(true);
      });
      req.end();
    });

  process.on('message', (m: ToClient) => {
    void (async () => {
      if (m.cmd === 'connect') {
        let failed = 0;
        for (let i = 0; i < STREAMS; i += CONNECT_CONCURRENCY) {
          const batch = Array.from({ length: Math.min(CONNECT_CONCURRENCY, STREAMS - i) }, () => open(m.url, m.headers));
          failed += (await Promise.all(batch)).filter((ok) => !ok).length;
        }
        send({ cmd: 'connected', failed });
      } else if (m.cmd === 'arm') {
        marker = m.marker;
        got = 0;
        send({ cmd: 'armed' });
      } else {
        for (const c of conns.splice(0)) c.destroy();
        send({ cmd: 'closed' });
      }
    })();
  });
}

// ---------------------------------------------------------------- server side

function reply(child: ChildProcess, want: FromClient['cmd']): Promise<FromClient> {
  return new Promise((resolve) => {
    const on = (r: FromClient) => {
      if (r.cmd !== want) return;
      child.off('message', on);
      resolve(r);
    };
    child.on('message', on);
  });
}

function ask(child: ChildProcess, m: ToClient, want: FromClient['cmd']): Promise<FromClient> {
  const r = reply(child, want);
  child.send(m);
  return r;
}

/** A realistic contract_update: a ~3 KB bundle, base64, with a signature. */
function payload(revision: string): Record<string, unknown> {
  const yaml = `apiVersion: edictum/v1\nkind: ContractBundle\nmetadata:\n  name: fleet\ndefaults:\n  mode: enforce\ncontracts:\n${'  - id: rule\n    type: pre\n    tool: read_file\n    then: { effect: deny, message: "no" }\n'.repeat(30)}`;
  return {
    type: 'contract_update',
    bundle_name: 'fleet',
    version: 2,
    revision_hash: revision,
    signature: randomBytes(64).toString('base64'),
    signature_hex: randomBytes(64).toString('hex'),
    public_key: randomBytes(32).toString('hex'),
    yaml_bytes: Buffer.from(yaml).toString('base64'),
  };
}

/** Server time per round: from publish until the process is free again (every socket written). */
const serverMs: Record<string, number[]> = { baseline: [], console: [] };

async function measure(
  child: ChildProcess,
  label: 'baseline' | 'console',
  publish: (revision: string) => Promise<void> | void,
): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const revision = createHash('sha256').update(randomBytes(16)).digest('hex');
    await ask(child, { cmd: 'arm', marker: revision }, 'armed');
    const done = reply(child, 'done');
    const t0 = now();
    await publish(revision);
    // The bus delivers in a microtask; setImmediate runs once that synchronous fan-out is over.
    await new Promise((r) => setImmediate(r));
    serverMs[label]!.push(now() - t0);
    const { at } = (await done) as { cmd: 'done'; at: number };
    out.push(at - t0);
  }
  return out;
}

async function baseline(child: ChildProcess): Promise<number[]> {
  const { sseFrame, SSE_HEADERS } = await import('../src/modules/stream/stream.sse.js');
  const streams: ServerResponse[] = [];
  const server = createServer((req, res) => {
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    req.socket.setNoDelay(true);
    streams.push(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const c = (await ask(child, { cmd: 'connect', url, headers: {} }, 'connected')) as { failed: number };
  if (c.failed) throw new Error(`baseline: ${c.failed} connections failed`);
  const times = await measure(child, 'baseline', (revision) => {
    const frame = sseFrame(`b-${revision.slice(0, 8)}`, 'contract_update', payload(revision));
    for (const s of streams) s.write(frame);
  });
  await ask(child, { cmd: 'close' }, 'closed');
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  return times;
}

async function consoleRun(child: ChildProcess): Promise<number[]> {
  const { startEmbeddedConsole } = await import('./stream-memory.bench.js');
  const c = await startEmbeddedConsole();
  const res = (await ask(
    child,
    { cmd: 'connect', url: `${c.url}/api/v1/stream?env=production&bundle_name=fleet`, headers: c.agentHeaders },
    'connected',
  )) as { failed: number };
  if (res.failed) throw new Error(`console: ${res.failed} connections failed`);
  const times = await measure(child, 'console', (revision) =>
    c.ctx.publish.agents(c.tenantId, 'contract_update', payload(revision), { env: 'production', bundleName: 'fleet' }),
  );
  await ask(child, { cmd: 'close' }, 'closed');
  await c.close();
  return times;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['client'], { execArgv: process.execArgv, stdio: 'inherit' });
  try {
    const base = await baseline(child);
    const ours = await consoleRun(child);
    const b = median(base);
    const o = median(ours);
    const ratio = o / b;
    const pass = o < 1000 && ratio <= 2;
    console.log(
      `# ${STREAMS} streams, ${ROUNDS} rounds; baseline ${base.map((x) => x.toFixed(1)).join('/')} ms, console ${ours.map((x) => x.toFixed(1)).join('/')} ms`,
    );
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join('/');
    console.log(
      `# server fan-out (publish until every socket is written): baseline ${fmt(serverMs.baseline!)} ms, console ${fmt(serverMs.console!)} ms`,
    );
    console.log(
      `RESULT stream_fanout_p100 ${o.toFixed(1)}ms baseline=${b.toFixed(1)}ms ratio=${ratio.toFixed(2)} target=<1000ms,ratio<=2 ${pass ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    child.kill();
  }
}

if (process.argv[2] === 'client') clientMain();
else
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );

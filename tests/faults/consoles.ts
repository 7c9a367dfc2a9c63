import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openSse, type SseClient } from '../helpers/sse-client.js';
import type { SdkEvent } from '../helpers/sdk-sse-parser.js';
import { freePort } from './servers.js';
// The same valid bundle the route tests upload (its marker changes the bytes, so the revision).
import { bundleYaml } from '../helpers/stream-kit.js';

export { bundleYaml };

export const ROOT = resolve(import.meta.dirname, '../..');
export const ADMIN_EMAIL = 'faults@example.com';
export const ADMIN_PASSWORD = 'fault-injection-password';

/** One real console process (`src/main.ts`, as `npm start` runs it) that the suite can kill. */
export interface ConsoleProcess {
  name: string;
  baseUrl: string;
  /** Its log lines (JSON), for the report when an assertion fails. */
  logs: string[];
  running(): boolean;
  /** Signal it and wait for it to exit; resolves with the exit code (null when killed). */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  /** Start it again on the same port. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startConsole(name: string, env: Record<string, string>): Promise<ConsoleProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `edictum-faults-${name}-`));
  const logs: string[] = [];
  let child: ChildProcess | null = null;
  let exited: Promise<number | null> = Promise.resolve(null);

  async function start(): Promise<void> {
    const c = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        EDICTUM_HOST: '127.0.0.1',
        EDICTUM_DATA_DIR: dataDir,
        EDICTUM_LOG_LEVEL: 'info',
        EDICTUM_LOG_FORMAT: 'json',
        EDICTUM_SECRET_KEY: 'faults-secret-key-0123456789abcdef0123456789',
        EDICTUM_SIGNING_KEY_SECRET: 'b'.repeat(64),
        EDICTUM_ADMIN_EMAIL: ADMIN_EMAIL,
        EDICTUM_ADMIN_PASSWORD: ADMIN_PASSWORD,
        EDICTUM_SSE_KEEPALIVE_SECONDS: '2',
        // Generous: on a loaded CI machine a clean stop can take seconds; only a hang should hit it.
        EDICTUM_SHUTDOWN_GRACE_SECONDS: '60',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    exited = new Promise((r) => c.once('exit', (code) => r(code)));
    const keep = (line: string) => {
      logs.push(`[${name}] ${line}`);
      if (logs.length > 5_000) logs.splice(0, logs.length - 5_000);
    };
    let errBuf = '';
    c.stderr!.on('data', (chunk: Buffer) => {
      errBuf += chunk.toString('utf8');
      const lines = errBuf.split('\n');
      errBuf = lines.pop() ?? '';
      for (const l of lines) keep(l);
    });
    // Up when the process says so in its log (no polling), or failed when it exits first.
    await new Promise<void>((resolveUp, rejectUp) => {
      const timer = setTimeout(() => rejectUp(new Error(`${name} did not start within 180 s:\n${logs.slice(-20).join('\n')}`)), 180_000);
      let buf = '';
      c.stdout!.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const line of lines) {
          keep(line);
          if (line.includes('"edictum console is up"')) {
            clearTimeout(timer);
            resolveUp();
          }
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        rejectUp(new Error(`${name} exited with ${code} before listening:\n${logs.slice(-20).join('\n')}`));
      });
    });
  }

  await start();
  return {
    name,
    baseUrl: `http://127.0.0.1:${port}`,
    logs,
    running: () => child !== null && child.exitCode === null && child.signalCode === null,
    async kill(signal) {
      if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
      child.kill(signal);
      return exited;
    },
    start,
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function api(
  base: string,
  path: string,
  opts: { method?: string; cookie?: string; key?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.cookie) {
    headers.cookie = opts.cookie;
    headers['x-requested-with'] = 'faults';
  }
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  const res = await fetch(`${base}${path}`, {
    method: opts.method ?? 'GET',
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON.
  }
  return { status: res.status, headers: res.headers, json, text };
}

export async function login(base: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const m = /edictum_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '');
  if (!m) throw new Error('no session cookie');
  return `edictum_session=${m[1]}`;
}


export async function deploy(base: string, cookie: string, name: string, env: string, marker: string): Promise<string> {
  const up = await api(base, '/api/v1/bundles', { method: 'POST', cookie, body: { yaml_content: bundleYaml(name, marker) } });
  if (up.status !== 201) throw new Error(`upload failed: ${up.status} ${up.text}`);
  const b = up.json as { version: number; revision_hash: string };
  const dep = await api(base, `/api/v1/bundles/${name}/${b.version}/deploy`, { method: 'POST', cookie, body: { env } });
  if (dep.status !== 201) throw new Error(`deploy failed: ${dep.status} ${dep.text}`);
  return b.revision_hash;
}

const parse = (e: SdkEvent): Record<string, unknown> => JSON.parse(e.data) as Record<string, unknown>;

/**
 * An agent that behaves like the SDK's watcher: keeps one stream open, reconnects when it ends
 * (to the next console in its list, as a load balancer would send it elsewhere), sends the
 * revision it runs as `policy_version` and, after an `assignment_changed`, the assigned name.
 */
export class FaultAgent {
  readonly events: SdkEvent[] = [];
  revision: string | null = null;
  bundleName: string | null;
  current: { base: string; client: SseClient } | null = null;
  connects = 0;
  private stopped = false;
  private index: number;

  constructor(
    readonly id: string,
    private readonly key: string,
    private readonly bases: string[],
    first: number,
    bundleName: string | null = null,
  ) {
    this.index = first;
    this.bundleName = bundleName;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    while (!this.stopped) {
      const base = this.bases[this.index % this.bases.length]!;
      const q = new URLSearchParams({ env: 'production' });
      if (this.bundleName) q.set('bundle_name', this.bundleName);
      if (this.revision) q.set('policy_version', this.revision);
      try {
        const client = await openSse(`${base}/api/v1/stream?${q.toString()}`, {
          authorization: `Bearer ${this.key}`,
          'x-edictum-agent-id': this.id,
        });
        if (client.status === 200) {
          this.connects++;
          this.current = { base, client };
          this.watch(client);
          return;
        }
        client.close();
      } catch {
        // Refused: that process is down.
      }
      this.index++;
      // The SDK's reconnect backoff (it starts at 1 s); shorter here to keep the suite quick.
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private watch(client: SseClient): void {
    let seen = 0;
    const pump = () => {
      for (; seen < client.sdkEvents.length; seen++) {
        const e = client.sdkEvents[seen]!;
        this.events.push(e);
        const d = parse(e);
        if (e.event === 'contract_update' && typeof d.revision_hash === 'string') this.revision = d.revision_hash;
        if (e.event === 'assignment_changed' && typeof d.bundle_name === 'string') this.bundleName = d.bundle_name;
      }
    };
    client.res.on('data', () => queueMicrotask(pump));
    void client.ended.then(() => {
      pump();
      if (this.current?.client === client) this.current = null;
      if (!this.stopped) {
        this.index++;
        void this.connect();
      }
    });
  }

  got(pred: (e: SdkEvent, data: Record<string, unknown>) => boolean): boolean {
    return this.events.some((e) => pred(e, parse(e)));
  }

  stop(): void {
    this.stopped = true;
    this.current?.client.close();
  }
}

/** One SDK-like audit sender: batches with fresh call ids, each resent until acknowledged. */
export class IngestClient {
  /** call_id of every event the console acknowledged (2xx). */
  readonly acked = new Set<string>();
  readonly sent = new Set<string>();
  /** Every answer that was not 2xx: status (0 = no answer) and its Retry-After. */
  readonly refusals: { status: number; retryAfter: string | null; base: string }[] = [];
  batches = 0;
  private stopped = false;
  private done: Promise<void> | null = null;
  private index: number;

  constructor(
    private readonly key: string,
    private readonly bases: string[],
    first: number,
    private readonly agentId: string,
  ) {
    this.index = first;
  }

  start(): void {
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private batch(): Record<string, unknown>[] {
    return Array.from({ length: 20 }, () => ({
      call_id: randomUUID(),
      agent_id: this.agentId,
      tool_name: 'read_file',
      verdict: 'call_allowed',
      mode: 'enforce',
      timestamp: new Date().toISOString(),
      payload: { tool_args: { path: '/srv/report.csv' }, environment: 'production', policy_version: null },
    }));
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const events = this.batch();
      for (const e of events) this.sent.add(e.call_id as string);
      // Resent until acknowledged, as the SDK keeps its buffer (even after stop: no loose ends).
      for (;;) {
        const base = this.bases[this.index % this.bases.length]!;
        let status: number;
        let retryAfter: string | null = null;
        try {
          const res = await api(base, '/api/v1/events', { method: 'POST', key: this.key, body: { events }, timeoutMs: 15_000 });
          status = res.status;
          retryAfter = res.headers.get('retry-after');
        } catch {
          status = 0;
        }
        if (status >= 200 && status < 300) {
          for (const e of events) this.acked.add(e.call_id as string);
          this.batches++;
          break;
        }
        this.refusals.push({ status, retryAfter, base });
        // No answer at all: this process is gone, the load balancer sends us to another.
        if (status === 0) this.index++;
        // The SDK backs off before resending (it honours Retry-After); a short fixed pause here.
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

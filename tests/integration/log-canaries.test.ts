import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { setupToken } from '../../src/modules/setup/setup.token.js';
import { startFakes, type Fakes } from '../fakes/notify-kit.js';

/**
 * Logs are safe to ship: a representative run (setup, sign-in, a failed sign-in, a key, events
 * and an approval carrying tool arguments, a Telegram channel, agent session values, and an
 * ingest while the database is unreachable) plants canary values everywhere, then the whole log
 * is searched for them. The outage is real: the database's connections are terminated and new
 * ones refused (Postgres), or the embedded database is closed (PGlite).
 */
const CANARY = {
  setupPassword: 'CANARY-setup-pw-1d9c',
  badPassword: 'CANARY-bad-pw-83be',
  toolArgs: 'CANARY-tool-args-5a7e',
  approvalArgs: 'CANARY-approval-args-c2f0',
  kvValue: 'CANARY-kv-value-990b',
  telegram: `987654321:CANARYtg${'Q'.repeat(30)}`,
};

describe('log canaries', () => {
  const lines: string[] = [];
  let f: Fakes;
  let t: TestApp;
  let apiKey = '';
  let sessionToken = '';
  let outage: Response | null = null;

  beforeAll(async () => {
    f = await startFakes();
    t = await createTestApp({
      env: { ...f.env, EDICTUM_LOG_LEVEL: 'debug' },
      logStream: { write: (line: string) => void lines.push(line) },
    });
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await f?.close();
  });

  function event(toolArgs: unknown) {
    return {
      call_id: randomUUID(),
      agent_id: 'canary-agent',
      tool_name: 'shell',
      verdict: 'call_allowed',
      mode: 'enforce',
      timestamp: new Date().toISOString(),
      payload: { tool_args: toolArgs },
    };
  }

  /** Makes the database unreachable under the running app. */
  async function takeDatabaseDown(): Promise<void> {
    if (t.deps.database.kind === 'pglite') {
      await t.deps.database.close();
      return;
    }
    const name = new URL(t.config.databaseUrl!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    } finally {
      await admin.end();
    }
  }

  it('runs a representative flow with canaries planted', { timeout: 120_000 }, async () => {
    const email = `owner-${randomUUID().slice(0, 6)}@example.com`;
    const setup = await t.request({ method: 'POST', url: '/api/v1/setup', payload: { email, password: CANARY.setupPassword, setup_token: setupToken(t.deps).token } });
    expect(setup.statusCode, setup.body).toBe(201);
    const bad = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: CANARY.badPassword } });
    expect(bad.statusCode).toBe(401);
    const login = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: CANARY.setupPassword } });
    expect(login.statusCode).toBe(200);
    sessionToken = login.cookies.find((c) => c.name === 'edictum_session')!.value;
    const cookie = `edictum_session=${sessionToken}`;
    apiKey = await t.apiKey(cookie);

    const ingest = await t.request({ method: 'POST', url: '/api/v1/events', apiKey, payload: { events: [event({ cmd: CANARY.toolArgs })] } });
    expect(ingest.statusCode).toBe(200);
    const approval = await t.request({
      method: 'POST',
      url: '/api/v1/approvals',
      apiKey,
      agentId: 'canary-agent',
      payload: { agent_id: 'canary-agent', tool_name: 'shell', tool_args: { cmd: CANARY.approvalArgs }, message: 'ok?' },
    });
    expect(approval.statusCode).toBe(201);
    const kv = await t.request({ method: 'PUT', url: '/api/v1/sessions/canary', apiKey, payload: { value: CANARY.kvValue } });
    expect(kv.statusCode).toBe(200);
    const channel = await t.request({
      method: 'POST',
      url: '/api/v1/notifications/channels',
      cookie,
      payload: { name: 'tg', channel_type: 'telegram', config: { bot_token: CANARY.telegram, chat_id: 42 } },
    });
    expect(channel.statusCode).toBe(201);
    const id = (channel.json() as { id: string }).id;
    await t.request({ method: 'POST', url: `/api/v1/notifications/channels/${id}/test`, cookie });

    // The outage: a batch of events carrying tool arguments, while the database is gone.
    await takeDatabaseDown();
    const events = Array.from({ length: 50 }, () => event({ cmd: CANARY.toolArgs, blob: 'x'.repeat(500) }));
    const down = await t.request({ method: 'POST', url: '/api/v1/events', apiKey, payload: { events } });
    outage = { status: down.statusCode, retryAfter: down.headers['retry-after'] as string | undefined, reqId: down.headers['x-request-id'] as string };
    expect(outage.status).toBe(503);
    expect(Number(outage.retryAfter)).toBeGreaterThan(0);
  });

  it('logged none of the planted values, nor the API key or session token', () => {
    expect(outage).not.toBeNull();
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    for (const [name, value] of Object.entries({ ...CANARY, apiKey, sessionToken })) {
      expect([name, log.includes(value)]).toEqual([name, false]);
    }
    // No SQL text or parameter dump: every line stays short.
    expect(log).not.toMatch(/Failed query|insert into/i);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(3000);
  });

  it('logged the outage once, with the request id and a short cause', () => {
    const reqId = outage!.reqId;
    const errors = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.reqId === reqId && (l.level as number) >= 40);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: 'database unavailable', err: { dependency: 'database', message: expect.any(String) } });
  });
});

interface Response {
  status: number;
  retryAfter: string | undefined;
  reqId: string;
}

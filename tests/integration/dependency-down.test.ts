import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger, createRuntime, type RuntimeHandles } from '../../src/runtime.js';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { createTestApp, TEST_SECRET_KEY, TEST_SIGNING_SECRET, type TestApp } from '../helpers/test-app.js';
import { freePort, privateRedis, type PrivateRedis } from '../helpers/private-redis.js';

const KEY = `Bearer edk_production_${'k'.repeat(43)}`;

/** Waits (bounded) until `check` holds; no fixed sleeps. */
async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function expect503(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, detail: RegExp): void {
  expect(res.statusCode).toBe(503);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect((res.json() as { detail: string }).detail).toMatch(detail);
}

describe('Postgres and Redis both unreachable (closed ports)', () => {
  let runtime: RuntimeHandles;
  let built: BuiltApp;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'edictum-dead-'));
    const [pgPort, redisPort] = [await freePort(), await freePort()];
    const config = loadConfig({
      EDICTUM_DATA_DIR: dataDir,
      EDICTUM_SECRET_KEY: TEST_SECRET_KEY,
      EDICTUM_SIGNING_KEY_SECRET: TEST_SIGNING_SECRET,
      EDICTUM_LOG_LEVEL: 'silent',
      EDICTUM_DATABASE_URL: `postgresql://postgres@127.0.0.1:${pgPort}/gone`,
      EDICTUM_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    });
    runtime = await createRuntime(config, createLogger(config));
    built = await buildApp(runtime.deps);
    await built.app.ready();
  });
  afterAll(async () => {
    await built?.app.close();
    await runtime?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const inject = (o: InjectOptions) => built.app.inject(o);

  it('answers /health/live, even with a Bearer key, without touching a dependency', async () => {
    const res = await inject({ url: '/api/v1/health/live', headers: { authorization: KEY } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'alive' });
  });

  it('public health answers and says which dependency is down; ready says not ready', async () => {
    const health = await inject({ url: '/api/v1/health', headers: { authorization: KEY } });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'degraded', bootstrap_complete: false, database: 'unavailable', redis: 'unavailable' });
    const ready = await inject({ url: '/api/v1/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'not_ready', database: { connected: false }, redis: { connected: false } });
  });

  it('agent routes answer 503 + Retry-After, never 500', async () => {
    const headers = { authorization: KEY, 'content-type': 'application/json', 'x-edictum-agent-id': 'a1' };
    expect503(await inject({ method: 'POST', url: '/api/v1/events', headers, payload: { events: [] } }), /Database temporarily unavailable/);
    expect503(await inject({ url: '/api/v1/bundles/b/current?env=production', headers }), /Database temporarily unavailable/);
    expect503(await inject({ url: '/api/v1/sessions/k', headers }), /temporarily unavailable/);
  });

  it('sign-in and cookie routes answer 503 + Retry-After, never 500 or 429', async () => {
    const login = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'a@example.com', password: 'whatever-password' } });
    expect503(login, /Redis temporarily unavailable/);
    expect503(await inject({ url: '/api/v1/auth/me', headers: { cookie: 'edictum_session=abc' } }), /temporarily unavailable/);
  });
});

describe('Redis killed and restarted empty (no persistence), Postgres up', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  let cookie: string;
  let key: string;
  beforeAll(async () => {
    redis = await privateRedis();
    t = await createTestApp({ env: { EDICTUM_REDIS_URL: redis.url } });
    cookie = (await t.admin()).cookie;
    key = await t.apiKey(cookie);
    await redis.kill();
    await until(async () => (await t.request({ url: '/api/v1/health' })).json<{ redis: string }>().redis === 'unavailable');
  });
  afterAll(async () => {
    await t?.close();
    await redis?.kill();
  });

  it('keeps dashboard sessions working from the database, and details says Redis is down', async () => {
    expect((await t.request({ url: '/api/v1/auth/me', cookie })).statusCode).toBe(200);
    const details = await t.request({ url: '/api/v1/health/details', cookie });
    expect(details.statusCode).toBe(503);
    expect(details.json()).toMatchObject({ status: 'degraded', redis: { configured: true, connected: false }, database: { connected: true } });
    expect((await t.request({ url: '/api/v1/health' })).json()).toMatchObject({ status: 'degraded', database: 'ok', redis: 'unavailable' });
  });

  it('Redis-backed routes answer 503 + Retry-After, not "rate limit exceeded"', async () => {
    const login = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'a@example.com', password: 'whatever-password' } });
    expect503(login, /Redis temporarily unavailable/);
    expect503(await t.request({ url: '/api/v1/sessions/k', apiKey: key, agentId: 'a1' }), /Redis temporarily unavailable/);
    const approval = await t.request({
      method: 'POST',
      url: '/api/v1/approvals',
      apiKey: key,
      agentId: 'a1',
      payload: { agent_id: 'a1', tool_name: 'shell', message: 'ok?' },
    });
    expect503(approval, /Redis temporarily unavailable/);
  });

  it('after an empty Redis returns, sessions survive and everything resumes by itself', async () => {
    await redis.start();
    await until(async () => (await t.request({ url: '/api/v1/health' })).json<{ redis: string }>().redis === 'ok');
    expect((await t.request({ url: '/api/v1/auth/me', cookie })).statusCode).toBe(200);
    expect((await t.request({ url: '/api/v1/sessions/k', apiKey: key, agentId: 'a1' })).statusCode).toBe(404);
    const logout = await t.request({ method: 'POST', url: '/api/v1/auth/logout', cookie });
    expect(logout.statusCode).toBe(200);
    expect((await t.request({ url: '/api/v1/auth/me', cookie })).statusCode).toBe(401);
  });
});

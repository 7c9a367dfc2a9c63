import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../helpers/test-app.js';
import { sha256Hex } from '../../src/platform/crypto.js';
import { agentOf, approvalBody, type Agent } from '../helpers/approvals-fixtures.js';

/**
 * S8, rate limits (console-api.md 7.5): the login limit and the approval-create limit, in the
 * memory limiter (embedded mode) and the Redis limiter (server mode). Redis mode uses
 * TEST_REDIS_URL, else the local Redis the development setup runs.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const modes = [
  { name: 'memory', opts: { redis: false } },
  { name: 'redis', opts: { env: { EDICTUM_REDIS_URL: REDIS_URL } } },
] as const;

for (const mode of modes) {
  describe(`S8 rate limits (${mode.name} limiter)`, () => {
    let t: TestApp;
    let a: Agent;
    beforeAll(async () => {
      const env = { ...('env' in mode.opts ? mode.opts.env : {}), EDICTUM_RATE_LIMIT_MAX_ATTEMPTS: '5' };
      t = await createTestApp({ ...mode.opts, env });
      a = await agentOf(t);
    });
    afterAll(async () => t?.close());

    it('uses the limiter of its storage mode', () => {
      expect(t.deps.redis === null).toBe(mode.name === 'memory');
    });

    it('answers 401 to the first 5 wrong passwords, then 429 with a positive integer Retry-After even for the right one', async () => {
      const attempt = (password: string) =>
        t.request({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '10.9.8.7',
          payload: { email: a.email, password },
        });
      for (let i = 0; i < 5; i++) expect((await attempt(`wrong-password-${i}`)).statusCode).toBe(401);
      const limited = await attempt(ADMIN_PASSWORD);
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
      expect(limited.json()).toEqual({ detail: 'Too many login attempts. Please try again later.' });
      expect(limited.headers['set-cookie']).toBeUndefined();

      // Another address is not throttled, but the account is now locked (five failures): the right
      // password answers as a wrong one (401, no 429 to tell). Clearing both counters restores access.
      const elsewhere = await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '10.9.8.8',
        payload: { email: a.email, password: ADMIN_PASSWORD },
      });
      expect(elsewhere.statusCode).toBe(401);
      await t.deps.rateLimiter.reset('login:10.9.8.7');
      await t.deps.rateLimiter.reset(`login-account:${sha256Hex(a.email.toLowerCase())}`);
      expect((await attempt(ADMIN_PASSWORD)).statusCode).toBe(200);
    });

    it('limits approval creation to 10 per minute per agent, leaving other agents alone', async () => {
      const create = (agentId: string) =>
        t.request({ method: 'POST', url: '/api/v1/approvals', apiKey: a.key, agentId, payload: approvalBody() });
      for (let i = 0; i < 10; i++) expect((await create('chatty-agent')).statusCode).toBe(201);
      const limited = await create('chatty-agent');
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toEqual({ detail: 'Too many approval requests. Please slow down.' });
      const retryAfter = Number(limited.headers['retry-after']);
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 61).toBe(true);
      expect((await create('quiet-agent')).statusCode).toBe(201);

      const list = (
        await t.request({ url: '/api/v1/approvals?agent_id=chatty-agent&limit=1000', cookie: a.cookie })
      ).json() as unknown[];
      expect(list).toHaveLength(10);
    });

    it("keeps one tenant's agent limit apart from another tenant's agent of the same name", async () => {
      const other = await agentOf(t, 'other');
      const create = (key: string) =>
        t.request({ method: 'POST', url: '/api/v1/approvals', apiKey: key, agentId: 'same-name', payload: approvalBody() });
      for (let i = 0; i < 10; i++) expect((await create(a.key)).statusCode).toBe(201);
      expect((await create(a.key)).statusCode).toBe(429);
      expect((await create(other.key)).statusCode).toBe(201);
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestDatabase, type TestApp } from '../helpers/test-app.js';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AppDeps } from '../../src/deps.js';
import { announceSetupLink, SETUP_URL_FILE, setupToken } from '../../src/modules/setup/setup.token.js';

const PASSWORD = 'a-long-enough-password';

describe('first-run setup and sign-in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('reports bootstrap_complete false before setup', async () => {
    const res = await t.request({ url: '/api/v1/health' });
    expect(res.json()).toMatchObject({ status: 'ok', bootstrap_complete: false });
  });

  it('tells the dashboard that setup needs a token until an admin exists', async () => {
    const res = await t.request({ url: '/api/v1/setup/status' });
    expect(res.json()).toEqual({ bootstrap_complete: false, setup_token_required: true });
  });

  it('refuses setup without the token, or with a wrong one, with 403 naming setup_token, and writes nothing', async () => {
    const missing = await t.request({ method: 'POST', url: '/api/v1/setup', payload: { email: 'a@example.com', password: PASSWORD } });
    expect(missing.statusCode).toBe(403);
    expect((missing.json() as { detail: string }).detail).toMatch(/^setup_token is required/);
    const token = setupToken(t.deps).token;
    for (const wrong of ['x', `${token}x`, token.slice(0, -1), token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase()]) {
      const res = await t.request({ method: 'POST', url: '/api/v1/setup', payload: { email: 'a@example.com', password: PASSWORD, setup_token: wrong } });
      expect(res.statusCode).toBe(403);
      expect((res.json() as { detail: string }).detail).toMatch(/^setup_token is wrong/);
    }
    expect((await t.request({ url: '/api/v1/health' })).json()).toMatchObject({ bootstrap_complete: false });
  });

  it('demands X-Requested-With on setup', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/setup', csrf: false, payload: { email: 'a@example.com', password: PASSWORD } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ detail: 'Missing X-Requested-With header.' });
  });

  it('names every bad field and writes nothing', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/setup', payload: { email: 'not-an-email', password: 'short', extra: 1 } });
    expect(res.statusCode).toBe(422);
    const locs = (res.json() as { detail: { loc: (string | number)[] }[] }).detail.map((d) => d.loc.join('.'));
    expect(locs).toEqual(expect.arrayContaining(['body.email', 'body.password']));
    expect((await t.request({ url: '/api/v1/health' })).json()).toMatchObject({ bootstrap_complete: false });
  });

  it('refuses an oversized setup body with 413', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/setup', payload: { email: 'a@example.com', password: 'x'.repeat(5000) } });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ detail: 'Request body too large. Maximum allowed: 4KB.' });
  });

  it('creates exactly one admin when setups race (S7 bootstrap lock)', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        t.request({
          method: 'POST',
          url: '/api/v1/setup',
          payload: { email: `race${i}@example.com`, password: PASSWORD, tenant_name: 'Acme', setup_token: setupToken(t.deps).token },
        }),
      ),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([201, 409, 409, 409, 409]);
    const winner = results.find((r) => r.statusCode === 201)!.json() as { message: string; user_id: string; tenant_id: string };
    expect(winner.message).toBe('Admin created');
    expect(results.find((r) => r.statusCode === 409)!.json()).toEqual({ detail: 'Server is already set up.' });
    expect((await t.request({ url: '/api/v1/health' })).json()).toMatchObject({ bootstrap_complete: true });
    expect((await t.request({ url: '/api/v1/setup/status' })).json()).toEqual({ bootstrap_complete: true, setup_token_required: false });
  });

  it('the token is dead once an admin exists', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { email: 'late@example.com', password: PASSWORD, setup_token: setupToken(t.deps).token },
    });
    expect(res.statusCode).toBe(409);
  });

  it('signs in with the right password only, with the same message for unknown users', async () => {
    const admin = (await t.deps.database.db.query.users.findFirst())!;
    const wrong = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: 'wrong-password!!' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ detail: 'Invalid email or password.' });
    const unknown = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@example.com', password: PASSWORD } });
    expect(unknown.json()).toEqual(wrong.json());
    const ok = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: PASSWORD } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ message: 'Logged in.' });
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(/^edictum_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toContain(`Max-Age=${24 * 3600}`);
    expect(setCookie).not.toContain('Secure');
  });

  it('answers /auth/me for a session and signs out for good', async () => {
    const admin = (await t.deps.database.db.query.users.findFirst())!;
    const ok = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: PASSWORD } });
    const cookie = `edictum_session=${ok.cookies[0]!.value}`;
    const me = await t.request({ url: '/api/v1/auth/me', cookie });
    expect(me.json()).toEqual({ user_id: admin.id, tenant_id: admin.tenantId, tenant_name: 'Acme', email: admin.email, is_admin: true });
    const noCsrf = await t.request({ method: 'POST', url: '/api/v1/auth/logout', cookie, csrf: false });
    expect(noCsrf.statusCode).toBe(403);
    const out = await t.request({ method: 'POST', url: '/api/v1/auth/logout', cookie });
    expect(out.json()).toEqual({ message: 'Logged out.' });
    const after = await t.request({ url: '/api/v1/auth/me', cookie });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toEqual({ detail: 'Session expired or invalid.' });
  });

  it('bounds login input and names the field', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'a'.repeat(300), password: 'x\u0000y' } });
    expect(res.statusCode).toBe(422);
    const locs = (res.json() as { detail: { loc: string[] }[] }).detail.map((d) => d.loc.join('.'));
    expect(locs).toEqual(expect.arrayContaining(['body.email', 'body.password']));
  });
});

describe('login rate limit', () => {
  it('refuses the 6th attempt with Retry-After, even with the right password', async () => {
    const t = await createTestApp({ env: { EDICTUM_RATE_LIMIT_MAX_ATTEMPTS: '5', EDICTUM_RATE_LIMIT_WINDOW_SECONDS: '300' } });
    try {
      const a = await t.admin();
      for (let i = 0; i < 4; i++) {
        const r = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: 'wrong-password!!' } });
        expect(r.statusCode).toBe(401);
      }
      // t.admin() signed in once already: that counts as the first of the five.
      const limited = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: 'correct-horse-battery-staple' } });
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toEqual({ detail: 'Too many login attempts. Please try again later.' });
      const retry = Number(limited.headers['retry-after']);
      expect(Number.isInteger(retry) && retry > 0 && retry <= 300).toBe(true);
    } finally {
      await t.close();
    }
  });
});

describe('setup token', () => {
  it('EDICTUM_SETUP_TOKEN sets the token for automated installs; the derived one then fails', async () => {
    const fixed = 'automated-install-token-0123';
    const t = await createTestApp({ env: { EDICTUM_SETUP_TOKEN: fixed } });
    try {
      expect(setupToken(t.deps)).toEqual({ token: fixed, fromEnv: true });
      const { token: derived } = setupToken({ config: { ...t.config, setupToken: undefined }, secrets: t.deps.secrets });
      const wrong = await t.request({ method: 'POST', url: '/api/v1/setup', payload: { email: 'a@example.com', password: PASSWORD, setup_token: derived } });
      expect(wrong.statusCode).toBe(403);
      const ok = await t.request({ method: 'POST', url: '/api/v1/setup', payload: { email: 'a@example.com', password: PASSWORD, setup_token: fixed } });
      expect(ok.statusCode).toBe(201);
    } finally {
      await t.close();
    }
  });

  it('every process of one deployment accepts the same token', async () => {
    const db = await createTestDatabase();
    const a = await createTestApp({ database: db });
    const b = await createTestApp({ database: db });
    try {
      const token = setupToken(a.deps).token;
      expect(setupToken(b.deps).token).toBe(token);
      const res = await b.request({ method: 'POST', url: '/api/v1/setup', payload: { email: 'a@example.com', password: PASSWORD, setup_token: token } });
      expect(res.statusCode).toBe(201);
      expect((await a.request({ url: '/api/v1/setup/status' })).json()).toMatchObject({ setup_token_required: false });
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });

  it('announces the link on one log line and in the data dir (0600); server mode without a data dir logs only', async () => {
    const t = await createTestApp();
    try {
      const lines: { obj: Record<string, unknown>; msg: string }[] = [];
      const logger = { warn: (obj: Record<string, unknown>, msg: string) => lines.push({ obj, msg }) } as unknown as AppDeps['logger'];
      const file = join(t.config.dataDir, SETUP_URL_FILE);
      const link = `${t.config.baseUrl}/dashboard/setup?token=${setupToken(t.deps).token}`;
      await announceSetupLink({ ...t.deps, logger });
      expect(lines).toEqual([{ obj: { setup_url: link }, msg: `No admin yet: claim this console at ${link}` }]);
      expect(readFileSync(file, 'utf8')).toBe(`${link}\n`);
      expect(statSync(file).mode & 0o777).toBe(0o600);

      rmSync(file);
      await announceSetupLink({ ...t.deps, logger, config: { ...t.config, storage: 'server', dataDirSet: false } });
      expect(lines).toHaveLength(2);
      expect(existsSync(file)).toBe(false);

      // A token from the environment is not echoed into the log.
      await announceSetupLink({ ...t.deps, logger, config: { ...t.config, setupToken: 'from-the-environment-123' } });
      expect(JSON.stringify(lines[2])).not.toContain('from-the-environment-123');
      expect(lines[2]!.msg).toContain('EDICTUM_SETUP_TOKEN');
    } finally {
      await t.close();
    }
  });

  it('refuses a short EDICTUM_SETUP_TOKEN at start-up', async () => {
    const { loadConfig } = await import('../../src/config.js');
    expect(() => loadConfig({ EDICTUM_SETUP_TOKEN: 'short' })).toThrow(/EDICTUM_SETUP_TOKEN: must be at least 16 characters/);
  });
});

describe('environment bootstrap', () => {
  it('creates the first admin from EDICTUM_ADMIN_EMAIL/PASSWORD and then leaves setup locked', async () => {
    const { bootstrapFromEnv } = await import('../../src/modules/setup/setup.service.js');
    const t = await createTestApp({ env: { EDICTUM_ADMIN_EMAIL: 'ops@example.com', EDICTUM_ADMIN_PASSWORD: 'bootstrap-password-1' } });
    try {
      await bootstrapFromEnv(t.deps);
      await bootstrapFromEnv(t.deps); // idempotent
      const login = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'ops@example.com', password: 'bootstrap-password-1' } });
      expect(login.statusCode).toBe(200);
      const setup = await t.request({ method: 'POST', url: '/api/v1/setup', payload: { email: 'x@example.com', password: PASSWORD } });
      expect(setup.statusCode).toBe(409);
    } finally {
      await t.close();
    }
  });
});

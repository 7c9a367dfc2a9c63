import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

function fakeDashboard(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edictum-static-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>edictum</title><div id="root"></div>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  return dir;
}

describe('HTTP hardening and the dashboard', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { EDICTUM_STATIC_DIR: fakeDashboard(), EDICTUM_CORS_ORIGINS: 'https://ops.example.com' } });
  });
  afterAll(async () => t?.close());

  it('sends the security headers and a 12-hex request id on every response', async () => {
    for (const url of ['/api/v1/health', '/dashboard', '/api/nope']) {
      const res = await t.request({ url });
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{12}$/);
      // HSTS only when the console is served over https.
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('serves the SPA for deep links with no-cache and hashed assets as immutable', async () => {
    const deep = await t.request({ url: '/dashboard/approvals?id=123' });
    expect(deep.statusCode).toBe(200);
    expect(deep.headers['content-type']).toContain('text/html');
    expect(deep.headers['cache-control']).toBe('no-cache');
    expect(deep.body).toContain('<div id="root">');
    const asset = await t.request({ url: '/dashboard/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await t.request({ url: '/dashboard/assets/index-gone.js' });
    expect(missing.statusCode).toBe(404);
  });

  it('redirects / and unknown pages to the dashboard but keeps unknown API paths JSON 404s', async () => {
    expect((await t.request({ url: '/' })).headers.location).toBe('/dashboard');
    const page = await t.request({ url: '/some/old/page' });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/dashboard');
    const api = await t.request({ url: '/api/v1/nothing-here' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ detail: 'Not Found' });
  });

  it('refuses a cookie-authenticated write without X-Requested-With (CSRF) but not an agent key', async () => {
    const a = await t.admin();
    const res = await t.request({ method: 'POST', url: '/api/v1/keys', cookie: a.cookie, csrf: false, payload: { env: 'production' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ detail: 'Missing CSRF header.' });
    const key = await t.apiKey(a.cookie);
    // A bearer edk_ key is exempt from the CSRF rule: the route then refuses it for its own reason.
    const withKey = await t.request({ method: 'POST', url: '/api/v1/keys', apiKey: key, csrf: false, payload: { env: 'production' } });
    expect(withKey.statusCode).toBe(403);
    expect(withKey.json()).not.toEqual({ detail: 'Missing CSRF header.' });
  });

  it('takes an empty JSON body as no body: a DELETE works, a POST that needs one gets a 422', async () => {
    const a = await t.admin();
    const created = await t.request({ method: 'POST', url: '/api/v1/keys', cookie: a.cookie, payload: { env: 'production' } });
    const { id } = created.json() as { id: string };
    const del = await t.request({
      method: 'DELETE',
      url: `/api/v1/keys/${id}`,
      cookie: a.cookie,
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(del.statusCode).toBe(204);
    const post = await t.request({
      method: 'POST',
      url: '/api/v1/keys',
      cookie: a.cookie,
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(post.statusCode).toBe(422);
    expect(JSON.stringify(post.json())).toContain('body');
    // Prototype poisoning is still refused by Fastify's own parser behind ours.
    const poisoned = await t.request({
      method: 'POST',
      url: '/api/v1/keys',
      cookie: a.cookie,
      headers: { 'content-type': 'application/json' },
      payload: '{"env":"production","__proto__":{"isAdmin":true}}',
    });
    expect(poisoned.statusCode).toBe(422);
  });

  it('answers 422 for a malformed JSON body and 413 past the body limit', async () => {
    const a = await t.admin();
    const bad = await t.request({
      method: 'POST',
      url: '/api/v1/keys',
      cookie: a.cookie,
      headers: { 'content-type': 'application/json' },
      payload: '{"env": ',
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toEqual({ detail: [{ loc: ['body'], msg: 'Request body is not valid JSON.' }] });
    const big = await t.request({ method: 'POST', url: '/api/v1/keys', cookie: a.cookie, payload: { env: 'p', label: 'x'.repeat(1024 * 1024 + 10) } });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ detail: 'Request body too large. Maximum allowed: 1MB.' });
  });

  it('allows CORS only for configured origins', async () => {
    const ok = await t.request({ method: 'OPTIONS', url: '/api/v1/keys', headers: { origin: 'https://ops.example.com', 'access-control-request-method': 'POST' } });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://ops.example.com');
    const read = await t.request({ url: '/api/v1/health', headers: { origin: 'https://ops.example.com' } });
    expect(read.headers['access-control-expose-headers']).toBe('X-Next-Cursor, X-Searched-Until, X-Request-Id, Retry-After');
    const other = await t.request({ url: '/api/v1/health', headers: { origin: 'https://evil.example.com' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-expose-headers']).toBeUndefined();
  });

  it('reports health, liveness, readiness, and details only to a session', async () => {
    expect((await t.request({ url: '/api/v1/health/live' })).json()).toEqual({ status: 'alive' });
    // No scheduler runs in this app: workers are stopped, so the console is not ready.
    const ready = await t.request({ url: '/api/v1/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'not_ready', database: { connected: true }, workers: { partition: 'stopped' } });
    expect((await t.request({ url: '/api/v1/health/details' })).statusCode).toBe(401);
    const a = await t.admin();
    const key = await t.apiKey(a.cookie);
    expect((await t.request({ url: '/api/v1/health/details', apiKey: key })).statusCode).toBe(403);
    const details = await t.request({ url: '/api/v1/health/details', cookie: a.cookie });
    expect(details.statusCode).toBe(503);
    expect(details.json()).toMatchObject({
      status: 'degraded',
      version: expect.any(String),
      auth_provider: 'local',
      bootstrap_complete: true,
      base_url_https: false,
      database: { connected: true },
      connected_agents: expect.any(Number),
    });
  });
});

describe('readiness with the workers running', () => {
  it('is ready once the scheduler runs the workers', async () => {
    const t = await createTestApp({ scheduler: true });
    try {
      await t.deps.workers.until((r) => !r.unhealthy());
      const res = await t.request({ url: '/api/v1/health/ready' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ready', workers: { partition: 'running' } });
    } finally {
      await t.close();
    }
  });
});

describe('HTTPS deployments', () => {
  it('sends HSTS and Secure cookies when the base URL is https', async () => {
    const t = await createTestApp({ env: { EDICTUM_BASE_URL: 'https://console.example.com' } });
    try {
      const a = await t.admin();
      const res = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: 'correct-horse-battery-staple' } });
      expect(res.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
      expect(String(res.headers['set-cookie'])).toContain('Secure');
    } finally {
      await t.close();
    }
  });

  it('says the dashboard is not built when there is no build', async () => {
    const t = await createTestApp({ env: { EDICTUM_STATIC_DIR: mkdtempSync(join(tmpdir(), 'edictum-empty-')) } });
    try {
      const res = await t.request({ url: '/dashboard/keys' });
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain('Dashboard not built');
    } finally {
      await t.close();
    }
  });
});

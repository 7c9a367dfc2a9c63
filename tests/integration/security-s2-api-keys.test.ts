import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { PUBLIC_ROUTES, apiRoutes, fillPath, key } from './route-walk.js';

/**
 * S2 — API-key bypass, and the credential rules of EVERY registered route, walked from the
 * app's own route table so a new route cannot forget its guard.
 */
describe('S2 API-key bypass and route guards', () => {
  let t: TestApp;
  let cookie: string;
  let apiKey: string;
  beforeAll(async () => {
    t = await createTestApp();
    cookie = (await t.admin()).cookie;
    apiKey = await t.apiKey(cookie, 'production');
  });
  afterAll(async () => t?.close());

  it('declares a credential on every API route except the public list', () => {
    const open = apiRoutes(t.routes).filter((r) => r.auth === 'none').map(key);
    expect(open.sort()).toEqual([...PUBLIC_ROUTES].filter((p) => open.includes(p)).sort());
    expect(open.every((r) => PUBLIC_ROUTES.has(r))).toBe(true);
  });

  it('answers 401 on every guarded route when no credential is sent', async () => {
    for (const r of apiRoutes(t.routes).filter((r) => r.auth !== 'none')) {
      const res = await t.request({ method: r.method as 'GET', url: fillPath(r.url), payload: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
      expect([key(r), res.statusCode]).toEqual([key(r), 401]);
      expect(res.json()).toHaveProperty('detail');
    }
  });

  it('refuses an API key on every session-only route with 403', async () => {
    for (const r of apiRoutes(t.routes).filter((r) => r.auth === 'session' || r.auth === 'admin')) {
      const res = await t.request({ method: r.method as 'GET', url: fillPath(r.url), apiKey, payload: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
      expect([key(r), res.statusCode]).toEqual([key(r), 403]);
    }
  });

  it('refuses a session on every API-key-only route with 401', async () => {
    for (const r of apiRoutes(t.routes).filter((r) => r.auth === 'apiKey')) {
      const res = await t.request({ method: r.method as 'GET', url: fillPath(r.url), cookie, payload: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
      expect([key(r), res.statusCode]).toEqual([key(r), 401]);
    }
  });

  it('refuses forged, truncated, extended, revoked and non-bearer keys on every key route', async () => {
    const created = await t.request({ method: 'POST', url: '/api/v1/keys', cookie, payload: { env: 'production' } });
    const revoked = (created.json() as { id: string; key: string });
    await t.request({ method: 'DELETE', url: `/api/v1/keys/${revoked.id}`, cookie });
    const bad = [
      `edk_production_${'A'.repeat(43)}`,
      apiKey.slice(0, -1),
      `${apiKey}x`,
      revoked.key,
      apiKey.toUpperCase(),
    ];
    for (const r of apiRoutes(t.routes).filter((r) => r.auth === 'apiKey' || r.auth === 'either')) {
      for (const k of bad) {
        const res = await t.request({ method: r.method as 'GET', url: fillPath(r.url), apiKey: k, payload: r.method === 'GET' ? undefined : {} });
        expect([key(r), res.statusCode]).toEqual([key(r), 401]);
        expect(res.json()).toEqual({ detail: 'Invalid or revoked API key.' });
      }
      const basic = await t.request({ method: r.method as 'GET', url: fillPath(r.url), headers: { authorization: `Basic ${apiKey}` }, payload: r.method === 'GET' ? undefined : {} });
      expect([key(r), basic.statusCode]).toEqual([key(r), 401]);
    }
  });

  it('never accepts a key in the query string', async () => {
    const res = await t.request({ url: `/api/v1/bundles?api_key=${apiKey}` });
    expect(res.statusCode).toBe(401);
  });

  it('refuses an invalid bearer key even next to a valid session cookie', async () => {
    const res = await t.request({ url: '/api/v1/events', cookie, apiKey: `edk_production_${'B'.repeat(43)}` });
    expect(res.statusCode).toBe(401);
  });

  it('records when a key was last used, without exposing it', async () => {
    await t.request({ url: '/api/v1/bundles', apiKey });
    const list = (await t.request({ url: '/api/v1/keys', cookie })).json() as { prefix: string; last_used_at: string | null }[];
    const used = list.find((k) => apiKey.startsWith(k.prefix))!;
    expect(used.last_used_at).not.toBeNull();
    expect(JSON.stringify(list)).not.toContain(apiKey);
  });
});

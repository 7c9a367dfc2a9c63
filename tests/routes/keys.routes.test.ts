import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('refuses to list keys without a credential', async () => {
    const res = await t.request({ url: '/api/v1/keys' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ detail: 'Not authenticated.' });
  });

  it('refuses an API key on the session-only key routes', async () => {
    const a = await t.admin();
    const key = await t.apiKey(a.cookie);
    expect((await t.request({ url: '/api/v1/keys', apiKey: key })).statusCode).toBe(403);
    expect((await t.request({ method: 'POST', url: '/api/v1/keys', apiKey: key, payload: { env: 'x' } })).statusCode).toBe(403);
  });

  it('creates a key shown once, lists it without the secret, and revokes it', async () => {
    const a = await t.admin();
    const created = await t.request({ method: 'POST', url: '/api/v1/keys', cookie: a.cookie, payload: { env: 'eu-west.prod_2', label: 'ci bot' } });
    expect(created.statusCode).toBe(201);
    const body = created.json() as { id: string; key: string; prefix: string; env: string };
    expect(body.key).toMatch(/^edk_eu-west\.prod_2_[A-Za-z0-9_-]{43}$/);
    expect(body.key.startsWith(body.prefix)).toBe(true);
    const list = await t.request({ url: '/api/v1/keys', cookie: a.cookie });
    const item = (list.json() as Record<string, unknown>[]).find((k) => k.id === body.id)!;
    expect(item).toMatchObject({ env: 'eu-west.prod_2', label: 'ci bot', last_used_at: null });
    expect(JSON.stringify(list.json())).not.toContain(body.key);
    const del = await t.request({ method: 'DELETE', url: `/api/v1/keys/${body.id}`, cookie: a.cookie });
    expect(del.statusCode).toBe(204);
    const again = await t.request({ method: 'DELETE', url: `/api/v1/keys/${body.id}`, cookie: a.cookie });
    expect(again.statusCode).toBe(404);
  });

  it("answers 404 for another tenant's key", async () => {
    const a = await t.admin();
    const other = await t.otherTenant();
    const created = await t.request({ method: 'POST', url: '/api/v1/keys', cookie: a.cookie, payload: { env: 'production' } });
    const id = (created.json() as { id: string }).id;
    const res = await t.request({ method: 'DELETE', url: `/api/v1/keys/${id}`, cookie: other.cookie });
    expect(res.statusCode).toBe(404);
    const theirs = await t.request({ url: '/api/v1/keys', cookie: other.cookie });
    expect(theirs.json()).toEqual([]);
  });

  it('names the field on bad input', async () => {
    const a = await t.admin();
    const res = await t.request({ method: 'POST', url: '/api/v1/keys', cookie: a.cookie, payload: { env: '-bad env', label: 'x'.repeat(300) } });
    expect(res.statusCode).toBe(422);
    const locs = (res.json() as { detail: { loc: string[] }[] }).detail.map((d) => d.loc.join('.'));
    expect(locs).toEqual(expect.arrayContaining(['body.env', 'body.label']));
  });

  it('lets only admins create and revoke keys', async () => {
    const m = await t.member();
    const res = await t.request({ method: 'POST', url: '/api/v1/keys', cookie: m.cookie, payload: { env: 'production' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ detail: 'Admin access required.' });
    expect((await t.request({ url: '/api/v1/keys', cookie: m.cookie })).statusCode).toBe(200);
  });

  it('refuses a revoked key at once', async () => {
    const a = await t.admin();
    const created = await t.request({ method: 'POST', url: '/api/v1/keys', cookie: a.cookie, payload: { env: 'production' } });
    const { id, key } = created.json() as { id: string; key: string };
    // Used a moment ago, so the key is in this process's lookup cache when it is revoked.
    const before = await t.request({ url: '/api/v1/sessions/warm', apiKey: key });
    expect(before.statusCode).toBe(404);
    await t.request({ method: 'DELETE', url: `/api/v1/keys/${id}`, cookie: a.cookie });
    const res = await t.request({ url: '/api/v1/sessions/warm', apiKey: key });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ detail: 'Invalid or revoked API key.' });
  });
});

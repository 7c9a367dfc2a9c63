import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { sha256Hex } from '../../src/platform/crypto.js';

/** S1 — session bypass: nothing but a live, untampered session reaches session routes. */
describe('S1 session bypass', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  const token = (cookie: string) => cookie.split('=')[1]!;

  it('refuses a missing, empty, random or oversized session cookie', async () => {
    for (const cookie of [undefined, 'edictum_session=', `edictum_session=${'A'.repeat(43)}`, `edictum_session=${'x'.repeat(5000)}`]) {
      const res = await t.request({ url: '/api/v1/auth/me', ...(cookie ? { cookie } : {}) });
      expect(res.statusCode).toBe(401);
    }
  });

  it('refuses an API key presented as the session cookie', async () => {
    const a = await t.admin();
    const key = await t.apiKey(a.cookie);
    const res = await t.request({ url: '/api/v1/auth/me', cookie: `edictum_session=${key}` });
    expect(res.statusCode).toBe(401);
  });

  it('refuses a session whose stored value was altered (HMAC check)', async () => {
    // Altered before its first use: a session resolved once is trusted for SESSION_RECHECK_MS in
    // that process (auth.ts), so the tampering is read by the next request, not by a cached one.
    const m = await t.member();
    const [row] = await t.deps.database.rows<{ value: string }>(sql`SELECT value FROM auth_sessions WHERE token_hash = ${sha256Hex(token(m.cookie))}`);
    expect(row!.value).toContain('"is_admin":false');
    if (t.deps.redis) {
      const key = `session:${sha256Hex(token(m.cookie))}`;
      const value = (await t.deps.redis.get(key))!;
      expect(value).toContain('"is_admin":false');
      await t.deps.redis.set(key, value.replace('"is_admin":false', '"is_admin":true'), 'EX', 600);
    } else {
      await t.deps.database.db.execute(
        sql`UPDATE auth_sessions SET value = replace(value, '"is_admin":false', '"is_admin":true') WHERE token_hash = ${sha256Hex(token(m.cookie))}`,
      );
    }
    const res = await t.request({ url: '/api/v1/auth/me', cookie: m.cookie });
    expect(res.statusCode).toBe(401);
    // And the admin-only routes stay closed to it.
    expect((await t.request({ method: 'POST', url: '/api/v1/keys', cookie: m.cookie, payload: { env: 'production' } })).statusCode).toBe(401);
  });

  it('refuses an expired session', async () => {
    const m = await t.member();
    // The row is the session in every mode; with Redis the cached copy expires with it.
    await t.deps.database.db.execute(
      sql`UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = ${sha256Hex(token(m.cookie))}`,
    );
    if (t.deps.redis) await t.deps.redis.del(`session:${sha256Hex(token(m.cookie))}`);
    expect((await t.request({ url: '/api/v1/auth/me', cookie: m.cookie })).statusCode).toBe(401);
  });

  it('never stores the session token itself', async () => {
    const m = await t.member();
    if (t.deps.redis) {
      expect(await t.deps.redis.exists(`session:${token(m.cookie)}`)).toBe(0);
    } else {
      const rows = await t.deps.database.rows<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM auth_sessions WHERE token_hash = ${token(m.cookie)} OR value LIKE ${'%' + token(m.cookie) + '%'}`,
      );
      expect(rows[0]!.n).toBe(0);
    }
  });

  it('refuses a session after logout even if the cookie is replayed', async () => {
    const m = await t.member();
    await t.request({ method: 'POST', url: '/api/v1/auth/logout', cookie: m.cookie });
    expect((await t.request({ url: '/api/v1/keys', cookie: m.cookie })).statusCode).toBe(401);
  });
});

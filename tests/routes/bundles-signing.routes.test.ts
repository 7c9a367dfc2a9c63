import { and, eq, sql } from 'drizzle-orm';
import { signingKeys } from '../../src/db/schema.js';
import { createSigningService } from '../../src/modules/signing/signing.service.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { bundleYaml, deploy, upload, watchBus } from './bundles-helpers.js';

const ROTATE = '/api/v1/settings/rotate-signing-key';
const KEY = '/api/v1/settings/signing-key';

describe('signing key settings', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('refuses rotation and the key read without a credential', async () => {
    expect((await t.request({ method: 'POST', url: ROTATE })).statusCode).toBe(401);
    expect((await t.request({ url: KEY })).statusCode).toBe(401);
  });

  it('refuses rotation to an API key and to a non-admin member', async () => {
    const a = await t.admin();
    const key = await t.apiKey(a.cookie, 'production');
    expect((await t.request({ method: 'POST', url: ROTATE, apiKey: key })).statusCode).toBe(403);
    expect((await t.request({ url: KEY, apiKey: key })).statusCode).toBe(403);
    const m = await t.member();
    const res = await t.request({ method: 'POST', url: ROTATE, cookie: m.cookie });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ detail: 'Admin access required.' });
    expect((await t.request({ url: KEY, cookie: m.cookie })).statusCode).toBe(200);
  });

  it('refuses a rotation without the CSRF header', async () => {
    const a = await t.admin();
    expect((await t.request({ method: 'POST', url: ROTATE, cookie: a.cookie, csrf: false })).statusCode).toBe(403);
  });

  it('rotates to a new key, counts nothing re-signed when nothing is deployed, and pushes the key', async () => {
    const a = await t.admin();
    const before = (await t.request({ url: KEY, cookie: a.cookie })).json() as { public_key: string; created_at: string };
    expect(before.public_key).toMatch(/^[0-9a-f]{64}$/);
    const bus = watchBus(t);
    try {
      const res = await t.request({ method: 'POST', url: ROTATE, cookie: a.cookie });
      expect(res.statusCode).toBe(201);
      const body = res.json() as { public_key: string; rotated_at: string; deployments_re_signed: number };
      expect(Object.keys(body).sort()).toEqual(['deployments_re_signed', 'public_key', 'rotated_at']);
      expect(body.public_key).toMatch(/^[0-9a-f]{64}$/);
      expect(body.public_key).not.toBe(before.public_key);
      expect(body.deployments_re_signed).toBe(0);
      expect(Number.isNaN(Date.parse(body.rotated_at))).toBe(false);
      const after = (await t.request({ url: KEY, cookie: a.cookie })).json() as { public_key: string; created_at: string };
      expect(after).toEqual({ public_key: body.public_key, created_at: body.rotated_at });
      const m = await bus.next((x) => x.type === 'signing_key_rotated');
      expect(m).toMatchObject({
        topic: 'dashboard',
        tenantId: a.tenantId,
        data: { type: 'signing_key_rotated', public_key: body.public_key },
      });
    } finally {
      bus.stop();
    }
  });

  it('counts each currently deployed bundle version once', async () => {
    const a = await t.admin();
    await upload(t, a.cookie, bundleYaml('count-a', 'one'));
    await upload(t, a.cookie, bundleYaml('count-a', 'two'));
    await upload(t, a.cookie, bundleYaml('count-b'));
    await deploy(t, a.cookie, 'count-a', 1, 'production');
    await deploy(t, a.cookie, 'count-a', 2, 'production'); // v1 is no longer current anywhere
    await deploy(t, a.cookie, 'count-a', 2, 'staging'); // the same row current in two envs
    await deploy(t, a.cookie, 'count-b', 1, 'staging');
    const res = await t.request({ method: 'POST', url: ROTATE, cookie: a.cookie });
    expect((res.json() as { deployments_re_signed: number }).deployments_re_signed).toBe(2);
  });

  it("never touches another tenant's key", async () => {
    const a = await t.admin();
    const other = await t.otherTenant();
    const theirs = (await t.request({ url: KEY, cookie: other.cookie })).json() as { public_key: string };
    const mine = (await t.request({ url: KEY, cookie: a.cookie })).json() as { public_key: string };
    expect(theirs.public_key).not.toBe(mine.public_key);
    await t.request({ method: 'POST', url: ROTATE, cookie: a.cookie });
    expect((await t.request({ url: KEY, cookie: other.cookie })).json()).toEqual(theirs);
  });

  it('gives two rotations two different keys', async () => {
    const a = await t.admin();
    const r1 = (await t.request({ method: 'POST', url: ROTATE, cookie: a.cookie })).json() as { public_key: string };
    const r2 = (await t.request({ method: 'POST', url: ROTATE, cookie: a.cookie })).json() as { public_key: string };
    expect(r1.public_key).not.toBe(r2.public_key);
  });

  it('answers a clear 422 (not a 500) when the key cannot be decrypted, and a rotation recovers', async () => {
    const a = await t.admin();
    await upload(t, a.cookie, bundleYaml('secret-changed'));
    // As if EDICTUM_SIGNING_KEY_SECRET had changed since the key was made.
    await t.deps.database.db
      .update(signingKeys)
      .set({ privateKeyEncrypted: createSigningService('d'.repeat(64)).prepare().privateKeyEncrypted })
      .where(and(eq(signingKeys.tenantId, a.tenantId), eq(signingKeys.active, true)));
    const refused = await t.request({
      method: 'POST',
      url: '/api/v1/bundles/secret-changed/1/deploy',
      cookie: a.cookie,
      payload: { env: 'production' },
    });
    expect(refused.statusCode).toBe(422);
    expect((refused.json() as { detail: string }).detail).toMatch(/EDICTUM_SIGNING_KEY_SECRET/);
    expect((await t.request({ url: '/api/v1/deployments?bundle_name=secret-changed', cookie: a.cookie })).json()).toEqual([]);
    expect((await t.request({ method: 'POST', url: ROTATE, cookie: a.cookie })).statusCode).toBe(201);
    await deploy(t, a.cookie, 'secret-changed', 1, 'production');
  });

  it('keeps exactly one active key through concurrent rotations', async () => {
    const a = await t.admin();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => t.request({ method: 'POST', url: ROTATE, cookie: a.cookie })),
    );
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    const rows = await t.deps.database.rows<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM signing_keys WHERE tenant_id = ${a.tenantId} AND active`,
    );
    expect(rows[0]!.n).toBe(1);
    const active = (await t.request({ url: KEY, cookie: a.cookie })).json() as { public_key: string };
    expect(results.map((r) => (r.json() as { public_key: string }).public_key)).toContain(active.public_key);
  });
});

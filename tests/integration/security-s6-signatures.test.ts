/**
 * Security suite S6 — signature bypass. A bundle reaches an agent only with a signature made by
 * the tenant's active key over exactly the bytes served; nothing unsigned, nothing signed by a
 * retired key, and no signature that vouches for other bytes.
 */
import { and, eq, sql } from 'drizzle-orm';
import { createServedBundles } from '../../src/modules/breakglass/served-bundle.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundles } from '../../src/db/schema.js';
import { generateSigningKey, signDetached } from '../../src/platform/crypto.js';
import { createBundleSigner } from '../../src/modules/bundles/bundle-signatures.js';
import { createDeploymentsService } from '../../src/modules/bundles/deployments.service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import {
  bundleYaml,
  current,
  deploy,
  upload,
  verifyLikePythonSdk,
  verifyLikeTsSdk,
  yamlBytesOf,
} from '../routes/bundles-helpers.js';

const ROTATE = '/api/v1/settings/rotate-signing-key';

describe('S6 signatures', () => {
  let t: TestApp;
  let cookie: string;
  let tenantId: string;
  beforeAll(async () => {
    t = await createTestApp();
    const a = await t.admin();
    cookie = a.cookie;
    tenantId = a.tenantId;
  });
  afterAll(async () => t?.close());

  const activeKey = async () =>
    ((await t.request({ url: '/api/v1/settings/signing-key', cookie })).json() as { public_key: string }).public_key;
  const seam = () => deploymentsOver(t).api();
  const both = (bytes: Uint8Array, sig: string, key: string) =>
    verifyLikeTsSdk(bytes, sig, key) && verifyLikePythonSdk(bytes, sig, key);

  /** Every way a bundle reaches an agent: /current (key and session) and the stream seam. */
  async function servedEverywhere(name: string, env: string) {
    const key = await t.apiKey(cookie, env);
    const viaKey = await current(t, { apiKey: key }, name, env);
    const viaSession = await current(t, { cookie }, name, env);
    const pushed = await seam().currentUpdate(tenantId, env, name);
    return [viaKey, viaSession, pushed!];
  }

  it('never serves a deployed bundle unsigned, even one whose stored signature was erased', async () => {
    await upload(t, cookie, bundleYaml('s6-unsigned'));
    await deploy(t, cookie, 's6-unsigned', 1, 'production');
    await t.deps.database.db
      .update(bundles)
      .set({ signature: null, signingKeyId: null })
      .where(and(eq(bundles.tenantId, tenantId), eq(bundles.name, 's6-unsigned')));
    const key = await activeKey();
    for (const served of await servedEverywhere('s6-unsigned', 'production')) {
      expect(served.signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
      expect(served.public_key).toBe(key);
      expect(both(yamlBytesOf(served), served.signature!, key)).toBe(true);
    }
  });

  it('never serves a signature by a retired key, even one left on a deployed row', async () => {
    await upload(t, cookie, bundleYaml('s6-retired'));
    await deploy(t, cookie, 's6-retired', 1, 'production');
    // A row as an older console (or a half-finished rotation) could leave it: signed by some
    // other key, with no record of which.
    const stale = generateSigningKey();
    const [row] = await t.deps.database.db
      .select({ id: bundles.id, yamlBytes: bundles.yamlBytes })
      .from(bundles)
      .where(and(eq(bundles.tenantId, tenantId), eq(bundles.name, 's6-retired')));
    await t.deps.database.db
      .update(bundles)
      .set({ signature: signDetached(stale.seed, row!.yamlBytes), signingKeyId: null })
      .where(eq(bundles.id, row!.id));
    const staleHex = Buffer.from(stale.publicKey).toString('hex');
    const key = await activeKey();
    for (const served of await servedEverywhere('s6-retired', 'production')) {
      expect(both(yamlBytesOf(served), served.signature!, key)).toBe(true);
      expect(both(yamlBytesOf(served), served.signature!, staleHex)).toBe(false);
    }
  });

  it('after rotations, nothing served verifies under any earlier key', async () => {
    await upload(t, cookie, bundleYaml('s6-rotate', 'a'));
    await upload(t, cookie, bundleYaml('s6-rotate', 'b'));
    await deploy(t, cookie, 's6-rotate', 1, 'staging');
    const retired = [await activeKey()];
    await t.request({ method: 'POST', url: ROTATE, cookie });
    retired.push(await activeKey());
    await t.request({ method: 'POST', url: ROTATE, cookie });
    await deploy(t, cookie, 's6-rotate', 2, 'production');
    const key = await activeKey();
    expect(retired).not.toContain(key);
    for (const env of ['staging', 'production']) {
      for (const served of await servedEverywhere('s6-rotate', env)) {
        expect(served.public_key).toBe(key);
        expect(both(yamlBytesOf(served), served.signature!, key)).toBe(true);
        for (const old of retired) expect(both(yamlBytesOf(served), served.signature!, old)).toBe(false);
      }
    }
  });

  it('keeps every deployment signed by the active key when deploys and rotations race', async () => {
    for (let i = 0; i < 4; i++) await upload(t, cookie, bundleYaml('s6-race', `r${i}`));
    const ops = [
      ...[1, 2, 3, 4].map(
        (v) => () =>
          t.request({ method: 'POST', url: `/api/v1/bundles/s6-race/${v}/deploy`, cookie, payload: { env: `race-${v % 2}` } }),
      ),
      () => t.request({ method: 'POST', url: ROTATE, cookie }),
      () => t.request({ method: 'POST', url: ROTATE, cookie }),
    ];
    const results = await Promise.all(ops.map((op) => op()));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 201, 201, 201, 201, 201]);
    const key = await activeKey();
    for (const env of ['race-0', 'race-1']) {
      const served = await current(t, { cookie }, 's6-race', env);
      expect(both(yamlBytesOf(served), served.signature!, key)).toBe(true);
      // The stored row itself, not just what /current made of it, is signed by the active key.
      const [row] = await t.deps.database.rows<{ active: boolean }>(
        sql`SELECT k.active FROM bundles b JOIN signing_keys k ON k.id = b.signing_key_id WHERE b.id = ${served.id}`,
      );
      expect(row?.active).toBe(true);
    }
  });

  it("never lets one bundle's signature vouch for another's bytes", async () => {
    await upload(t, cookie, bundleYaml('s6-first', 'x'));
    await upload(t, cookie, bundleYaml('s6-second', 'x'));
    await deploy(t, cookie, 's6-first', 1, 'production');
    await deploy(t, cookie, 's6-second', 1, 'production');
    const first = await current(t, { cookie }, 's6-first', 'production');
    const second = await current(t, { cookie }, 's6-second', 'production');
    const key = await activeKey();
    expect(both(yamlBytesOf(first), first.signature!, key)).toBe(true);
    expect(both(yamlBytesOf(second), second.signature!, key)).toBe(true);
    expect(both(yamlBytesOf(second), first.signature!, key)).toBe(false);
    expect(both(yamlBytesOf(first), second.signature!, key)).toBe(false);
    // The signature covers the raw bytes, not the hash that names them.
    expect(both(Buffer.from(first.revision_hash, 'utf8'), first.signature!, key)).toBe(false);
  });

  it("never lets one tenant's key vouch for another tenant's bundle", async () => {
    const other = await t.otherTenant();
    await upload(t, other.cookie, bundleYaml('s6-first', 'x'));
    await deploy(t, other.cookie, 's6-first', 1, 'production');
    const theirs = await current(t, { cookie: other.cookie }, 's6-first', 'production');
    const mine = await current(t, { cookie }, 's6-first', 'production');
    expect(theirs.public_key).not.toBe(mine.public_key);
    // Same name and bytes, different tenants: each signature verifies only under its own key.
    expect(Buffer.from(yamlBytesOf(theirs)).equals(Buffer.from(yamlBytesOf(mine)))).toBe(true);
    expect(both(yamlBytesOf(mine), theirs.signature!, mine.public_key!)).toBe(false);
    expect(both(yamlBytesOf(theirs), mine.signature!, theirs.public_key!)).toBe(false);
  });

  it('serves yaml_bytes and the signature from the same row (hash, bytes and signature agree)', async () => {
    await upload(t, cookie, bundleYaml('s6-consistent', 'one'));
    await upload(t, cookie, bundleYaml('s6-consistent', 'two'));
    await deploy(t, cookie, 's6-consistent', 1, 'production');
    await deploy(t, cookie, 's6-consistent', 2, 'production');
    const served = await current(t, { cookie }, 's6-consistent', 'production');
    const raw = await t.request({ url: `/api/v1/bundles/s6-consistent/${served.version}/yaml`, cookie });
    expect(Buffer.from(yamlBytesOf(served)).equals(raw.rawPayload)).toBe(true);
    expect(both(raw.rawPayload, served.signature!, await activeKey())).toBe(true);
  });
});

/** The deployments service as buildApp wires it, over the same deps. */
function deploymentsOver(t: TestApp) {
  const signer = createBundleSigner(t.deps);
  return createDeploymentsService(t.ctx, signer, createServedBundles(t.ctx, signer));
}

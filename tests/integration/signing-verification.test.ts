import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import {
  bundleYaml,
  current,
  deploy,
  upload,
  verifyLikePythonSdk,
  verifyLikeTsSdk,
  watchBus,
  yamlBytesOf,
} from '../routes/bundles-helpers.js';

/** What an agent with `verifySignatures: true` and a pinned key does with a bundle it receives. */
function agentAccepts(
  payload: { yaml_bytes: string; signature: string | null },
  pinnedKeyHex: string,
): { ts: boolean; py: boolean } {
  if (!payload.signature) return { ts: false, py: false };
  const bytes = yamlBytesOf(payload);
  return {
    ts: verifyLikeTsSdk(bytes, payload.signature, pinnedKeyHex),
    py: verifyLikePythonSdk(bytes, payload.signature, pinnedKeyHex),
  };
}

describe('bundle signatures as the SDKs verify them', () => {
  let t: TestApp;
  let cookie: string;
  let pinned: string;
  beforeAll(async () => {
    t = await createTestApp();
    cookie = (await t.admin()).cookie;
    pinned = ((await t.request({ url: '/api/v1/settings/signing-key', cookie })).json() as { public_key: string }).public_key;
    await upload(t, cookie, bundleYaml('verified', 'one'));
    await upload(t, cookie, bundleYaml('verified', 'two ünïcödé'));
    await deploy(t, cookie, 'verified', 1, 'production');
  });
  afterAll(async () => t?.close());

  it('serves /current with a standard base64 signature both SDKs accept under the pinned key', async () => {
    const cur = await current(t, { cookie }, 'verified', 'production');
    expect(cur.public_key).toBe(pinned);
    expect(Buffer.from(cur.signature!, 'base64').toString('base64')).toBe(cur.signature);
    expect(agentAccepts(cur, pinned)).toEqual({ ts: true, py: true });
    expect(createHash('sha256').update(yamlBytesOf(cur)).digest('hex')).toBe(cur.revision_hash);
  });

  it('serves the same to an agent with a key of that env', async () => {
    const key = await t.apiKey(cookie, 'production');
    const cur = await current(t, { apiKey: key }, 'verified', 'production');
    expect(agentAccepts(cur, pinned)).toEqual({ ts: true, py: true });
  });

  it('fails verification for tampered bytes, a truncated document or a flipped signature bit', async () => {
    const cur = await current(t, { cookie }, 'verified', 'production');
    const bytes = yamlBytesOf(cur);
    const tampered = new Uint8Array(bytes);
    tampered[tampered.length - 2] = tampered[tampered.length - 2]! ^ 0x01;
    expect(verifyLikeTsSdk(tampered, cur.signature!, pinned)).toBe(false);
    expect(verifyLikePythonSdk(tampered, cur.signature!, pinned)).toBe(false);
    expect(verifyLikeTsSdk(bytes.subarray(0, bytes.length - 1), cur.signature!, pinned)).toBe(false);
    const sig = Buffer.from(cur.signature!, 'base64');
    sig[0] = sig[0]! ^ 0x80;
    expect(verifyLikeTsSdk(bytes, sig.toString('base64'), pinned)).toBe(false);
    expect(verifyLikePythonSdk(bytes, sig.toString('base64'), pinned)).toBe(false);
  });

  it('is rejected by the SDKs when the hex encoding is sent where base64 is expected (why decision 2 exists)', async () => {
    const cur = await current(t, { cookie }, 'verified', 'production');
    const bytes = yamlBytesOf(cur);
    expect(verifyLikeTsSdk(bytes, cur.signature_hex!, pinned)).toBe(false);
    expect(verifyLikePythonSdk(bytes, cur.signature_hex!, pinned)).toBe(false);
  });

  it('pushes a contract_update whose signature verifies under the pinned key', async () => {
    const bus = watchBus(t);
    try {
      await deploy(t, cookie, 'verified', 2, 'staging');
      const m = await bus.next((x) => x.topic === 'agents' && x.type === 'contract_update' && x.env === 'staging');
      expect(agentAccepts(m.data as { yaml_bytes: string; signature: string }, pinned)).toEqual({ ts: true, py: true });
      expect(m.data.public_key).toBe(pinned);
    } finally {
      bus.stop();
    }
  });

  it('after a rotation, what is deployed verifies only under the new key, and is pushed again at once', async () => {
    const bus = watchBus(t);
    let rotated: { public_key: string; deployments_re_signed: number };
    try {
      rotated = (await t.request({ method: 'POST', url: '/api/v1/settings/rotate-signing-key', cookie })).json() as typeof rotated;
      // Every current deployment goes out again to its agents, re-signed, with the new key.
      for (const env of ['production', 'staging']) {
        const m = await bus.next((x) => x.topic === 'agents' && x.type === 'contract_update' && x.env === env && x.bundleName === 'verified');
        expect(m.data.public_key).toBe(rotated.public_key);
        expect(agentAccepts(m.data as { yaml_bytes: string; signature: string }, rotated.public_key)).toEqual({ ts: true, py: true });
        expect(agentAccepts(m.data as { yaml_bytes: string; signature: string }, pinned)).toEqual({ ts: false, py: false });
      }
    } finally {
      bus.stop();
    }
    expect(rotated.deployments_re_signed).toBe(2);
    for (const env of ['production', 'staging']) {
      const cur = await current(t, { cookie }, 'verified', env);
      expect(cur.public_key).toBe(rotated.public_key);
      expect(agentAccepts(cur, rotated.public_key)).toEqual({ ts: true, py: true });
      expect(agentAccepts(cur, pinned)).toEqual({ ts: false, py: false });
    }
    pinned = rotated.public_key;
  });

  it('deploying an old version after a rotation serves a signature by the new key', async () => {
    await upload(t, cookie, bundleYaml('old-version', 'first'));
    await upload(t, cookie, bundleYaml('old-version', 'second'));
    await deploy(t, cookie, 'old-version', 1, 'production');
    await deploy(t, cookie, 'old-version', 2, 'production'); // v1 is signed, then stops being current
    const rotated = (await t.request({ method: 'POST', url: '/api/v1/settings/rotate-signing-key', cookie })).json() as {
      public_key: string;
    };
    const bus = watchBus(t);
    try {
      await deploy(t, cookie, 'old-version', 1, 'production');
      const cur = await current(t, { cookie }, 'old-version', 'production');
      expect(cur.version).toBe(1);
      expect(agentAccepts(cur, rotated.public_key)).toEqual({ ts: true, py: true });
      // (The rotation's own re-push of v2 may reach a Redis bus subscriber late: wait for v1.)
      const push = await bus.next((x) => x.topic === 'agents' && x.bundleName === 'old-version' && x.data.version === 1);
      expect(push.data.version).toBe(1);
      expect(agentAccepts(push.data as { yaml_bytes: string; signature: string }, rotated.public_key)).toEqual({
        ts: true,
        py: true,
      });
    } finally {
      bus.stop();
    }
  });
});

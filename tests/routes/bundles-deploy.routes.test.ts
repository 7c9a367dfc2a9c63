import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServedBundles } from '../../src/modules/breakglass/served-bundle.js';
import { createBundleSigner } from '../../src/modules/bundles/bundle-signatures.js';
import { createDeploymentsService } from '../../src/modules/bundles/deployments.service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { bundleYaml, current, deploy, upload, watchBus } from './bundles-helpers.js';

interface Problem {
  loc: (string | number)[];
  msg: string;
}

describe('deploy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    const a = await t.admin();
    await upload(t, a.cookie, bundleYaml('svc', 'one'));
    await upload(t, a.cookie, bundleYaml('svc', 'two'));
  });
  afterAll(async () => t?.close());

  const url = '/api/v1/bundles/svc/1/deploy';

  it('refuses a deploy without a credential', async () => {
    expect((await t.request({ method: 'POST', url, payload: { env: 'production' } })).statusCode).toBe(401);
  });

  it('refuses an API key on deploy', async () => {
    const a = await t.admin();
    const key = await t.apiKey(a.cookie, 'production');
    expect((await t.request({ method: 'POST', url, apiKey: key, payload: { env: 'production' } })).statusCode).toBe(403);
  });

  it("answers 404 when deploying another tenant's bundle, and deploys nothing", async () => {
    const other = await t.otherTenant();
    const res = await t.request({ method: 'POST', url, cookie: other.cookie, payload: { env: 'production' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: "Bundle 'svc' version 1 not found" });
    expect((await t.request({ url: '/api/v1/deployments', cookie: other.cookie })).json()).toEqual([]);
  });

  it('names the field for a bad env, a missing env, an extra field or a bad version', async () => {
    const a = await t.admin();
    const post = (u: string, payload: object) => t.request({ method: 'POST', url: u, cookie: a.cookie, payload });
    const locs = async (u: string, payload: object) =>
      ((await post(u, payload)).json() as { detail: Problem[] }).detail.map((d) => d.loc.join('.'));
    expect(await locs(url, { env: 'bad env!' })).toEqual(['body.env']);
    expect(await locs(url, { env: 'x'.repeat(65) })).toEqual(['body.env']);
    expect(await locs(url, {})).toEqual(['body.env']);
    expect((await post(url, { env: 'production', force: true })).statusCode).toBe(422);
    expect(await locs('/api/v1/bundles/svc/0/deploy', { env: 'production' })).toEqual(['path.version']);
    expect((await post('/api/v1/bundles/svc/7/deploy', { env: 'production' })).statusCode).toBe(404);
  });

  it('deploys to any safe env identifier and answers DeploymentResponse', async () => {
    const a = await t.admin();
    const res = await t.request({ method: 'POST', url, cookie: a.cookie, payload: { env: 'eu-west.prod_2' } });
    expect(res.statusCode).toBe(201);
    const body = res.json() as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['bundle_name', 'bundle_version', 'created_at', 'deployed_by', 'env', 'id']);
    expect(body).toMatchObject({ env: 'eu-west.prod_2', bundle_name: 'svc', bundle_version: 1, deployed_by: a.email });
  });

  it('pushes exactly one contract_update to agents of that env and bundle, plus the dashboard events', async () => {
    const a = await t.admin();
    const bus = watchBus(t);
    try {
      await deploy(t, a.cookie, 'svc', 2, 'staging');
      // bundle_deployed is published last: once it is here, everything before it is too.
      await bus.next((m) => m.type === 'bundle_deployed' && m.data.env === 'staging');
      // With Redis, a previous test's pushes may still be arriving: look at this deploy's only.
      const toAgents = bus.messages.filter((m) => m.topic === 'agents' && m.env === 'staging');
      expect(toAgents).toHaveLength(1);
      const push = toAgents[0]!;
      expect(push).toMatchObject({ tenantId: a.tenantId, env: 'staging', bundleName: 'svc', type: 'contract_update' });
      expect(push.agentId).toBeUndefined();
      const cur = await current(t, { cookie: a.cookie }, 'svc', 'staging');
      const { _ruleset: ruleset, ...oldGeneration } = push.data as Record<string, unknown> & { _ruleset: { revision_hash: string } };
      expect(oldGeneration).toEqual({
        type: 'contract_update',
        bundle_name: 'svc',
        version: 2,
        revision_hash: cur.revision_hash,
        signature: cur.signature,
        signature_hex: cur.signature_hex,
        public_key: cur.public_key,
        yaml_bytes: cur.yaml_bytes,
      });
      // The same message carries the Ruleset rendering for current-generation streams (decision 16).
      expect(Object.keys(ruleset).sort()).toEqual(['revision_hash', 'signature', 'signature_hex', 'yaml_bytes']);
      const dash = bus.messages.filter((m) => m.topic === 'dashboard' && m.data.version === 2);
      expect(dash.map((m) => m.type)).toEqual(['contract_update', 'bundle_deployed']);
      expect(dash[0]!.data).toEqual({ ...oldGeneration, ruleset_revision_hash: ruleset.revision_hash });
      expect(dash[1]!.data).toEqual({
        type: 'bundle_deployed',
        bundle_name: 'svc',
        version: 2,
        env: 'staging',
        deployed_by: a.email,
      });
    } finally {
      bus.stop();
    }
  });

  it('makes the latest deployment current, so a rollback is a deploy of an older version', async () => {
    const a = await t.admin();
    await deploy(t, a.cookie, 'svc', 2, 'rollback-env');
    expect((await current(t, { cookie: a.cookie }, 'svc', 'rollback-env')).version).toBe(2);
    await deploy(t, a.cookie, 'svc', 1, 'rollback-env');
    expect((await current(t, { cookie: a.cookie }, 'svc', 'rollback-env')).version).toBe(1);
  });

  it('exposes the deployed revision and the signed update through the BundlesApi seam', async () => {
    const a = await t.admin();
    await deploy(t, a.cookie, 'svc', 2, 'seam');
    const cur = await current(t, { cookie: a.cookie }, 'svc', 'seam');
    // buildApp does not expose the seam it wired; build the same one over the same deps.
    const seam = deploymentsOver(t).api();
    expect(await seam.deployedRevision(a.tenantId, 'seam', 'svc')).toBe(cur.revision_hash);
    expect(await seam.deployedRevision(a.tenantId, 'nowhere', 'svc')).toBeNull();
    const other = await t.otherTenant();
    expect(await seam.deployedRevision(other.tenantId, 'seam', 'svc')).toBeNull();
    const update = await seam.currentUpdate(a.tenantId, 'seam', 'svc');
    expect(update).toMatchObject({
      type: 'contract_update',
      version: 2,
      signature: cur.signature,
      public_key: cur.public_key,
      yaml_bytes: cur.yaml_bytes,
    });
    expect(await seam.currentUpdate(a.tenantId, 'seam', 'missing')).toBeNull();
  });
});

describe('deployment history', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    const a = await t.admin();
    await upload(t, a.cookie, bundleYaml('hist-a'));
    await upload(t, a.cookie, bundleYaml('hist-b'));
    await deploy(t, a.cookie, 'hist-a', 1, 'production');
    await deploy(t, a.cookie, 'hist-b', 1, 'production');
    await deploy(t, a.cookie, 'hist-a', 1, 'staging');
  });
  afterAll(async () => t?.close());

  it('refuses the history without a session', async () => {
    expect((await t.request({ url: '/api/v1/deployments' })).statusCode).toBe(401);
    const a = await t.admin();
    const key = await t.apiKey(a.cookie, 'production');
    expect((await t.request({ url: '/api/v1/deployments', apiKey: key })).statusCode).toBe(403);
  });

  it('lists deployments newest first, filtered by env and bundle name, limited', async () => {
    const a = await t.admin();
    const get = async (q: string) =>
      (await t.request({ url: `/api/v1/deployments${q}`, cookie: a.cookie })).json() as { env: string; bundle_name: string }[];
    expect((await get('')).map((d) => [d.bundle_name, d.env])).toEqual([
      ['hist-a', 'staging'],
      ['hist-b', 'production'],
      ['hist-a', 'production'],
    ]);
    expect((await get('?env=production')).map((d) => d.bundle_name)).toEqual(['hist-b', 'hist-a']);
    expect((await get('?bundle_name=hist-a')).map((d) => d.env)).toEqual(['staging', 'production']);
    expect((await get('?bundle_name=hist-a&env=staging')).length).toBe(1);
    expect((await get('?limit=1')).length).toBe(1);
  });

  it("never shows another tenant's deployments", async () => {
    const other = await t.otherTenant();
    expect((await t.request({ url: '/api/v1/deployments', cookie: other.cookie })).json()).toEqual([]);
  });

  it('names the query field on a bad limit, env or bundle name', async () => {
    const a = await t.admin();
    for (const [q, field] of [
      ['?limit=0', 'limit'],
      ['?limit=201', 'limit'],
      ['?limit=abc', 'limit'],
      ['?env=%20x', 'env'],
      ['?bundle_name=UPPER', 'bundle_name'],
    ] as const) {
      const res = await t.request({ url: `/api/v1/deployments${q}`, cookie: a.cookie });
      expect(res.statusCode, q).toBe(422);
      expect((res.json() as { detail: Problem[] }).detail[0]!.loc, q).toEqual(['query', field]);
    }
  });
});

/** The deployments service as buildApp wires it, over the same deps. */
function deploymentsOver(t: TestApp) {
  const signer = createBundleSigner(t.deps);
  return createDeploymentsService(t.ctx, signer, createServedBundles(t.ctx, signer));
}

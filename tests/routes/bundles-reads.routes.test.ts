import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { bundleYaml, deploy, upload, type BundleJson } from './bundles-helpers.js';

interface Problem {
  loc: (string | number)[];
  msg: string;
  path: string;
  line: number | null;
}

describe('bundle reads', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    const a = await t.admin();
    await upload(t, a.cookie, bundleYaml('alpha', 'one', 1));
    await upload(t, a.cookie, bundleYaml('alpha', 'two', 3));
    await upload(t, a.cookie, bundleYaml('beta'));
    await deploy(t, a.cookie, 'alpha', 1, 'production');
    await deploy(t, a.cookie, 'alpha', 2, 'eu-west.prod_2');
  });
  afterAll(async () => t?.close());

  it('refuses every read without a credential', async () => {
    for (const url of [
      '/api/v1/bundles',
      '/api/v1/bundles/alpha',
      '/api/v1/bundles/alpha/1',
      '/api/v1/bundles/alpha/1/yaml',
      '/api/v1/bundles/alpha/current?env=production',
    ]) {
      expect((await t.request({ url })).statusCode, url).toBe(401);
    }
  });

  it('lists summaries, most recent upload first, with envs and contract counts', async () => {
    const a = await t.admin();
    const res = await t.request({ url: '/api/v1/bundles', cookie: a.cookie });
    expect(res.statusCode).toBe(200);
    const list = res.json() as Record<string, unknown>[];
    expect(list.map((b) => b.name)).toEqual(['beta', 'alpha']);
    expect(list[1]).toMatchObject({
      name: 'alpha',
      latest_version: 2,
      version_count: 2,
      deployed_envs: ['eu-west.prod_2', 'production'],
      contract_count: 3,
    });
    expect(list[1]!.last_deployed_at).toEqual(expect.any(String));
    expect(list[0]).toMatchObject({ name: 'beta', deployed_envs: [], last_deployed_at: null, contract_count: 1 });
  });

  it('lists the versions of a name newest first with the envs each one runs in', async () => {
    const a = await t.admin();
    const res = await t.request({ url: '/api/v1/bundles/alpha', cookie: a.cookie });
    expect(res.statusCode).toBe(200);
    const versions = res.json() as (BundleJson & { deployed_envs: string[] })[];
    expect(versions.map((v) => [v.version, v.deployed_envs])).toEqual([
      [2, ['eu-west.prod_2']],
      [1, ['production']],
    ]);
    expect(versions[1]!.signature_hex).toMatch(/^[0-9a-f]{128}$/);
  });

  it('answers 404 for a missing name or version and 422 for a malformed one', async () => {
    const a = await t.admin();
    expect((await t.request({ url: '/api/v1/bundles/nope', cookie: a.cookie })).json()).toEqual({
      detail: "Bundle 'nope' not found",
    });
    expect((await t.request({ url: '/api/v1/bundles/alpha/9', cookie: a.cookie })).json()).toEqual({
      detail: "Bundle 'alpha' v9 not found",
    });
    expect((await t.request({ url: '/api/v1/bundles/alpha/9/yaml', cookie: a.cookie })).statusCode).toBe(404);
    const badName = await t.request({ url: '/api/v1/bundles/Bad%20Name', cookie: a.cookie });
    expect(badName.statusCode).toBe(422);
    expect((badName.json() as { detail: Problem[] }).detail[0]!.loc).toEqual(['path', 'name']);
    expect((await t.request({ url: `/api/v1/bundles/${'a'.repeat(129)}`, cookie: a.cookie })).statusCode).toBe(422);
    for (const v of ['0', '1e3', '-1', '99999999999', 'x']) {
      const res = await t.request({ url: `/api/v1/bundles/alpha/${v}`, cookie: a.cookie });
      expect(res.statusCode, v).toBe(422);
      expect((res.json() as { detail: Problem[] }).detail[0]!.loc).toEqual(['path', 'version']);
    }
  });

  it('keeps every bundle read of another tenant a 404', async () => {
    const other = await t.otherTenant();
    const c = other.cookie;
    expect((await t.request({ url: '/api/v1/bundles', cookie: c })).json()).toEqual([]);
    expect((await t.request({ url: '/api/v1/bundles/alpha', cookie: c })).statusCode).toBe(404);
    expect((await t.request({ url: '/api/v1/bundles/alpha/1', cookie: c })).statusCode).toBe(404);
    expect((await t.request({ url: '/api/v1/bundles/alpha/1/yaml', cookie: c })).statusCode).toBe(404);
    expect((await t.request({ url: '/api/v1/bundles/alpha/current?env=production', cookie: c })).statusCode).toBe(404);
    const theirKey = await t.apiKey(c);
    expect((await t.request({ url: '/api/v1/bundles/alpha/current?env=production', apiKey: theirKey })).statusCode).toBe(404);
  });

  it('keeps the version history session-only', async () => {
    const a = await t.admin();
    const key = await t.apiKey(a.cookie, 'production');
    expect((await t.request({ url: '/api/v1/bundles/alpha', apiKey: key })).statusCode).toBe(403);
  });

  it('requires env on /current and names it', async () => {
    const a = await t.admin();
    for (const url of [
      '/api/v1/bundles/alpha/current',
      '/api/v1/bundles/alpha/current?env=-bad',
      '/api/v1/bundles/alpha/current?env=production&x=1',
    ]) {
      const res = await t.request({ url, cookie: a.cookie });
      expect(res.statusCode, url).toBe(422);
      expect((res.json() as { detail: Problem[] }).detail[0]!.loc[0]).toBe('query');
    }
  });

  it('answers /current with the deployed version, its bytes and the signature fields', async () => {
    const a = await t.admin();
    const res = await t.request({ url: '/api/v1/bundles/alpha/current?env=production', cookie: a.cookie });
    expect(res.statusCode).toBe(200);
    const body = res.json() as Record<string, unknown>;
    expect(body).toMatchObject({ name: 'alpha', version: 1 });
    expect(Buffer.from(body.yaml_bytes as string, 'base64').toString('utf8')).toBe(bundleYaml('alpha', 'one', 1));
    expect(body.signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(Buffer.from(body.signature as string, 'base64').toString('hex')).toBe(body.signature_hex);
    expect(body.public_key).toMatch(/^[0-9a-f]{64}$/);
    const missing = await t.request({ url: '/api/v1/bundles/beta/current?env=production', cookie: a.cookie });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: "No deployed bundle 'beta' for env 'production'" });
  });
});

describe('API key env scoping on bundles', () => {
  let t: TestApp;
  let prodKey: string;
  let stagingKey: string;
  beforeAll(async () => {
    t = await createTestApp();
    const a = await t.admin();
    await upload(t, a.cookie, bundleYaml('scoped', 'one'));
    await upload(t, a.cookie, bundleYaml('scoped', 'two', 2));
    await upload(t, a.cookie, bundleYaml('never-deployed'));
    await deploy(t, a.cookie, 'scoped', 1, 'production');
    prodKey = await t.apiKey(a.cookie, 'production');
    stagingKey = await t.apiKey(a.cookie, 'staging');
  });
  afterAll(async () => t?.close());

  it('refuses a staging key on /current for production, naming the key env and never the key', async () => {
    const res = await t.request({ url: '/api/v1/bundles/scoped/current?env=production', apiKey: stagingKey });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ detail: "API key is scoped to 'staging', cannot access env 'production'." });
    expect(res.body).not.toContain(stagingKey);
  });

  it('serves /current to a key of the same env', async () => {
    const res = await t.request({ url: '/api/v1/bundles/scoped/current?env=production', apiKey: prodKey });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { version: number }).version).toBe(1);
  });

  it('lists nothing to a staging key when only production has deployments', async () => {
    const res = await t.request({ url: '/api/v1/bundles', apiKey: stagingKey });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([]);
  });

  it('lists to a production key only what production runs, counted over deployed versions', async () => {
    const res = await t.request({ url: '/api/v1/bundles', apiKey: prodKey });
    const list = res.json() as Record<string, unknown>[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      name: 'scoped',
      deployed_envs: ['production'],
      latest_version: 1,
      version_count: 1,
      contract_count: 1,
    });
  });

  it('hides versions and YAML an env does not run (404, not 403)', async () => {
    expect((await t.request({ url: '/api/v1/bundles/scoped/1', apiKey: prodKey })).statusCode).toBe(200);
    expect((await t.request({ url: '/api/v1/bundles/scoped/1/yaml', apiKey: prodKey })).statusCode).toBe(200);
    for (const [url, key] of [
      ['/api/v1/bundles/scoped/1', stagingKey],
      ['/api/v1/bundles/scoped/1/yaml', stagingKey],
      ['/api/v1/bundles/scoped/2', prodKey],
      ['/api/v1/bundles/scoped/2/yaml', prodKey],
      ['/api/v1/bundles/never-deployed/1', prodKey],
    ] as const) {
      const res = await t.request({ url, apiKey: key });
      expect(res.statusCode, url).toBe(404);
    }
  });

  it('lets a session read any env', async () => {
    const a = await t.admin();
    expect((await t.request({ url: '/api/v1/bundles/scoped/2', cookie: a.cookie })).statusCode).toBe(200);
    expect((await t.request({ url: '/api/v1/bundles/scoped/current?env=staging', cookie: a.cookie })).statusCode).toBe(404);
  });
});

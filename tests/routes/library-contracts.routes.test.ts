import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { watchBus } from './bundles-helpers.js';
import { createComposition, createContract, preDefinition } from './library-helpers.js';

interface Problem {
  loc: (string | number)[];
  msg: string;
}

/** The contract library (console-api.md 1.15): versioned rows, filters, usage, delete rules. */
describe('contract library', () => {
  let t: TestApp;
  let a: Principal;

  beforeAll(async () => {
    t = await createTestApp();
    a = await t.admin();
  });
  afterAll(async () => t?.close());

  it('refuses a request without a credential, an API key, and a non-admin session', async () => {
    expect((await t.request({ url: '/api/v1/contracts' })).statusCode).toBe(401);
    const key = await t.apiKey(a.cookie);
    expect((await t.request({ url: '/api/v1/contracts', apiKey: key })).statusCode).toBe(403);
    const member = await t.member();
    expect((await t.request({ url: '/api/v1/contracts', cookie: member.cookie })).statusCode).toBe(403);
    const post = await t.request({ method: 'POST', url: '/api/v1/contracts', cookie: member.cookie, payload: { contract_id: 'x', name: 'x', type: 'pre', definition: preDefinition() } });
    expect(post.statusCode).toBe(403);
  });

  it('creates version 1 with the reference shape and pushes contract_created', async () => {
    const bus = watchBus(t);
    const c = await createContract(t, a.cookie, 'shape-one', { description: 'first' });
    expect(Object.keys(c).sort()).toEqual(
      ['content_hash', 'contract_id', 'created_at', 'created_by', 'definition', 'description', 'id', 'is_latest', 'name', 'tags', 'tenant_id', 'type', 'usage_count', 'version', 'versions'].sort(),
    );
    expect(c).toMatchObject({ contract_id: 'shape-one', version: 1, type: 'pre', is_latest: true, tenant_id: a.tenantId, created_by: a.email, usage_count: 0 });
    expect(c.definition).toEqual(preDefinition());
    const m = await bus.next((x) => x.type === 'contract_created' && x.data.contract_id === 'shape-one');
    expect(m.data).toMatchObject({ contract_id: 'shape-one', version: 1 });
    bus.stop();
  });

  it('refuses a second create of the same id with the reference 409', async () => {
    await createContract(t, a.cookie, 'dup-id');
    const res = await t.request({ method: 'POST', url: '/api/v1/contracts', cookie: a.cookie, payload: { contract_id: 'dup-id', name: 'x', type: 'pre', definition: preDefinition() } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: "Contract 'dup-id' already exists. Use PUT to create a new version." });
  });

  it('validates every definition with the engine and names the field', async () => {
    const bad = await t.request({
      method: 'POST',
      url: '/api/v1/contracts',
      cookie: a.cookie,
      payload: { contract_id: 'bad-one', name: 'Bad', type: 'pre', definition: { tool: 'x', when: { 'args.a': { gt: 'ten' } }, then: { effect: 'deny', message: 'm' } } },
    });
    expect(bad.statusCode).toBe(422);
    const problems = (bad.json() as { detail: Problem[] }).detail;
    expect(problems[0]!.loc.slice(0, 3)).toEqual(['body', 'definition', 'when']);
    const wrongEffect = await t.request({
      method: 'POST',
      url: '/api/v1/contracts',
      cookie: a.cookie,
      payload: { contract_id: 'bad-two', name: 'Bad', type: 'session', definition: preDefinition() },
    });
    expect(wrongEffect.statusCode).toBe(422);
    expect(JSON.stringify(wrongEffect.json())).toContain('definition');
    const typeClash = await t.request({
      method: 'POST',
      url: '/api/v1/contracts',
      cookie: a.cookie,
      payload: { contract_id: 'bad-three', name: 'Bad', type: 'pre', definition: { ...preDefinition(), type: 'post' } },
    });
    expect((typeClash.json() as { detail: Problem[] }).detail[0]!.loc).toEqual(['body', 'definition', 'type']);
    const badId = await t.request({ method: 'POST', url: '/api/v1/contracts', cookie: a.cookie, payload: { contract_id: 'Bad Id', name: 'x', type: 'pre', definition: preDefinition() } });
    expect((badId.json() as { detail: Problem[] }).detail[0]!.loc).toEqual(['body', 'contract_id']);
    const huge = await t.request({ method: 'POST', url: '/api/v1/contracts', cookie: a.cookie, payload: { contract_id: 'huge', name: 'x', type: 'pre', definition: { ...preDefinition(), metadata: { blob: 'x'.repeat(70_000) } } } });
    expect(huge.statusCode).toBe(422);
    expect((huge.json() as { detail: Problem[] }).detail[0]!.loc).toEqual(['body', 'definition']);
    const tooManyTags = await t.request({ method: 'POST', url: '/api/v1/contracts', cookie: a.cookie, payload: { contract_id: 'tags', name: 'x', type: 'pre', definition: preDefinition(), tags: Array.from({ length: 21 }, (_, i) => `t${i}`) } });
    expect((tooManyTags.json() as { detail: Problem[] }).detail[0]!.loc).toEqual(['body', 'tags']);
    expect((await t.request({ url: '/api/v1/contracts/bad-one', cookie: a.cookie })).statusCode).toBe(404);
  });

  it('makes a new version on every edit and keeps the old ones readable', async () => {
    await createContract(t, a.cookie, 'versioned', { marker: 'one' });
    const bus = watchBus(t);
    const put = await t.request({ method: 'PUT', url: '/api/v1/contracts/versioned', cookie: a.cookie, payload: { definition: preDefinition('two') } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ version: 2, is_latest: true });
    const put3 = await t.request({ method: 'PUT', url: '/api/v1/contracts/versioned', cookie: a.cookie, payload: { tags: ['x'], name: 'Renamed' } });
    expect(put3.json()).toMatchObject({ version: 3, tags: ['x'], name: 'Renamed', definition: preDefinition('two') });
    expect((await bus.next((m) => m.type === 'contract_updated' && m.data.version === 3)).data).toMatchObject({ contract_id: 'versioned' });
    bus.stop();
    const detail = (await t.request({ url: '/api/v1/contracts/versioned', cookie: a.cookie })).json() as { version: number; versions: { version: number }[] };
    expect(detail.version).toBe(3);
    expect(detail.versions.map((v) => v.version)).toEqual([3, 2, 1]);
    const v1 = (await t.request({ url: '/api/v1/contracts/versioned/versions/1', cookie: a.cookie })).json() as Record<string, unknown>;
    expect(v1).toMatchObject({ version: 1, is_latest: false, definition: preDefinition('one'), versions: [] });
    expect((await t.request({ url: '/api/v1/contracts/versioned/versions/9', cookie: a.cookie })).statusCode).toBe(404);
    const empty = await t.request({ method: 'PUT', url: '/api/v1/contracts/versioned', cookie: a.cookie, payload: {} });
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toEqual({ detail: 'At least one field must be provided for update' });
    expect((await t.request({ method: 'PUT', url: '/api/v1/contracts/nope', cookie: a.cookie, payload: { name: 'x' } })).statusCode).toBe(404);
  });

  it('lists latest versions newest first, filtered by type, exact tag and escaped text', async () => {
    await createContract(t, a.cookie, 'filter-alpha', { tags: ['alpha', 'shared'], description: 'about 100% of refunds' });
    await createContract(t, a.cookie, 'filter-beta', { tags: ['beta', 'shared'] });
    const list = async (q: string) => ((await t.request({ url: `/api/v1/contracts${q}`, cookie: a.cookie })).json() as { contract_id: string }[]).map((c) => c.contract_id);
    const all = await list('');
    expect(all.indexOf('filter-beta')).toBeLessThan(all.indexOf('filter-alpha'));
    expect(new Set(all).size).toBe(all.length);
    expect(await list('?tag=alpha')).toEqual(['filter-alpha']);
    expect(await list('?tag=alph')).toEqual([]);
    expect(await list('?search=FILTER-')).toEqual(['filter-beta', 'filter-alpha']);
    expect(await list('?search=100%25')).toEqual(['filter-alpha']);
    expect(await list('?search=%25')).toEqual(['filter-alpha']);
    expect(await list('?type=session')).toEqual([]);
    expect((await t.request({ url: '/api/v1/contracts?type=bogus', cookie: a.cookie })).statusCode).toBe(422);
  });

  it('reports usage per composition and refuses delete while used, naming the users', async () => {
    await createContract(t, a.cookie, 'in-use');
    await createComposition(t, a.cookie, 'user-b', [{ contract_id: 'in-use' }]);
    await createComposition(t, a.cookie, 'user-a', [{ contract_id: 'in-use', follow_latest: true }]);
    const usage = (await t.request({ url: '/api/v1/contracts/in-use/usage', cookie: a.cookie })).json() as { composition_name: string; follow_latest: boolean; deployed: unknown[] }[];
    expect(usage.map((u) => [u.composition_name, u.follow_latest, u.deployed])).toEqual([
      ['user-a', true, []],
      ['user-b', false, []],
    ]);
    const summary = ((await t.request({ url: '/api/v1/contracts?search=in-use', cookie: a.cookie })).json() as { usage_count: number }[])[0];
    expect(summary?.usage_count).toBe(2);
    const del = await t.request({ method: 'DELETE', url: '/api/v1/contracts/in-use', cookie: a.cookie });
    expect(del.statusCode).toBe(409);
    expect(del.json()).toEqual({ detail: "Contract 'in-use' is referenced by compositions: user-a, user-b. Remove it from those first." });
    await t.request({ method: 'DELETE', url: '/api/v1/compositions/user-a', cookie: a.cookie });
    await t.request({ method: 'DELETE', url: '/api/v1/compositions/user-b', cookie: a.cookie });
    expect((await t.request({ method: 'DELETE', url: '/api/v1/contracts/in-use', cookie: a.cookie })).statusCode).toBe(204);
    expect((await t.request({ url: '/api/v1/contracts/in-use', cookie: a.cookie })).statusCode).toBe(404);
    expect((await t.request({ method: 'DELETE', url: '/api/v1/contracts/in-use', cookie: a.cookie })).statusCode).toBe(404);
    expect((await t.request({ url: '/api/v1/contracts/in-use/usage', cookie: a.cookie })).statusCode).toBe(404);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { IMPORT_YAML, createComposition, createContract, preDefinition } from '../routes/library-helpers.js';

type Json = Record<string, unknown>;

/**
 * Tenant isolation of every library route (as S3 does for the rest): tenant B's admin points each
 * route at tenant A's contracts, compositions, bundles and events. Reads are 404 (never 403) or
 * hold nothing of A's; writes change nothing of A's.
 */
describe('library tenant isolation', () => {
  let t: TestApp;
  let a: Principal;
  let b: Principal;
  let eventId: string;
  const SECRET = 'A-ONLY-9d2e';

  beforeAll(async () => {
    t = await createTestApp();
    a = await t.admin();
    b = await t.otherTenant();
    await createContract(t, a.cookie, 'a-contract', { marker: SECRET, description: SECRET });
    await createComposition(t, a.cookie, 'a-comp', [{ contract_id: 'a-contract', follow_latest: true }], { update_strategy: 'auto_deploy', description: SECRET });
    const dep = await t.request({ method: 'POST', url: '/api/v1/compositions/a-comp/deploy', cookie: a.cookie, payload: { env: 'production' } });
    expect(dep.statusCode, dep.body).toBe(201);
    const key = await t.apiKey(a.cookie);
    await t.request({
      method: 'POST',
      url: '/api/v1/events',
      apiKey: key,
      payload: { events: [{ call_id: randomUUID(), agent_id: 'a-agent', tool_name: 'a_tool', verdict: 'call_allowed', mode: 'enforce', timestamp: new Date().toISOString(), payload: { tool_args: { secret: SECRET } } }] },
    });
    eventId = ((await t.request({ url: '/api/v1/events', cookie: a.cookie })).json() as { id: string }[])[0]!.id;
  });
  afterAll(async () => t?.close());

  const asB = (method: string, url: string, payload?: unknown) =>
    t.request({ method: method as 'GET', url, cookie: b.cookie, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

  it('B reads nothing of A through the contract routes', async () => {
    expect((await asB('GET', '/api/v1/contracts')).json()).toEqual([]);
    expect((await asB('GET', '/api/v1/contracts?search=a-contract')).json()).toEqual([]);
    for (const url of ['/api/v1/contracts/a-contract', '/api/v1/contracts/a-contract/versions/1', '/api/v1/contracts/a-contract/usage']) {
      const res = await asB('GET', url);
      expect([url, res.statusCode, res.body.includes(SECRET)]).toEqual([url, 404, false]);
    }
  });

  it('B cannot write A contracts: update and delete are 404, create and import make B-only rows', async () => {
    expect((await asB('PUT', '/api/v1/contracts/a-contract', { name: 'hijack' })).statusCode).toBe(404);
    expect((await asB('DELETE', '/api/v1/contracts/a-contract')).statusCode).toBe(404);
    const mine = await asB('POST', '/api/v1/contracts', { contract_id: 'a-contract', name: 'B own', type: 'pre', definition: preDefinition('b') });
    expect(mine.statusCode).toBe(201);
    expect(mine.json()).toMatchObject({ version: 1, tenant_id: b.tenantId });
    const imported = await asB('POST', '/api/v1/contracts/import', { yaml_content: IMPORT_YAML });
    expect(imported.statusCode).toBe(201);
    const added = await asB('POST', '/api/v1/contract-templates/coding-workstation/add', {});
    expect(added.statusCode).toBe(201);
    expect((await asB('GET', '/api/v1/contract-templates')).statusCode).toBe(200);
  });

  it('B reads and writes nothing of A through the composition routes', async () => {
    expect(((await asB('GET', '/api/v1/compositions')).json() as Json[]).map((c) => c.name)).not.toContain('a-comp');
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/v1/compositions/a-comp'],
      ['PUT', '/api/v1/compositions/a-comp', { description: 'hijack' }],
      ['POST', '/api/v1/compositions/a-comp/preview'],
      ['POST', '/api/v1/compositions/a-comp/deploy', { env: 'production' }],
      ['POST', '/api/v1/compositions/a-comp/promote', {}],
      ['POST', '/api/v1/compositions/a-comp/diff', { impact_days: 0 }],
      ['POST', '/api/v1/bundles/a-comp/diff', { from: 1, to: 1, impact_days: 0 }],
      ['DELETE', '/api/v1/compositions/a-comp'],
    ];
    for (const [method, url, payload] of calls) {
      const res = await asB(method, url, payload);
      expect([method, url, res.statusCode, res.body.includes(SECRET)]).toEqual([method, url, 404, false]);
    }
  });

  it("B cannot compose A's contracts or draft from A's events and approvals", async () => {
    await createContract(t, a.cookie, 'only-in-a');
    const res = await asB('POST', '/api/v1/compositions', { name: 'b-comp', contracts: [{ contract_id: 'only-in-a', position: 1 }] });
    expect(res.statusCode).toBe(422);
    expect(JSON.stringify(res.json())).toContain("Contract 'only-in-a' not found");
    expect((await asB('POST', '/api/v1/contracts/draft-from-event', { event_id: eventId })).statusCode).toBe(404);
    const save = await asB('POST', '/api/v1/contracts/from-event', { event_id: eventId, contract: { contract_id: 'x-from-a', name: 'x', definition: preDefinition() } });
    expect(save.statusCode).toBe(404);
    expect(save.body.includes(SECRET)).toBe(false);
  });

  it("leaves A's library, composition and deployment exactly as they were", async () => {
    const c = (await t.request({ url: '/api/v1/contracts/a-contract', cookie: a.cookie })).json() as Json;
    expect(c).toMatchObject({ version: 1, name: 'Contract a-contract', tenant_id: a.tenantId });
    const comp = (await t.request({ url: '/api/v1/compositions/a-comp', cookie: a.cookie })).json() as Json;
    expect(comp).toMatchObject({ description: SECRET, contract_count: 1, deployments: [expect.objectContaining({ env: 'production', bundle_version: 1 })] });
    const deps = (await t.request({ url: '/api/v1/deployments?bundle_name=a-comp', cookie: a.cookie })).json() as Json[];
    expect(deps).toHaveLength(1);
    // B's own `a-contract` edit does not touch A's auto_deploy composition.
    await t.request({ method: 'PUT', url: '/api/v1/contracts/a-contract', cookie: b.cookie, payload: { definition: preDefinition('b2') } });
    expect(((await t.request({ url: '/api/v1/deployments?bundle_name=a-comp', cookie: a.cookie })).json() as Json[]).length).toBe(1);
  });
});

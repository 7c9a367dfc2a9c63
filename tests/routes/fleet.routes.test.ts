import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp, Principal } from '../helpers/test-app.js';
import { agentStream, createStreamApp, uploadAndDeploy } from '../helpers/stream-kit.js';
import type { SseClient } from '../helpers/sse-client.js';
import { postEvents, tsEvent } from '../helpers/events-fixtures.js';
import { WAIT_MS } from '../helpers/wait.js';

const locs = (res: LightMyRequestResponse) =>
  (res.json() as { detail: { loc: (string | number)[] }[] }).detail.map((d) => d.loc.join('.'));

/** Fleet routes (console-api.md 1.12 /agents/status, 1.13, 1.14): auth, isolation, input, behaviour. */
describe('fleet routes', () => {
  let t: TestApp;
  let base: string;
  let admin: Principal;
  let other: Principal;
  let key: string;
  const open: SseClient[] = [];
  const connect = async (agentId: string, query: Record<string, string>, k = key) => {
    const c = await agentStream(base, k, { env: 'production', ...query }, agentId);
    expect(c.status).toBe(200);
    open.push(c);
    return c;
  };
  const rule = (cookie: string, payload: Record<string, unknown>) =>
    t.request({ method: 'POST', url: '/api/v1/assignment-rules', cookie, payload });

  beforeAll(async () => {
    t = await createStreamApp();
    base = await t.listen();
    admin = await t.admin();
    other = await t.otherTenant();
    key = await t.apiKey(admin.cookie, 'production');
    await connect('fleet-1', {});
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t?.close();
  });

  const routes: { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; payload?: Record<string, unknown> }[] = [
    { method: 'GET', url: '/api/v1/agent-registrations' },
    { method: 'PATCH', url: '/api/v1/agent-registrations/fleet-1', payload: { display_name: 'x' } },
    { method: 'POST', url: '/api/v1/agent-registrations/bulk-assign', payload: { agent_ids: ['fleet-1'], bundle_name: 'b' } },
    { method: 'GET', url: '/api/v1/assignment-rules' },
    {
      method: 'POST',
      url: '/api/v1/assignment-rules',
      payload: { priority: 1, pattern: '*', bundle_name: 'b', env: 'production' },
    },
    { method: 'PATCH', url: '/api/v1/assignment-rules/00000000-0000-4000-8000-000000000000', payload: { priority: 2 } },
    { method: 'DELETE', url: '/api/v1/assignment-rules/00000000-0000-4000-8000-000000000000' },
    { method: 'GET', url: '/api/v1/assignment-rules/resolve/fleet-1?env=production' },
    { method: 'GET', url: '/api/v1/agents/status' },
  ];

  it('answers 401 on every fleet route without a credential', async () => {
    for (const r of routes) {
      const res = await t.request({ ...r });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });

  it('answers 403 on every fleet route to an API key', async () => {
    for (const r of routes) {
      const res = await t.request({ ...r, apiKey: key });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
    }
  });

  it("lists registrations with the resolved bundle, and never another tenant's", async () => {
    await rule(admin.cookie, { priority: 100, pattern: 'fleet-?', bundle_name: 'rule-bundle', env: 'staging' });
    const res = await t.request({ url: '/api/v1/agent-registrations', cookie: admin.cookie });
    expect(res.statusCode).toBe(200);
    const reg = (res.json() as Record<string, unknown>[]).find((r) => r.agent_id === 'fleet-1');
    // Resolved with all rules, whatever their env (console-api.md 1.13).
    expect(reg).toMatchObject({
      agent_id: 'fleet-1',
      bundle_name: null,
      resolved_bundle: 'rule-bundle',
      display_name: null,
      tags: {},
    });
    expect((await t.request({ url: '/api/v1/agent-registrations', cookie: other.cookie })).json()).toEqual([]);
  });

  it('patches display name, tags and explicit bundle; "" clears the bundle', async () => {
    const res = await t.request({
      method: 'PATCH',
      url: '/api/v1/agent-registrations/fleet-1',
      cookie: admin.cookie,
      payload: { display_name: 'Fleet One', tags: { team: 'red', tier: 2 }, bundle_name: 'explicit-b' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      display_name: 'Fleet One',
      tags: { team: 'red', tier: 2 },
      bundle_name: 'explicit-b',
      resolved_bundle: 'explicit-b',
    });
    const cleared = await t.request({
      method: 'PATCH',
      url: '/api/v1/agent-registrations/fleet-1',
      cookie: admin.cookie,
      payload: { bundle_name: '' },
    });
    expect(cleared.json()).toMatchObject({ bundle_name: null, display_name: 'Fleet One' });
  });

  it("answers 404 for an unknown agent and for another tenant's agent", async () => {
    const unknown = await t.request({
      method: 'PATCH',
      url: '/api/v1/agent-registrations/nobody',
      cookie: admin.cookie,
      payload: { display_name: 'x' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ detail: 'Agent not found' });
    const cross = await t.request({
      method: 'PATCH',
      url: '/api/v1/agent-registrations/fleet-1',
      cookie: other.cookie,
      payload: { bundle_name: 'hijack' },
    });
    expect(cross.statusCode).toBe(404);
    const bulk = await t.request({
      method: 'POST',
      url: '/api/v1/agent-registrations/bulk-assign',
      cookie: other.cookie,
      payload: { agent_ids: ['fleet-1'], bundle_name: 'hijack' },
    });
    expect(bulk.json()).toEqual({ updated: 0 });
    const mine = (await t.request({ url: '/api/v1/agent-registrations', cookie: admin.cookie })).json() as {
      agent_id: string;
      bundle_name: string | null;
    }[];
    expect(mine.find((r) => r.agent_id === 'fleet-1')?.bundle_name).toBeNull();
  });

  it('names the field on bad registration input', async () => {
    const patch = await t.request({
      method: 'PATCH',
      url: '/api/v1/agent-registrations/fleet-1',
      cookie: admin.cookie,
      payload: { display_name: 'x'.repeat(256), tags: { nested: { a: 1 } }, bundle_name: '../etc', extra: true },
    });
    expect(patch.statusCode).toBe(422);
    expect(locs(patch)).toEqual(expect.arrayContaining(['body.display_name', 'body.tags.nested', 'body.bundle_name', 'body']));
    const bulk = await t.request({
      method: 'POST',
      url: '/api/v1/agent-registrations/bulk-assign',
      cookie: admin.cookie,
      payload: { agent_ids: [], bundle_name: 'ok' },
    });
    expect(locs(bulk)).toContain('body.agent_ids');
    const many = Array.from({ length: 101 }, (_, i) => `a${i}`);
    const tooMany = await t.request({
      method: 'POST',
      url: '/api/v1/agent-registrations/bulk-assign',
      cookie: admin.cookie,
      payload: { agent_ids: many, bundle_name: 'ok' },
    });
    expect(locs(tooMany)).toContain('body.agent_ids');
  });

  describe('assignment rules', () => {
    it('creates rules, lists them by priority, and refuses a taken priority with 409', async () => {
      const b = await rule(admin.cookie, {
        priority: 7,
        pattern: 'web-[0-9]*',
        bundle_name: 'web',
        env: 'production',
        tag_match: { team: 'red' },
      });
      expect(b.statusCode).toBe(201);
      expect(b.json()).toMatchObject({
        priority: 7,
        pattern: 'web-[0-9]*',
        tag_match: { team: 'red' },
        bundle_name: 'web',
        env: 'production',
      });
      await rule(admin.cookie, { priority: 3, pattern: 'db-*', bundle_name: 'db', env: 'production' });
      const dup = await rule(admin.cookie, { priority: 7, pattern: 'x', bundle_name: 'x', env: 'production' });
      expect(dup.statusCode).toBe(409);
      expect(dup.json()).toEqual({ detail: 'Priority 7 already exists for this tenant' });
      const list = (await t.request({ url: '/api/v1/assignment-rules', cookie: admin.cookie })).json() as { priority: number }[];
      const prios = list.map((r) => r.priority);
      expect(prios).toEqual([...prios].sort((x, y) => x - y));
      expect((await t.request({ url: '/api/v1/assignment-rules', cookie: other.cookie })).json()).toEqual([]);
    });

    it('names the field on a bad rule: glob, characters, priority, env, bundle name, unknown field', async () => {
      const bad = await rule(admin.cookie, { priority: -1, pattern: 'a/b', bundle_name: 'bad name', env: '-x', extra: 1 });
      expect(bad.statusCode).toBe(422);
      expect(locs(bad)).toEqual(
        expect.arrayContaining(['body.priority', 'body.pattern', 'body.bundle_name', 'body.env', 'body']),
      );
      for (const pattern of ['web-[0-9', '[]', 'a\\b', '', 'x'.repeat(201), 'caf\u00e9']) {
        const res = await rule(admin.cookie, { priority: 999, pattern, bundle_name: 'b', env: 'production' });
        expect(res.statusCode, pattern).toBe(422);
        expect(locs(res), pattern).toContain('body.pattern');
      }
    });

    it('updates a rule (nulls ignored), 409 on a taken priority, 404 for unknown or foreign ids, deletes it', async () => {
      const created = (
        await rule(admin.cookie, { priority: 40, pattern: 'upd-*', bundle_name: 'u1', env: 'production' })
      ).json() as { id: string };
      await rule(admin.cookie, { priority: 41, pattern: 'z', bundle_name: 'z', env: 'production' });
      const url = `/api/v1/assignment-rules/${created.id}`;
      const upd = await t.request({ method: 'PATCH', url, cookie: admin.cookie, payload: { bundle_name: 'u2', pattern: null } });
      expect(upd.json()).toMatchObject({ bundle_name: 'u2', pattern: 'upd-*', priority: 40 });
      const clash = await t.request({ method: 'PATCH', url, cookie: admin.cookie, payload: { priority: 41 } });
      expect(clash.statusCode).toBe(409);
      expect(clash.json()).toEqual({ detail: 'Priority conflict' });
      const foreign = await t.request({ method: 'PATCH', url, cookie: other.cookie, payload: { priority: 1 } });
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json()).toEqual({ detail: 'Rule not found' });
      expect((await t.request({ method: 'DELETE', url, cookie: other.cookie })).statusCode).toBe(404);
      expect(
        (await t.request({ method: 'PATCH', url: '/api/v1/assignment-rules/not-a-uuid', cookie: admin.cookie, payload: {} }))
          .statusCode,
      ).toBe(422);
      expect((await t.request({ method: 'DELETE', url, cookie: admin.cookie })).statusCode).toBe(204);
      expect((await t.request({ method: 'DELETE', url, cookie: admin.cookie })).statusCode).toBe(404);
    });

    it('resolves in order: explicit, rules for the env (priority, glob, tags), agent-provided, none', async () => {
      const resolve = async (agent: string, q = '') =>
        (await t.request({ url: `/api/v1/assignment-rules/resolve/${agent}${q}`, cookie: admin.cookie })).json();
      await connect('web-12', {});
      await t.request({
        method: 'PATCH',
        url: '/api/v1/agent-registrations/web-12',
        cookie: admin.cookie,
        payload: { tags: { team: 'red' } },
      });
      const byRule = await resolve('web-12', '?env=production');
      expect(byRule).toMatchObject({ bundle_name: 'web', source: 'rule', rule_pattern: 'web-[0-9]*' });
      expect(await resolve('web-12', '?env=staging')).toMatchObject({ source: 'none', bundle_name: null });
      expect(await resolve('WEB-12', '?env=production')).toMatchObject({ source: 'none' });
      expect(await resolve('db-1', '?env=production&bundle_name=mine')).toMatchObject({ source: 'rule', bundle_name: 'db' });
      expect(await resolve('nobody', '?env=production&bundle_name=mine')).toEqual({
        bundle_name: 'mine',
        source: 'agent_provided',
        rule_id: null,
        rule_pattern: null,
      });
      await t.request({
        method: 'PATCH',
        url: '/api/v1/agent-registrations/web-12',
        cookie: admin.cookie,
        payload: { bundle_name: 'pinned' },
      });
      expect(await resolve('web-12', '?env=production')).toEqual({
        bundle_name: 'pinned',
        source: 'explicit',
        rule_id: null,
        rule_pattern: null,
      });
      const bad = await t.request({ url: '/api/v1/assignment-rules/resolve/web-12?env=-bad', cookie: admin.cookie });
      expect(locs(bad)).toContain('query.env');
      expect(
        await (await t.request({ url: '/api/v1/assignment-rules/resolve/web-12?env=production', cookie: other.cookie })).json(),
      ).toMatchObject({ source: 'none' });
    });
  });

  describe('/agents/status drift per bundle (decision 10)', () => {
    let revA: string;
    let revB: string;
    beforeAll(async () => {
      revA = (await uploadAndDeploy(t, admin.cookie, 'drift-a', 'production', 'a1')).revision;
      // Deployed after A in the same env: the reference would compare every agent against this one.
      revB = (await uploadAndDeploy(t, admin.cookie, 'drift-b', 'production', 'b1')).revision;
      await connect('st-current', { bundle_name: 'drift-a', policy_version: revA });
      await connect('st-drift', { bundle_name: 'drift-a', policy_version: revB });
      // It was sent revA on connect but, as its next event says, still runs revB (it refused the
      // push, as an agent pinning an old key would): events newer than the connection win.
      const ev = tsEvent({ agent_id: 'st-drift', timestamp: new Date(Date.now() + 60_000).toISOString() });
      expect((await postEvents(t, key, { events: [{ ...ev, payload: { ...ev.payload, bundle_name: 'drift-a', policy_version: revB } }] })).statusCode).toBe(200);
      await connect('st-noversion', { bundle_name: 'drift-b' });
      await connect('st-undeployed', { bundle_name: 'never-deployed', policy_version: revA });
    });

    it('compares each agent with the current deployment of its own bundle in its env', async () => {
      const res = await t.request({ url: '/api/v1/agents/status', cookie: admin.cookie });
      expect(res.statusCode).toBe(200);
      const byId = new Map((res.json() as { agents: { agent_id: string; status: string }[] }).agents.map((a) => [a.agent_id, a]));
      expect(byId.get('st-current')).toMatchObject({
        status: 'current',
        env: 'production',
        bundle_name: 'drift-a',
        policy_version: revA,
      });
      expect(byId.get('st-drift')?.status).toBe('drift');
      // It reported no revision, then was sent revB on connect: once that delivery is recorded
      // (batched, on any process), it is current.
      const deadline = Date.now() + WAIT_MS;
      let noVersion = byId.get('st-noversion')?.status;
      while (noVersion !== 'current' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
        const again = (await t.request({ url: '/api/v1/agents/status', cookie: admin.cookie })).json() as { agents: { agent_id: string; status: string }[] };
        noVersion = again.agents.find((a) => a.agent_id === 'st-noversion')?.status;
      }
      expect(noVersion).toBe('current');
      expect(byId.get('st-undeployed')?.status).toBe('unknown');
      expect(typeof (byId.get('st-current') as unknown as { connected_at: string }).connected_at).toBe('string');
    });

    it('filters by bundle_name, validates it, and shows nothing of another tenant', async () => {
      const only = (await t.request({ url: '/api/v1/agents/status?bundle_name=drift-a', cookie: admin.cookie })).json() as {
        agents: { agent_id: string }[];
      };
      expect(only.agents.map((a) => a.agent_id).sort()).toEqual(['st-current', 'st-drift']);
      const bad = await t.request({ url: '/api/v1/agents/status?bundle_name=%3Cx%3E', cookie: admin.cookie });
      expect(locs(bad)).toContain('query.bundle_name');
      expect((await t.request({ url: '/api/v1/agents/status', cookie: other.cookie })).json()).toEqual({ agents: [] });
    });
  });
});

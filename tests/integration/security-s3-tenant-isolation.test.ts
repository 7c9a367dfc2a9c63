import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { SUPPORT_YAML } from '../helpers/events-bundles.js';
import { agentRegistrations } from '../../src/db/schema.js';
import { apiRoutes, fillPath, key } from './route-walk.js';

/**
 * S3 — tenant isolation on every route: tenant B, with its own admin session and API key,
 * points every registered route at tenant A's resources. Each answer is a 404 (never a 403:
 * no existence leak) or a success that contains nothing of A's; and A's data is unchanged.
 */
describe('S3 tenant isolation', () => {
  let t: TestApp;
  let a: Principal;
  let b: Principal;
  let aKey: string;
  let bKey: string;
  const ids: Record<string, string> = {};
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    a = await t.admin();
    b = await t.otherTenant();
    aKey = await t.apiKey(a.cookie, 'production');
    bKey = await t.apiKey(b.cookie, 'production');
    const agent = `agent-a-${randomUUID().slice(0, 8)}`;

    const up = await t.request({ method: 'POST', url: '/api/v1/bundles', cookie: a.cookie, payload: { yaml_content: SUPPORT_YAML } });
    expect(up.statusCode).toBe(201);
    const dep = await t.request({ method: 'POST', url: '/api/v1/bundles/support-agent/1/deploy', cookie: a.cookie, payload: { env: 'production' } });
    expect(dep.statusCode).toBe(201);
    const appr = await t.request({
      method: 'POST',
      url: '/api/v1/approvals',
      apiKey: aKey,
      agentId: agent,
      payload: { agent_id: agent, tool_name: 'issue_refund', tool_args: { amount: 900, secret_marker: 'A-ONLY-7c1f' }, message: 'refund please' },
    });
    expect(appr.statusCode).toBe(201);
    const ev = await t.request({
      method: 'POST',
      url: '/api/v1/events',
      apiKey: aKey,
      payload: {
        events: [
          { call_id: randomUUID(), agent_id: agent, tool_name: 'issue_refund', verdict: 'call_denied', mode: 'enforce', timestamp: new Date().toISOString(), payload: { decision_name: 'big-refunds', tool_args: { secret_marker: 'A-ONLY-7c1f' } } },
        ],
      },
    });
    expect(ev.statusCode).toBe(200);
    await t.deps.database.db.insert(agentRegistrations).values({ tenantId: a.tenantId, agentId: agent, tags: { team: 'a' } });
    const rule = await t.request({ method: 'POST', url: '/api/v1/assignment-rules', cookie: a.cookie, payload: { priority: 7, pattern: 'agent-a-*', bundle_name: 'support-agent', env: 'production' } });
    expect(rule.statusCode).toBe(201);
    const chan = await t.request({
      method: 'POST',
      url: '/api/v1/notifications/channels',
      cookie: a.cookie,
      payload: { name: 'a-telegram', channel_type: 'telegram', config: { bot_token: '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', chat_id: 42 } },
    });
    expect(chan.statusCode).toBe(201);
    await t.request({ method: 'PUT', url: '/api/v1/sessions/shared-key', apiKey: aKey, payload: { value: 'A-ONLY-7c1f' } });

    const keys = (await t.request({ url: '/api/v1/keys', cookie: a.cookie })).json() as { id: string }[];
    Object.assign(ids, {
      name: 'support-agent',
      version: '1',
      approval_id: (appr.json() as { id: string }).id,
      agent_id: agent,
      rule_id: (rule.json() as { id: string }).id,
      id: (chan.json() as { id: string }).id,
      channel_id: (chan.json() as { id: string }).id,
      key_id: keys[0]!.id,
      '*': 'shared-key',
    });
    secrets.push('A-ONLY-7c1f', ids.approval_id!, ids.rule_id!, ids.id!, ids.key_id!, agent);
  });
  afterAll(async () => t?.close());

  const body = (method: string) => (method === 'GET' || method === 'DELETE' ? undefined : {});

  it("never shows tenant A's data to tenant B, on any route", async () => {
    const guarded = apiRoutes(t.routes).filter((r) => r.auth !== 'none' && !r.url.startsWith('/api/v1/stream'));
    expect(guarded.length).toBeGreaterThan(40);
    for (const r of guarded) {
      const cred = r.auth === 'apiKey' ? { apiKey: bKey } : { cookie: b.cookie };
      const url = fillPath(r.url, ids) + (r.url.endsWith('/current') ? '?env=production' : '');
      const res = await t.request({ method: r.method as 'GET', url, ...cred, payload: body(r.method) });
      expect([key(r), res.statusCode === 403]).toEqual([key(r), false]);
      // health/details is 503 by design here: no scheduler runs the workers in this app.
      const fine = res.statusCode < 500 || (r.url === '/api/v1/health/details' && res.statusCode === 503);
      expect([key(r), fine ? 'ok' : res.body]).toEqual([key(r), 'ok']);
      // A 404 may echo what B itself put in the URL; anything else must hold nothing of A's.
      const mustNotContain = res.statusCode === 404 ? secrets.filter((s) => !url.includes(encodeURIComponent(s))) : secrets;
      for (const s of mustNotContain) expect([key(r), s, res.body.includes(s)]).toEqual([key(r), s, false]);
    }
  });

  it("leaves tenant A's resources untouched after B pointed every write at them", async () => {
    const approval = await t.request({ url: `/api/v1/approvals/${ids.approval_id}`, cookie: a.cookie });
    expect(approval.json()).toMatchObject({ status: 'pending', decided_by: null });
    const keys = (await t.request({ url: '/api/v1/keys', cookie: a.cookie })).json() as { id: string }[];
    expect(keys.map((k) => k.id)).toContain(ids.key_id);
    const rules = (await t.request({ url: '/api/v1/assignment-rules', cookie: a.cookie })).json() as { id: string }[];
    expect(rules.map((r) => r.id)).toContain(ids.rule_id);
    const chans = (await t.request({ url: '/api/v1/notifications/channels', cookie: a.cookie })).json() as { id: string; enabled: boolean }[];
    expect(chans.find((c) => c.id === ids.id)).toMatchObject({ enabled: true });
    const session = await t.request({ url: '/api/v1/sessions/shared-key', apiKey: aKey });
    expect(session.json()).toEqual({ value: 'A-ONLY-7c1f' });
    const deps = (await t.request({ url: '/api/v1/deployments', cookie: a.cookie })).json() as unknown[];
    expect(deps).toHaveLength(1);
    const events = (await t.request({ url: '/api/v1/events', cookie: a.cookie })).json() as unknown[];
    expect(events).toHaveLength(1);
  });

  it("gives B's API key nothing of A's through the agent routes", async () => {
    expect((await t.request({ url: '/api/v1/bundles/support-agent/current?env=production', apiKey: bKey })).statusCode).toBe(404);
    expect((await t.request({ url: `/api/v1/approvals/${ids.approval_id}`, apiKey: bKey })).statusCode).toBe(404);
    expect((await t.request({ url: '/api/v1/sessions/shared-key', apiKey: bKey })).statusCode).toBe(404);
    expect((await t.request({ url: '/api/v1/events', apiKey: bKey })).json()).toEqual([]);
    expect((await t.request({ url: '/api/v1/bundles', apiKey: bKey })).json()).toEqual([]);
  });
});

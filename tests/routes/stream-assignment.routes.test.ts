import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp, Principal } from '../helpers/test-app.js';
import { agentStream, createStreamApp, data, marker, uploadAndDeploy } from '../helpers/stream-kit.js';
import type { SseClient } from '../helpers/sse-client.js';
import { WAIT_MS } from '../helpers/wait.js';

/** Decision 5: assignment changes retarget live connections; a cleared assignment stops updates. */
describe('assignment and live streams', () => {
  let t: TestApp;
  let base: string;
  let admin: Principal;
  let key: string;
  const rev: Record<string, string> = {};
  const open: SseClient[] = [];
  const connect = async (agentId: string, query: Record<string, string> = {}) => {
    const c = await agentStream(base, key, { env: 'production', ...query }, agentId);
    open.push(c);
    expect(c.status).toBe(200);
    return c;
  };
  const patch = (agentId: string, payload: Record<string, unknown>) =>
    t.request({ method: 'PATCH', url: `/api/v1/agent-registrations/${agentId}`, cookie: admin.cookie, payload });
  const updates = (c: SseClient) => c.sdkEvents.filter((e) => e.event === 'contract_update').map((e) => data(e).bundle_name);
  const statusOf = async (agentId: string) => {
    const res = (await t.request({ url: '/api/v1/agents/status', cookie: admin.cookie })).json() as {
      agents: { agent_id: string; bundle_name: string | null }[];
    };
    return res.agents.filter((a) => a.agent_id === agentId);
  };

  beforeAll(async () => {
    t = await createStreamApp();
    base = await t.listen();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
    for (const b of ['asg-old', 'asg-new', 'asg-rule'])
      rev[b] = (await uploadAndDeploy(t, admin.cookie, b, 'production', `${b}-1`)).revision;
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t?.close();
  });

  it('retargets a live connection on an explicit assignment and pushes the bundle at once', async () => {
    const c = await connect('asg-1');
    expect((await patch('asg-1', { bundle_name: 'asg-new' })).statusCode).toBe(200);
    const changed = await c.waitFor((e) => e.event === 'assignment_changed');
    expect(data(changed)).toEqual({ type: 'assignment_changed', agent_id: 'asg-1', bundle_name: 'asg-new', source: 'explicit' });
    const update = await c.waitFor((e) => e.event === 'contract_update');
    expect(data(update)).toMatchObject({ bundle_name: 'asg-new', revision_hash: rev['asg-new'] });
    expect(await statusOf('asg-1')).toMatchObject([{ bundle_name: 'asg-new' }]);
    const next = await uploadAndDeploy(t, admin.cookie, 'asg-new', 'production', 'asg-new-2');
    await c.waitFor((e) => e.event === 'contract_update' && data(e).revision_hash === next.revision);
    rev['asg-new'] = next.revision;
  });

  it('moves a connection that named its own bundle when the console assigns another', async () => {
    const c = await connect('asg-2', { bundle_name: 'asg-old', policy_version: rev['asg-old']! });
    await patch('asg-2', { bundle_name: 'asg-new' });
    await c.waitFor((e) => e.event === 'contract_update' && data(e).bundle_name === 'asg-new');
    const old = await uploadAndDeploy(t, admin.cookie, 'asg-old', 'production', 'asg-old-2');
    rev['asg-old'] = old.revision;
    await marker(t, admin.tenantId, c, 'production', 'asg-2');
    expect(updates(c)).toEqual(['asg-new']);
  });

  it('stops contract updates when the assignment is cleared and no rule applies', async () => {
    const c = await connect('asg-3');
    await patch('asg-3', { bundle_name: 'asg-old' });
    await c.waitFor((e) => e.event === 'contract_update' && data(e).bundle_name === 'asg-old');
    expect((await patch('asg-3', { bundle_name: '' })).json()).toMatchObject({ bundle_name: null });
    const cleared = await c.waitFor((e) => e.event === 'assignment_changed' && data(e).bundle_name === null);
    expect(data(cleared)).toMatchObject({ agent_id: 'asg-3', source: 'explicit' });
    expect(await statusOf('asg-3')).toMatchObject([{ bundle_name: null }]);
    rev['asg-old'] = (await uploadAndDeploy(t, admin.cookie, 'asg-old', 'production', 'asg-old-3')).revision;
    await marker(t, admin.tenantId, c, 'production', 'asg-3');
    expect(updates(c)).toEqual(['asg-old']);
  });

  it('re-resolves through the rules when a cleared assignment has a matching rule', async () => {
    const rule = await t.request({
      method: 'POST',
      url: '/api/v1/assignment-rules',
      cookie: admin.cookie,
      payload: { priority: 10, pattern: 'clr-*', bundle_name: 'asg-rule', env: 'production' },
    });
    expect(rule.statusCode).toBe(201);
    const c = await connect('clr-1');
    await c.waitFor((e) => e.event === 'contract_update' && data(e).bundle_name === 'asg-rule');
    await patch('clr-1', { bundle_name: 'asg-old' });
    await c.waitFor((e) => e.event === 'contract_update' && data(e).bundle_name === 'asg-old');
    await patch('clr-1', { bundle_name: '' });
    await c.waitFor((e) => e.event === 'assignment_changed' && data(e).bundle_name === null);
    // Back on the rule's bundle, which the agent no longer runs: it is pushed again.
    await c.waitFor(() => updates(c).length === 3, WAIT_MS, 'third contract_update');
    expect(updates(c)).toEqual(['asg-rule', 'asg-old', 'asg-rule']);
    expect(await statusOf('clr-1')).toMatchObject([{ bundle_name: 'asg-rule' }]);
    const next = await uploadAndDeploy(t, admin.cookie, 'asg-rule', 'production', 'asg-rule-2');
    await c.waitFor((e) => e.event === 'contract_update' && data(e).revision_hash === next.revision);
    rev['asg-rule'] = next.revision;
    await t.request({
      method: 'DELETE',
      url: `/api/v1/assignment-rules/${(rule.json() as { id: string }).id}`,
      cookie: admin.cookie,
    });
  });

  it('retargets unassigned streams when a rule is created, and stops them when it is deleted', async () => {
    const c = await connect('rc-1');
    const pinned = await connect('rc-2', { bundle_name: 'asg-old', policy_version: rev['asg-old']! });
    const rule = await t.request({
      method: 'POST',
      url: '/api/v1/assignment-rules',
      cookie: admin.cookie,
      payload: { priority: 20, pattern: 'rc-?', bundle_name: 'asg-rule', env: 'production' },
    });
    expect(rule.statusCode).toBe(201);
    const pushed = await c.waitFor((e) => e.event === 'contract_update');
    expect(data(pushed)).toMatchObject({ bundle_name: 'asg-rule', revision_hash: rev['asg-rule'] });
    expect(c.sdkEvents.map((e) => e.event)).not.toContain('assignment_changed');
    const del = await t.request({
      method: 'DELETE',
      url: `/api/v1/assignment-rules/${(rule.json() as { id: string }).id}`,
      cookie: admin.cookie,
    });
    expect(del.statusCode).toBe(204);
    rev['asg-rule'] = (await uploadAndDeploy(t, admin.cookie, 'asg-rule', 'production', 'asg-rule-3')).revision;
    await marker(t, admin.tenantId, c, 'production', 'rc-1');
    expect(updates(c)).toEqual(['asg-rule']);
    // The agent that named its bundle was never moved by the rule.
    await marker(t, admin.tenantId, pinned, 'production', 'rc-2');
    expect(updates(pinned)).toEqual([]);
  });

  it('resolves rules with the tags from the query at connect time', async () => {
    await t.request({
      method: 'POST',
      url: '/api/v1/assignment-rules',
      cookie: admin.cookie,
      payload: { priority: 30, pattern: '*', tag_match: { team: 'red' }, bundle_name: 'asg-new', env: 'production' },
    });
    const red = await connect('tag-1', { tags: JSON.stringify({ team: 'red' }) });
    const blue = await connect('tag-2', { tags: JSON.stringify({ team: 'blue' }) });
    expect(data(await red.waitFor((e) => e.event === 'contract_update'))).toMatchObject({ bundle_name: 'asg-new' });
    await marker(t, admin.tenantId, blue, 'production', 'tag-2');
    expect(updates(blue)).toEqual([]);
  });

  it('bulk-assign retargets every listed live agent', async () => {
    const a = await connect('bulk-1');
    const b = await connect('bulk-2');
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/agent-registrations/bulk-assign',
      cookie: admin.cookie,
      payload: { agent_ids: ['bulk-1', 'bulk-2', 'never-seen'], bundle_name: 'asg-old' },
    });
    expect(res.json()).toEqual({ updated: 2 });
    for (const c of [a, b]) await c.waitFor((e) => e.event === 'contract_update' && data(e).bundle_name === 'asg-old');
  });
});

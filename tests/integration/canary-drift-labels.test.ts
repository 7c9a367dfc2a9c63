import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, TestApp } from '../helpers/test-app.js';
import { bundleYaml, createStreamApp } from '../helpers/stream-kit.js';
import { connect, disconnect, pushedVersion, reportByEvent, type SimAgent } from '../helpers/rollout-fleet.js';
import { pollUntil } from '../helpers/poll.js';
import type { RolloutDetailT } from '../../src/modules/rollouts/rollouts.schemas.js';

/**
 * A canary slice runs another revision than the deployment on purpose (docs/rollouts.md): the
 * fleet views call it `canary`, not drift, while the canary is live; once it is rolled back an
 * agent still on the canary revision is drift again. And the fleet's labels, read in one call.
 */
describe('canary slices in the drift views, and the fleet labels', () => {
  let t: TestApp;
  let base: string;
  let admin: Principal;
  let key: string;
  const agents: SimAgent[] = [];

  const get = async <T>(url: string, cookie = admin.cookie) => {
    const res = await t.request({ method: 'GET', url, cookie });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as T;
  };
  const statusOf = async (agentId: string) =>
    (await get<{ agents: { agent_id: string; status: string }[] }>('/api/v1/agents/status?bundle_name=cd-drift')).agents.find((a) => a.agent_id === agentId)?.status;
  const fleetDrift = async (agentId: string) =>
    (await get<{ agents: { agent_id: string; drift_status: string }[]; fleet_summary: { with_drift: number } }>('/api/v1/agents/fleet-coverage?since=1h&env=production')).agents.find(
      (a) => a.agent_id === agentId,
    )?.drift_status;

  beforeAll(async () => {
    t = await createStreamApp();
    base = await t.listen();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
  });
  afterAll(async () => {
    for (const a of agents) disconnect(a);
    await t?.close();
  });

  it('an agent in a live slice running the canary version is "canary", not drift; after a rollback it is drift again', async () => {
    const q = { env: 'production', bundle_name: 'cd-drift' };
    const up = async (marker: string) => {
      const res = await t.request({ method: 'POST', url: '/api/v1/bundles', cookie: admin.cookie, payload: { yaml_content: bundleYaml('cd-drift', marker) } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { version: number; revision_hash: string };
    };
    const v1 = await up('one');
    expect((await t.request({ method: 'POST', url: `/api/v1/bundles/cd-drift/${v1.version}/deploy`, cookie: admin.cookie, payload: { env: 'production' } })).statusCode).toBe(201);
    const slice = await connect(base, key, 'cd-slice', 'old', q);
    const rest = await connect(base, key, 'cd-rest', 'new', q);
    agents.push(slice, rest);
    await pushedVersion(slice, v1.version);
    await pushedVersion(rest, v1.version);
    for (const a of [slice, rest]) await reportByEvent(t, key, a, v1.revision_hash);
    await pollUntil(async () => (await statusOf('cd-slice')) === 'current' && (await statusOf('cd-rest')) === 'current', { what: 'both current on v1' });

    const labelled = await t.request({ method: 'PUT', url: '/api/v1/agent-registrations/cd-slice/labels', cookie: admin.cookie, payload: { labels: ['cd-early'] } });
    expect(labelled.statusCode, labelled.body).toBe(200);
    const v2 = await up('two');
    const created = await t.request({ method: 'POST', url: '/api/v1/rollouts/canary', cookie: admin.cookie, payload: { env: 'production', bundle_name: 'cd-drift', version: v2.version, slice_label: 'cd-early', steps: [100], bake_seconds: 600 } });
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json() as RolloutDetailT;
    expect(c.agents.filter((a) => a.in_slice).map((a) => a.agent_id)).toEqual(['cd-slice']);
    await pushedVersion(slice, v2.version);
    await reportByEvent(t, key, slice, v2.revision_hash);

    // The live view (agents/status) and the fleet table (fleet-coverage) agree.
    await pollUntil(async () => (await statusOf('cd-slice')) === 'canary', { what: 'slice agent shown as canary' });
    expect(await statusOf('cd-rest')).toBe('current');
    expect(await fleetDrift('cd-slice')).toBe('canary');
    expect(await fleetDrift('cd-rest')).toBe('current');
    const fleet = await get<{ fleet_summary: { with_drift: number } }>('/api/v1/agents/fleet-coverage?since=1h&env=production');
    expect(fleet.fleet_summary.with_drift).toBe(0);

    // The holdback agent on the canary revision is not in the slice: that is drift.
    await reportByEvent(t, key, rest, v2.revision_hash);
    await pollUntil(async () => (await fleetDrift('cd-rest')) === 'drift', { what: 'holdback agent on the canary revision is drift' });

    // Rolled back: the slice agent is pushed v1; one still reporting v2 has drifted.
    const back = await t.request({ method: 'POST', url: `/api/v1/rollouts/${c.id}/rollback`, cookie: admin.cookie, payload: {} });
    expect(back.statusCode, back.body).toBe(200);
    await pushedVersion(slice, v1.version, v2.version);
    await reportByEvent(t, key, slice, v2.revision_hash);
    await pollUntil(async () => (await fleetDrift('cd-slice')) === 'drift', { what: 'rolled-back slice agent still on v2 is drift' });
  });

  it('lists every agent label and the labels rules give, to any dashboard user, per tenant', async () => {
    const rule = await t.request({ method: 'POST', url: '/api/v1/assignment-rules', cookie: admin.cookie, payload: { priority: 700, pattern: 'cd-r*', bundle_name: 'cd-drift', env: 'production' } });
    expect(rule.statusCode, rule.body).toBe(201);
    const ruleId = (rule.json() as { id: string }).id;
    expect((await t.request({ method: 'PUT', url: `/api/v1/assignment-rules/${ruleId}/labels`, cookie: admin.cookie, payload: { labels: ['cd-ruled'] } })).statusCode).toBe(200);

    const member = await t.member();
    const out = await get<{ agents: { agent_id: string; labels: string[]; rule_labels: { label: string; env: string; rule_id: string }[] }[]; rules: { rule_id: string; labels: string[] }[] }>(
      '/api/v1/agent-labels',
      member.cookie,
    );
    expect(out.agents.find((a) => a.agent_id === 'cd-slice')).toEqual({ agent_id: 'cd-slice', labels: ['cd-early'], rule_labels: [] });
    expect(out.agents.find((a) => a.agent_id === 'cd-rest')).toEqual({ agent_id: 'cd-rest', labels: [], rule_labels: [{ label: 'cd-ruled', env: 'production', rule_id: ruleId }] });
    expect(out.rules).toContainEqual({ rule_id: ruleId, labels: ['cd-ruled'] });

    const other = await t.otherTenant();
    expect(await get('/api/v1/agent-labels', other.cookie)).toEqual({ agents: [], rules: [] });
    expect((await t.request({ method: 'GET', url: '/api/v1/agent-labels' })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v1/agent-labels', apiKey: key })).statusCode).toBe(403);
    // Changing labels stays admin only, and a bad label is a 422 naming the field.
    expect((await t.request({ method: 'PUT', url: '/api/v1/agent-registrations/cd-slice/labels', cookie: member.cookie, payload: { labels: ['x'] } })).statusCode).toBe(403);
    const bad = await t.request({ method: 'PUT', url: '/api/v1/agent-registrations/cd-slice/labels', cookie: admin.cookie, payload: { labels: ['no spaces'] } });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('labels');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, TestApp } from '../helpers/test-app.js';
import { bundleYaml, createStreamApp, dashboardStream, data } from '../helpers/stream-kit.js';
import { startFakes, type Fakes } from '../fakes/notify-kit.js';
import { connect, disconnect, reportByEvent, type SimAgent } from '../helpers/rollout-fleet.js';
import type { SseClient } from '../helpers/sse-client.js';
import { ROLLOUT_TRACKING_JOB } from '../../src/modules/rollouts/rollouts.module.js';
import type { RolloutDetailT, RolloutSummaryT } from '../../src/modules/rollouts/rollouts.schemas.js';

/**
 * Deploy tracking (issue 15, docs/rollouts.md): a simulated fleet of both SDK generations, some
 * activating late (by reconnecting with the new revision, or by events stamped with it), some
 * never (offline, still old, refusing). The tracking job is run by hand; "later" is the app's
 * clock moved forward for one pass, never a sleep.
 */
describe('deploy tracking', () => {
  let t: TestApp;
  let base: string;
  let admin: Principal;
  let key: string;
  let fakes: Fakes;
  const agents: SimAgent[] = [];
  const streams: SseClient[] = [];
  const Q = { env: 'production', bundle_name: 'rt-fleet' };

  const pass = async (aheadMs = 0) => {
    const real = t.deps.now;
    if (aheadMs) t.deps.now = () => new Date(Date.now() + aheadMs);
    try {
      await t.jobs.find((j) => j.name === ROLLOUT_TRACKING_JOB)!.run();
    } finally {
      t.deps.now = real;
    }
  };
  const get = async (id: string, cookie = admin.cookie) => t.request({ method: 'GET', url: `/api/v1/rollouts/${id}`, cookie });
  const detail = async (id: string) => (await get(id)).json() as RolloutDetailT;
  const upload = async (marker: string) => {
    const up = await t.request({ method: 'POST', url: '/api/v1/bundles', cookie: admin.cookie, payload: { yaml_content: bundleYaml('rt-fleet', marker) } });
    expect(up.statusCode, up.body).toBe(201);
    return up.json() as { version: number; revision_hash: string };
  };
  const deploy = async (version: number, extra: Record<string, unknown> = {}) => {
    const dep = await t.request({ method: 'POST', url: `/api/v1/bundles/rt-fleet/${version}/deploy`, cookie: admin.cookie, payload: { env: 'production', ...extra } });
    expect(dep.statusCode, dep.body).toBe(201);
    const { id } = dep.json() as { id: string };
    const found = await t.request({ method: 'GET', url: `/api/v1/rollouts?deployment_id=${id}`, cookie: admin.cookie });
    const [r] = found.json() as RolloutSummaryT[];
    expect(r, found.body).toBeDefined();
    return { id, rollout_id: r!.id };
  };

  beforeAll(async () => {
    fakes = await startFakes();
    t = await createStreamApp({ env: fakes.env });
    base = await t.listen();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
  });
  afterAll(async () => {
    for (const a of agents) disconnect(a);
    for (const s of streams) s.close();
    await t?.close();
    await fakes?.close();
  });

  it('follows every target to activation or names why not, live, and alerts on stragglers', async () => {
    const hook = await t.request({
      method: 'POST',
      url: '/api/v1/notifications/channels',
      cookie: admin.cookie,
      payload: { name: 'ops-hook', channel_type: 'webhook', config: { url: `${fakes.webhook.url}/hook` } },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const v1 = await upload('one');
    await deploy(v1.version);
    // An agent that connected once (registered in production, assigned explicitly) and left.
    const gone = await connect(base, key, 'rt-offline', 'old', { env: 'production' });
    disconnect(gone);
    const assign = await t.request({ method: 'PATCH', url: '/api/v1/agent-registrations/rt-offline', cookie: admin.cookie, payload: { bundle_name: 'rt-fleet' } });
    expect(assign.statusCode, assign.body).toBe(200);
    for (const [id, gen] of [
      ['rt-old-events', 'old'],
      ['rt-new-events', 'new'],
      ['rt-old-reconnect', 'old'],
      ['rt-new-reconnect', 'new'],
      ['rt-old-silent', 'old'],
      ['rt-refuser', 'old'],
    ] as const) {
      agents.push(await connect(base, key, id, gen, Q));
    }
    const [oldEvents, newEvents, oldReconnect, newReconnect, , refuser] = agents as [SimAgent, SimAgent, SimAgent, SimAgent, SimAgent, SimAgent];
    // Every stream got v1 on connect; wait for the last one so no push on connect is in flight.
    for (const a of agents) await a.stream!.waitFor((e) => e.event === 'contract_update', 5_000, `${a.id} v1`);

    const dash = await dashboardStream(base, admin.cookie);
    streams.push(dash);
    const v2 = await upload('two');
    const { rollout_id: id } = await deploy(v2.version, { straggler_after_seconds: 60 });
    expect(data(await dash.waitFor((e) => e.event === 'rollout_updated' && data(e).rollout_id === id))).toMatchObject({ action: 'created' });
    const ruleset = (await t.request({ method: 'GET', url: '/v1/rulesets/rt-fleet/current', apiKey: key })).json() as { revision_hash: string };

    let d = await detail(id);
    expect(d).toMatchObject({ status: 'tracking', bundle_version: v2.version, previous_version: v1.version, straggler_after_seconds: 60 });
    expect(d.counts).toEqual({ targets: 7, activated: 0, pending: 7, stragglers: 0 });
    expect(d.agents.find((a) => a.agent_id === 'rt-offline')).toMatchObject({ state: 'pending', pushed_at: null });

    // Late activations: events stamped with the new revision (each generation its own hash) ...
    await reportByEvent(t, key, oldEvents, v2.revision_hash);
    await reportByEvent(t, key, newEvents, ruleset.revision_hash);
    // ... and reconnects reporting it.
    disconnect(oldReconnect);
    agents[2] = await connect(base, key, 'rt-old-reconnect', 'old', { ...Q, policy_version: v2.revision_hash });
    disconnect(newReconnect);
    agents[3] = await connect(base, key, 'rt-new-reconnect', 'new', { ...Q, policy_version: ruleset.revision_hash });
    // The refuser keeps reporting the old revision after the push reached it.
    await reportByEvent(t, key, refuser, v1.revision_hash);

    await pass();
    await dash.waitFor((e) => e.event === 'rollout_updated' && data(e).rollout_id === id && data(e).action === 'tracked');
    d = await detail(id);
    expect(d.counts).toEqual({ targets: 7, activated: 4, pending: 3, stragglers: 0 });
    const by = new Map(d.agents.map((a) => [a.agent_id, a]));
    expect(by.get('rt-old-events')).toMatchObject({ state: 'activated', activated_via: 'event' });
    expect(by.get('rt-new-events')).toMatchObject({ state: 'activated', activated_via: 'event' });
    expect(by.get('rt-old-reconnect')).toMatchObject({ state: 'activated', activated_via: 'connect' });
    expect(by.get('rt-new-reconnect')).toMatchObject({ state: 'activated', activated_via: 'connect' });
    for (const a of d.agents.filter((x) => x.state === 'activated')) {
      expect(a.latency_ms).not.toBeNull();
      expect(a.latency_ms!).toBeGreaterThanOrEqual(0);
    }
    expect(d.latency.p50_ms).not.toBeNull();
    expect(d.latency.p99_ms!).toBeGreaterThanOrEqual(d.latency.p50_ms!);
    expect(d.latency.histogram.reduce((n, h) => n + h.count, 0)).toBe(4);
    expect(fakes.webhook.calls).toHaveLength(0);

    // Past the straggler delay: the rest are stragglers, each with the reason the console can see.
    await pass(61_000);
    d = await detail(id);
    expect(d.counts).toEqual({ targets: 7, activated: 4, pending: 0, stragglers: 3 });
    expect(Object.fromEntries(d.stragglers.map((s) => [s.agent_id, s.reason]))).toEqual({
      'rt-offline': 'offline',
      'rt-old-silent': 'old_revision',
      'rt-refuser': 'refused',
    });
    for (const s of d.stragglers) expect(s.last_contact_at, s.agent_id).not.toBeNull();
    expect(d.alerted_at).not.toBeNull();
    const notice = await fakes.webhook.waitFor((r) => r.path === '/hook');
    expect(notice.json).toMatchObject({ event: 'notice' });
    const body = notice.json as { title: string; lines: string[]; url: string };
    expect(body.title).toContain('3 stragglers');
    expect(body.lines.join('\n')).toContain('rt-refuser: refused');
    expect(body.url).toContain(`/dashboard/rollouts/${id}`);

    // A straggler that activates later still counts; the alert is not sent twice.
    await reportByEvent(t, key, agents[4]!, v2.revision_hash);
    await pass(62_000);
    d = await detail(id);
    expect(d.counts).toMatchObject({ activated: 5, stragglers: 2 });
    expect(fakes.webhook.calls.filter((r) => r.path === '/hook')).toHaveLength(1);

    // The list shows it with its counts.
    const list = (await t.request({ method: 'GET', url: '/api/v1/rollouts?bundle_name=rt-fleet', cookie: admin.cookie })).json() as RolloutSummaryT[];
    expect(list[0]).toMatchObject({ id, counts: { targets: 7, activated: 5, pending: 0, stragglers: 2 } });
  });

  it('completes when every target runs the revision, and a newer deploy supersedes an open one', async () => {
    const v3 = await upload('three');
    const first = await deploy(v3.version);
    for (const a of agents) if (a.stream) await reportByEvent(t, key, a, v3.revision_hash);
    await pass();
    const v4 = await upload('four');
    const second = await deploy(v4.version);
    expect((await detail(first.rollout_id)).status).toBe('superseded');
    for (const a of agents) if (a.stream) await reportByEvent(t, key, a, v4.revision_hash);
    await pass();
    const d = await detail(second.rollout_id);
    // rt-offline never came back: the rollout stays open for it (it is pending, then a straggler).
    expect(d.counts).toMatchObject({ activated: 6, pending: 1 });
    const reconnect = await connect(base, key, 'rt-offline', 'old', { env: 'production', policy_version: v4.revision_hash });
    agents.push(reconnect);
    await pass();
    const done = await detail(second.rollout_id);
    expect(done).toMatchObject({ status: 'complete', counts: { targets: 7, activated: 7, pending: 0, stragglers: 0 } });
    expect(done.completed_at).not.toBeNull();
  });

  it('refuses bad input with a 422 naming the field', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/bundles/rt-fleet/1/deploy', cookie: admin.cookie, payload: { env: 'production', straggler_after_seconds: 1 } });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('straggler_after_seconds');
    const q = await t.request({ method: 'GET', url: '/api/v1/rollouts?limit=0', cookie: admin.cookie });
    expect(q.statusCode).toBe(422);
    const p = await t.request({ method: 'GET', url: '/api/v1/rollouts/not-a-uuid', cookie: admin.cookie });
    expect(p.statusCode).toBe(422);
  });

  it('is admin only and tenant-scoped on every route', async () => {
    const [r] = (await t.request({ method: 'GET', url: '/api/v1/rollouts', cookie: admin.cookie })).json() as RolloutSummaryT[];
    const other = await t.otherTenant();
    const member = await t.member();
    for (const url of ['/api/v1/rollouts', `/api/v1/rollouts/${r!.id}`]) {
      expect((await t.request({ method: 'GET', url })).statusCode, url).toBe(401);
      expect((await t.request({ method: 'GET', url, apiKey: key })).statusCode, url).toBe(403);
      expect((await t.request({ method: 'GET', url, cookie: member.cookie })).statusCode, url).toBe(403);
    }
    expect((await get(r!.id, other.cookie)).statusCode).toBe(404);
    expect((await t.request({ method: 'GET', url: '/api/v1/rollouts', cookie: other.cookie })).json()).toEqual([]);
  });
});

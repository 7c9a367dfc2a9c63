import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, TestApp } from '../helpers/test-app.js';
import { bundleYaml, createStreamApp } from '../helpers/stream-kit.js';
import { startFakes, type Fakes } from '../fakes/notify-kit.js';
import { connect, disconnect, pushedVersion, type SimAgent } from '../helpers/rollout-fleet.js';
import { inPercentSlice } from '../../src/modules/rollouts/canary-rules.js';
import { ROLLOUT_TRACKING_JOB } from '../../src/modules/rollouts/rollouts.module.js';
import type { RolloutDetailT } from '../../src/modules/rollouts/rollouts.schemas.js';

/** `count` agent ids inside (or outside) a `percent` slice: membership is a stable hash of the id. */
export function idsFor(prefix: string, percent: number, inside: boolean, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) if (inPercentSlice(`${prefix}-${i}`, percent) === inside) out.push(`${prefix}-${i}`);
  return out;
}

/**
 * Canaries (issue 15, docs/rollouts.md): a slice gets the new version, the rest keep the current
 * one; a deny rate that jumps in the slice rolls it back by itself; a quiet bake widens it to a
 * real deploy. The leader's pass is run by hand; "later" is the app clock moved for one pass.
 */
describe('canary rollouts', () => {
  let t: TestApp;
  let base: string;
  let admin: Principal;
  let key: string;
  let fakes: Fakes;
  const agents: SimAgent[] = [];

  const pass = async (aheadMs = 0) => {
    const real = t.deps.now;
    if (aheadMs) t.deps.now = () => new Date(Date.now() + aheadMs);
    try {
      await t.jobs.find((j) => j.name === ROLLOUT_TRACKING_JOB)!.run();
    } finally {
      t.deps.now = real;
    }
  };
  const detail = async (id: string) => (await t.request({ method: 'GET', url: `/api/v1/rollouts/${id}`, cookie: admin.cookie })).json() as RolloutDetailT;
  const upload = async (name: string, marker: string) => {
    const up = await t.request({ method: 'POST', url: '/api/v1/bundles', cookie: admin.cookie, payload: { yaml_content: bundleYaml(name, marker) } });
    expect(up.statusCode, up.body).toBe(201);
    return up.json() as { version: number; revision_hash: string };
  };
  const deploy = async (name: string, version: number) => {
    const dep = await t.request({ method: 'POST', url: `/api/v1/bundles/${name}/${version}/deploy`, cookie: admin.cookie, payload: { env: 'production' } });
    expect(dep.statusCode, dep.body).toBe(201);
  };
  const canary = async (payload: Record<string, unknown>) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/rollouts/canary', cookie: admin.cookie, payload: { env: 'production', ...payload } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as RolloutDetailT;
  };
  const events = async (agentId: string, verdict: string, n: number) => {
    const evs = Array.from({ length: n }, () => ({
      call_id: randomUUID(),
      agent_id: agentId,
      tool_name: 'shell',
      verdict,
      mode: 'enforce',
      timestamp: new Date().toISOString(),
      payload: { tool_args: {}, environment: 'production' },
    }));
    const res = await t.request({ method: 'POST', url: '/api/v1/events', apiKey: key, payload: { events: evs } });
    expect(res.statusCode, res.body).toBeLessThan(300);
  };
  const currentFor = async (name: string, agentId: string) =>
    ((await t.request({ method: 'GET', url: `/api/v1/bundles/${name}/current?env=production`, apiKey: key, agentId })).json() as { version: number }).version;

  beforeAll(async () => {
    fakes = await startFakes();
    t = await createStreamApp({ env: fakes.env });
    base = await t.listen();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
    const hook = await t.request({ method: 'POST', url: '/api/v1/notifications/channels', cookie: admin.cookie, payload: { name: 'hook', channel_type: 'webhook', config: { url: `${fakes.webhook.url}/canary` } } });
    expect(hook.statusCode, hook.body).toBe(201);
  });
  afterAll(async () => {
    for (const a of agents) disconnect(a);
    await t?.close();
    await fakes?.close();
  });

  it('a fleet-wide break-glass switch reaches a canary slice on its canary version, and the rest on theirs', async () => {
    const q = { env: 'production', bundle_name: 'cn-bg' };
    const v1 = await upload('cn-bg', 'one');
    await deploy('cn-bg', v1.version);
    const [inSlice] = idsFor('cbg', 10, true, 1);
    const [outside] = idsFor('cbg', 10, false, 1);
    for (const id of [inSlice!, outside!]) agents.push(await connect(base, key, id, 'old', q));
    const v2 = await upload('cn-bg', 'two');
    await canary({ bundle_name: 'cn-bg', version: v2.version, slice_percent: 10, steps: [100], bake_seconds: 600 });
    const armed = await t.request({
      method: 'POST',
      url: '/api/v1/break-glass',
      cookie: admin.cookie,
      payload: { kind: 'freeze_tool', tool: 'wire_transfer', reason: 'canary and switch together', duration_minutes: 30 },
    });
    expect(armed.statusCode, armed.body).toBe(201);
    const served = async (agentId: string) => {
      const res = await t.request({ method: 'GET', url: '/api/v1/bundles/cn-bg/current?env=production', apiKey: key, agentId });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { version: number; yaml_bytes: string };
      return { version: body.version, yaml: Buffer.from(body.yaml_bytes, 'base64').toString() };
    };
    const slice = await served(inSlice!);
    const rest = await served(outside!);
    expect(slice.version).toBe(v2.version);
    expect(rest.version).toBe(v1.version);
    for (const b of [slice, rest]) expect(b.yaml).toContain('wire_transfer');
    // Each is its own version's contracts plus the switch's deny contract.
    expect(slice.yaml).toMatch(/description: "?two"?/);
    expect(rest.yaml).toMatch(/description: "?one"?/);
    // Disarmed, the slice is back to the plain canary version.
    const { id } = armed.json() as { id: string };
    const disarm = await t.request({ method: 'POST', url: `/api/v1/break-glass/${id}/disarm`, cookie: admin.cookie, payload: {} });
    expect(disarm.statusCode, disarm.body).toBe(200);
    const after = await served(inSlice!);
    expect(after.version).toBe(v2.version);
    expect(after.yaml).not.toContain('wire_transfer');
  });

  it('sends the slice the new version, keeps the rest on the current one, and rolls back by itself when the deny rate jumps', async () => {
    const q = { env: 'production', bundle_name: 'cn-breach' };
    const v1 = await upload('cn-breach', 'one');
    await deploy('cn-breach', v1.version);
    const slice = idsFor('cnb', 10, true, 2);
    const rest = idsFor('cnb', 10, false, 4);
    // One slice agent and one of the rest speak the current SDK dialect.
    for (const id of slice) agents.push(await connect(base, key, id, id === slice[0] ? 'new' : 'old', q));
    for (const id of rest) agents.push(await connect(base, key, id, id === rest[0] ? 'new' : 'old', q));
    const mine = agents.filter((a) => slice.includes(a.id) || rest.includes(a.id));
    for (const a of mine) await pushedVersion(a, v1.version);
    const v2 = await upload('cn-breach', 'two');

    const c = await canary({ bundle_name: 'cn-breach', version: v2.version, slice_percent: 10, steps: [50, 100], bake_seconds: 600, thresholds: { min_decisions: 10 } });
    expect(c).toMatchObject({ kind: 'canary', status: 'canary', previous_version: v1.version, canary: { percent: 10, steps: [50, 100] } });
    expect(c.agents.filter((a) => a.in_slice).map((a) => a.agent_id).sort()).toEqual([...slice].sort());
    expect(c.counts.targets).toBe(2);
    // The slice hears of v2 (each in its own rendering); the others fetch v1 still.
    for (const a of mine.filter((x) => slice.includes(x.id))) {
      const e = await pushedVersion(a, v2.version);
      if (a.generation === 'new') expect(Buffer.from(String(e.yaml_bytes), 'base64').toString()).toContain('kind: Ruleset');
    }
    expect(await currentFor('cn-breach', slice[0]!)).toBe(v2.version);
    expect(await currentFor('cn-breach', rest[0]!)).toBe(v1.version);
    const rulesetSlice = await t.request({ method: 'GET', url: '/v1/rulesets/cn-breach/current', apiKey: key, agentId: slice[0] });
    expect((rulesetSlice.json() as { version: number }).version).toBe(v2.version);

    // The slice starts denying; the rest does not.
    for (const id of slice) await events(id, 'call_denied', 10);
    for (const id of rest) await events(id, 'call_allowed', 10);
    await pass();
    const d = await detail(c.id);
    expect(d.status).toBe('rolled_back');
    expect(d.outcome_reason).toMatch(/deny rate 100\.0 % in the slice vs 0\.0 % in the rest/);
    expect(d.steps.map((s) => [s.action, s.actor])).toEqual([
      ['start', admin.email],
      ['rollback', 'auto'],
    ]);
    for (const a of mine.filter((x) => slice.includes(x.id))) await pushedVersion(a, v1.version, v2.version);
    expect(await currentFor('cn-breach', slice[0]!)).toBe(v1.version);
    const notice = await fakes.webhook.waitFor((r) => r.path === '/canary' && JSON.stringify(r.json).includes('rolled back automatically'));
    expect(JSON.stringify(notice.json)).toContain('deny rate');
  });

  it('widens after each quiet bake and promotes to a real deploy at 100 %', async () => {
    const q = { env: 'production', bundle_name: 'cn-promote' };
    const v1 = await upload('cn-promote', 'one');
    await deploy('cn-promote', v1.version);
    const first = idsFor('cnp', 20, true, 1);
    const second = idsFor('cnp', 60, true, 4).filter((id) => !inPercentSlice(id, 20)).slice(0, 1);
    const last = idsFor('cnp', 60, false, 1);
    const all = [...first, ...second, ...last];
    for (const id of all) agents.push(await connect(base, key, id, 'old', q));
    const mine = agents.filter((a) => all.includes(a.id));
    for (const a of mine) await pushedVersion(a, v1.version);
    const v2 = await upload('cn-promote', 'two');
    const c = await canary({ bundle_name: 'cn-promote', version: v2.version, slice_percent: 20, steps: [60, 100], bake_seconds: 30 });
    expect(c.agents.filter((a) => a.in_slice).map((a) => a.agent_id)).toEqual(first);

    await pass(); // within the bake: nothing happens
    expect((await detail(c.id)).canary!.percent).toBe(20);
    await pass(31_000);
    const widened = await detail(c.id);
    expect(widened).toMatchObject({ status: 'canary', canary: { percent: 60, step: 1 } });
    expect(widened.agents.filter((a) => a.in_slice).map((a) => a.agent_id).sort()).toEqual([...first, ...second].sort());
    await pushedVersion(mine.find((a) => a.id === second[0])!, v2.version);
    expect(await currentFor('cn-promote', last[0]!)).toBe(v1.version);

    await pass(62_000);
    const promoted = await detail(c.id);
    expect(promoted).toMatchObject({ status: 'promoted', canary: { percent: 100 } });
    expect(promoted.deployment_id).not.toBeNull();
    expect(promoted.steps.map((s) => s.action)).toEqual(['start', 'widen', 'promote']);
    await pushedVersion(mine.find((a) => a.id === last[0])!, v2.version);
    expect(await currentFor('cn-promote', last[0]!)).toBe(v2.version);
    // The promotion is a deploy, tracked like any other.
    const deploys = await t.request({ method: 'GET', url: `/api/v1/rollouts?deployment_id=${promoted.deployment_id}`, cookie: admin.cookie });
    expect((deploys.json() as RolloutDetailT[]).map((x) => [x.kind, x.bundle_version]).sort()).toEqual([
      ['canary', v2.version],
      ['deploy', v2.version],
    ]);
  });

  it('can be stopped, then rolled back or promoted by hand; a label names a slice', async () => {
    const q = { env: 'production', bundle_name: 'cn-manual' };
    const v1 = await upload('cn-manual', 'one');
    await deploy('cn-manual', v1.version);
    for (const id of ['cnm-a', 'cnm-b', 'cnm-c']) agents.push(await connect(base, key, id, 'old', q));
    const labels = await t.request({ method: 'PUT', url: '/api/v1/agent-registrations/cnm-b/labels', cookie: admin.cookie, payload: { labels: ['early', 'early'] } });
    expect(labels.json()).toEqual({ agent_id: 'cnm-b', labels: ['early'] });
    const rule = await t.request({ method: 'POST', url: '/api/v1/assignment-rules', cookie: admin.cookie, payload: { priority: 900, pattern: 'cnm-c', bundle_name: 'cn-manual', env: 'production' } });
    const ruleId = (rule.json() as { id: string }).id;
    const rl = await t.request({ method: 'PUT', url: `/api/v1/assignment-rules/${ruleId}/labels`, cookie: admin.cookie, payload: { labels: ['early'] } });
    expect(rl.json()).toEqual({ rule_id: ruleId, labels: ['early'] });
    const v2 = await upload('cn-manual', 'two');
    const c = await canary({ bundle_name: 'cn-manual', version: v2.version, slice_label: 'early', steps: [100], bake_seconds: 10 });
    expect(c.agents.filter((a) => a.in_slice).map((a) => a.agent_id).sort()).toEqual(['cnm-b', 'cnm-c']);
    const again = await t.request({ method: 'POST', url: '/api/v1/rollouts/canary', cookie: admin.cookie, payload: { env: 'production', bundle_name: 'cn-manual', version: v2.version, slice_label: 'early' } });
    expect(again.statusCode).toBe(409);

    const stop = await t.request({ method: 'POST', url: `/api/v1/rollouts/${c.id}/stop`, cookie: admin.cookie });
    expect(stop.json()).toMatchObject({ status: 'stopped' });
    await pass(60_000); // stopped: no automatic step
    expect((await detail(c.id)).status).toBe('stopped');
    expect(await currentFor('cn-manual', 'cnm-b')).toBe(v2.version);
    const back = await t.request({ method: 'POST', url: `/api/v1/rollouts/${c.id}/rollback`, cookie: admin.cookie, payload: { reason: 'looks wrong' } });
    expect(back.json()).toMatchObject({ status: 'rolled_back', outcome_reason: 'looks wrong' });
    expect(await currentFor('cn-manual', 'cnm-b')).toBe(v1.version);
    expect((await t.request({ method: 'POST', url: `/api/v1/rollouts/${c.id}/promote`, cookie: admin.cookie })).statusCode).toBe(409);

    const c2 = await canary({ bundle_name: 'cn-manual', version: v2.version, slice_label: 'early', steps: [100], bake_seconds: 600 });
    const up = await t.request({ method: 'POST', url: `/api/v1/rollouts/${c2.id}/promote`, cookie: admin.cookie });
    expect(up.json()).toMatchObject({ status: 'promoted' });
    expect(await currentFor('cn-manual', 'cnm-a')).toBe(v2.version);
  });

  it('names the field on bad canary input, and refuses a canary without a baseline', async () => {
    const bad = async (payload: Record<string, unknown>, field: string) => {
      const res = await t.request({ method: 'POST', url: '/api/v1/rollouts/canary', cookie: admin.cookie, payload: { env: 'production', bundle_name: 'cn-manual', version: 1, ...payload } });
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(res.body).toContain(field);
    };
    await bad({ slice_percent: 10, steps: [50, 40, 100] }, 'steps');
    await bad({ slice_percent: 10, steps: [50] }, 'steps');
    await bad({}, 'slice_percent');
    await bad({ slice_percent: 150 }, 'slice_percent');
    await bad({ slice_label: 'no spaces' }, 'slice_label');
    await bad({ slice_percent: 10, thresholds: { deny_rate_increase: 2 } }, 'deny_rate_increase');
    await bad({ slice_percent: 10, bake_seconds: 1 }, 'bake_seconds');
    const v = await upload('cn-nobase', 'one');
    const res = await t.request({ method: 'POST', url: '/api/v1/rollouts/canary', cookie: admin.cookie, payload: { env: 'production', bundle_name: 'cn-nobase', version: v.version, slice_percent: 10 } });
    expect(res.statusCode).toBe(409);
    const missing = await t.request({ method: 'POST', url: '/api/v1/rollouts/canary', cookie: admin.cookie, payload: { env: 'production', bundle_name: 'cn-nobase', version: 99, slice_percent: 10 } });
    expect(missing.statusCode).toBe(404);
  });

  it('is admin only and tenant-scoped on every canary and label route', async () => {
    const [r] = (await t.request({ method: 'GET', url: '/api/v1/rollouts?bundle_name=cn-manual', cookie: admin.cookie })).json() as { id: string }[];
    const rule = await t.request({ method: 'POST', url: '/api/v1/assignment-rules', cookie: admin.cookie, payload: { priority: 901, pattern: 'x-*', bundle_name: 'cn-manual', env: 'production' } });
    const ruleId = (rule.json() as { id: string }).id;
    const other = await t.otherTenant();
    const member = await t.member();
    const routes: { method: 'GET' | 'POST' | 'PUT'; url: string; payload?: Record<string, unknown> }[] = [
      { method: 'POST', url: '/api/v1/rollouts/canary', payload: { env: 'production', bundle_name: 'cn-manual', version: 1, slice_percent: 10 } },
      { method: 'POST', url: `/api/v1/rollouts/${r!.id}/promote` },
      { method: 'POST', url: `/api/v1/rollouts/${r!.id}/rollback`, payload: {} },
      { method: 'POST', url: `/api/v1/rollouts/${r!.id}/stop` },
      { method: 'GET', url: '/api/v1/agent-registrations/cnm-b/labels' },
      { method: 'PUT', url: '/api/v1/agent-registrations/cnm-b/labels', payload: { labels: ['x'] } },
      { method: 'GET', url: `/api/v1/assignment-rules/${ruleId}/labels` },
      { method: 'PUT', url: `/api/v1/assignment-rules/${ruleId}/labels`, payload: { labels: ['x'] } },
    ];
    for (const rt of routes) {
      expect((await t.request(rt)).statusCode, `${rt.method} ${rt.url} anonymous`).toBe(401);
      expect((await t.request({ ...rt, apiKey: key })).statusCode, `${rt.method} ${rt.url} key`).toBe(403);
      expect((await t.request({ ...rt, cookie: member.cookie })).statusCode, `${rt.method} ${rt.url} member`).toBe(403);
      // Another tenant finds nothing (its canary create finds no such bundle).
      expect((await t.request({ ...rt, cookie: other.cookie })).statusCode, `${rt.method} ${rt.url} other tenant`).toBe(404);
    }
    expect((await t.request({ method: 'GET', url: '/api/v1/agent-registrations/cnm-b/labels', cookie: admin.cookie })).json()).toEqual({ agent_id: 'cnm-b', labels: ['early'] });
  });
});

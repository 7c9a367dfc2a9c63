import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, login, type TestApp } from '../helpers/test-app.js';
import { bundleYaml, createStreamApp } from '../helpers/stream-kit.js';
import { connect, disconnect, pushedVersion, reportByEvent, type SimAgent } from '../helpers/rollout-fleet.js';
import { inPercentSlice } from '../../src/modules/rollouts/canary-rules.js';
import { ROLLOUT_TRACKING_JOB } from '../../src/modules/rollouts/rollouts.module.js';
import type { RolloutDetailT, RolloutSummaryT } from '../../src/modules/rollouts/rollouts.schemas.js';

/**
 * Rollouts across two console processes sharing Postgres and Redis (docs/scaling.md): agents
 * connected to either, deploys and canaries made on one, the leader's pass run on the other.
 * Needs real Postgres and Redis (PGlite and the in-process bus cannot cross processes).
 */
describe.runIf(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL)('rollouts across two processes', () => {
  let a: TestApp;
  let b: TestApp;
  let baseA: string;
  let baseB: string;
  let cookieA: string;
  let cookieB: string;
  let key: string;
  const agents: SimAgent[] = [];

  /** The leader's pass, on process `p`, its clock `aheadMs` ahead. */
  const pass = async (p: TestApp, aheadMs = 0) => {
    const real = p.deps.now;
    if (aheadMs) p.deps.now = () => new Date(Date.now() + aheadMs);
    try {
      await p.jobs.find((j) => j.name === ROLLOUT_TRACKING_JOB)!.run();
    } finally {
      p.deps.now = real;
    }
  };
  const upload = async (p: TestApp, cookie: string, name: string, marker: string) => {
    const up = await p.request({ method: 'POST', url: '/api/v1/bundles', cookie, payload: { yaml_content: bundleYaml(name, marker) } });
    expect(up.statusCode, up.body).toBe(201);
    return up.json() as { version: number; revision_hash: string };
  };
  const deploy = async (p: TestApp, cookie: string, name: string, version: number) => {
    const dep = await p.request({ method: 'POST', url: `/api/v1/bundles/${name}/${version}/deploy`, cookie, payload: { env: 'production' } });
    expect(dep.statusCode, dep.body).toBe(201);
    return (dep.json() as { id: string }).id;
  };
  const rollout = async (p: TestApp, cookie: string, id: string) =>
    (await p.request({ method: 'GET', url: `/api/v1/rollouts/${id}`, cookie })).json() as RolloutDetailT;
  const currentFor = async (p: TestApp, name: string, agentId: string) =>
    ((await p.request({ method: 'GET', url: `/api/v1/bundles/${name}/current?env=production`, apiKey: key, agentId })).json() as { version: number }).version;
  const pick = (prefix: string, percent: number, inside: boolean) => {
    for (let i = 0; ; i++) if (inPercentSlice(`${prefix}-${i}`, percent) === inside) return `${prefix}-${i}`;
  };

  beforeAll(async () => {
    const shared = { EDICTUM_REDIS_PREFIX: `ro${randomBytes(4).toString('hex')}:` };
    a = await createStreamApp({ env: shared });
    b = await createStreamApp({ env: shared, database: { database: a.deps.database, url: a.config.databaseUrl } });
    baseA = await a.listen();
    baseB = await b.listen();
    const admin = await a.admin();
    cookieA = admin.cookie;
    cookieB = await login(b.app, admin.email, ADMIN_PASSWORD);
    key = await a.apiKey(cookieA, 'production');
  });
  afterAll(async () => {
    for (const x of agents) disconnect(x);
    await b?.close();
    await a?.close();
  });

  it('tracks a deploy made on B to agents on both processes, the pass running on A', async () => {
    const q = { env: 'production', bundle_name: 'tp-track' };
    const v1 = await upload(b, cookieB, 'tp-track', 'one');
    await deploy(b, cookieB, 'tp-track', v1.version);
    const onA = await connect(baseA, key, 'tp-old-on-a', 'old', q);
    const onB = await connect(baseB, key, 'tp-new-on-b', 'new', q);
    agents.push(onA, onB);
    await pushedVersion(onA, v1.version);
    await pushedVersion(onB, v1.version);
    const v2 = await upload(b, cookieB, 'tp-track', 'two');
    const depId = await deploy(b, cookieB, 'tp-track', v2.version);
    await pushedVersion(onA, v2.version);
    const [r] = (await a.request({ method: 'GET', url: `/api/v1/rollouts?deployment_id=${depId}`, cookie: cookieA })).json() as RolloutSummaryT[];
    expect(r!.counts).toEqual({ targets: 2, activated: 0, pending: 2, stragglers: 0 });
    // A's agent shows it by an event posted to A; B's by reconnecting to B with the new revision.
    await reportByEvent(a, key, onA, v2.revision_hash);
    disconnect(onB);
    agents.push(await connect(baseB, key, 'tp-new-on-b', 'new', { ...q, policy_version: v2.revision_hash }));
    await pass(a);
    const d = await rollout(b, cookieB, r!.id);
    expect(d).toMatchObject({ status: 'complete', counts: { targets: 2, activated: 2, pending: 0, stragglers: 0 } });
    expect(Object.fromEntries(d.agents.map((x) => [x.agent_id, x.activated_via]))).toEqual({ 'tp-old-on-a': 'event', 'tp-new-on-b': 'connect' });
  });

  it('rolls a canary made on A back by itself when its slice on B starts denying, the pass running on A', async () => {
    const q = { env: 'production', bundle_name: 'tp-canary' };
    const v1 = await upload(a, cookieA, 'tp-canary', 'one');
    await deploy(a, cookieA, 'tp-canary', v1.version);
    const sliceId = pick('tpc', 10, true);
    const restId = pick('tpc', 10, false);
    const slice = await connect(baseB, key, sliceId, 'old', q);
    const rest = await connect(baseA, key, restId, 'new', q);
    agents.push(slice, rest);
    await pushedVersion(slice, v1.version);
    await pushedVersion(rest, v1.version);
    const v2 = await upload(a, cookieA, 'tp-canary', 'two');
    const res = await a.request({
      method: 'POST',
      url: '/api/v1/rollouts/canary',
      cookie: cookieA,
      payload: { env: 'production', bundle_name: 'tp-canary', version: v2.version, slice_percent: 10, steps: [100], thresholds: { min_decisions: 5 } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json() as RolloutDetailT;
    await pushedVersion(slice, v2.version);
    expect(await currentFor(b, 'tp-canary', sliceId)).toBe(v2.version);
    expect(await currentFor(b, 'tp-canary', restId)).toBe(v1.version);
    const evs = (agentId: string, verdict: string) =>
      Array.from({ length: 8 }, () => ({ call_id: randomUUID(), agent_id: agentId, tool_name: 'shell', verdict, mode: 'enforce', timestamp: new Date().toISOString(), payload: { environment: 'production' } }));
    expect((await b.request({ method: 'POST', url: '/api/v1/events', apiKey: key, payload: { events: evs(sliceId, 'call_denied') } })).statusCode).toBeLessThan(300);
    expect((await a.request({ method: 'POST', url: '/api/v1/events', apiKey: key, payload: { events: evs(restId, 'call_allowed') } })).statusCode).toBeLessThan(300);
    await pass(a);
    expect(await rollout(b, cookieB, c.id)).toMatchObject({ status: 'rolled_back' });
    // The slice agent, on B, is sent the previous version again; B serves it the previous one.
    await pushedVersion(slice, v1.version, v2.version);
    expect(await currentFor(b, 'tp-canary', sliceId)).toBe(v1.version);
  });

  it('promotes a canary made on B after a quiet bake, the pass running on A', async () => {
    const q = { env: 'production', bundle_name: 'tp-promote' };
    const v1 = await upload(b, cookieB, 'tp-promote', 'one');
    await deploy(b, cookieB, 'tp-promote', v1.version);
    const restId = pick('tpp', 10, false);
    const rest = await connect(baseA, key, restId, 'old', q);
    agents.push(rest);
    await pushedVersion(rest, v1.version);
    const v2 = await upload(b, cookieB, 'tp-promote', 'two');
    const res = await b.request({ method: 'POST', url: '/api/v1/rollouts/canary', cookie: cookieB, payload: { env: 'production', bundle_name: 'tp-promote', version: v2.version, slice_percent: 10, steps: [100], bake_seconds: 10 } });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json() as RolloutDetailT;
    expect(await currentFor(a, 'tp-promote', restId)).toBe(v1.version);
    await pass(a, 11_000);
    expect(await rollout(b, cookieB, c.id)).toMatchObject({ status: 'promoted' });
    await pushedVersion(rest, v2.version);
    expect(await currentFor(a, 'tp-promote', restId)).toBe(v2.version);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/platform/redis.js';
import { newMessageId, redisBus, type BusMessage, type PushBus } from '../../src/platform/push-bus.js';
import { ADMIN_PASSWORD, login, type TestApp } from '../helpers/test-app.js';
import { agentStream, createStreamApp, dashboardStream, data, marker, uploadAndDeploy } from '../helpers/stream-kit.js';
import type { SseClient } from '../helpers/sse-client.js';
import { pollUntil } from '../helpers/poll.js';
import { redisServerPath, startProxy, startRedis, type CuttableProxy, type PrivateRedis } from '../faults/servers.js';

const haveRedisServer = redisServerPath() !== null;

/** No lost pushes (issue 10): what is published while the bus is unreachable arrives once it is back. */
describe.runIf(haveRedisServer)('push bus outbox and resume (private redis-server)', () => {
  let redis: PrivateRedis;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
    await redis?.stop();
  });

  function bus(url: string): PushBus {
    const pub = createRedis(url, 'pub');
    const sub = createRedis(url, 'sub');
    for (const r of [pub, sub]) r.on('error', () => undefined);
    const b = redisBus(pub, sub, () => undefined, 'gap:');
    closers.push(async () => {
      await b.close();
      pub.disconnect();
      sub.disconnect();
    });
    return b;
  }
  const msg = (n: number): BusMessage => ({ topic: 'dashboard', tenantId: 't', id: newMessageId(), type: 'event_created', data: { n } });

  it('delivers everything a process published while it could not reach Redis, once it can', async () => {
    // The sender reaches Redis through a proxy the test cuts; the receiver stays subscribed, so
    // whatever it misses could only have been lost by the sender.
    const proxy = await startProxy(redis.port);
    closers.push(() => proxy.close());
    const sender = bus(proxy.url);
    const receiver = bus(redis.url);
    const got: number[] = [];
    receiver.subscribe((m) => got.push(m.data.n as number));
    await pollUntil(() => sender.healthy() && receiver.healthy(), { what: 'both buses healthy' });
    await sender.publish(msg(0));
    await pollUntil(() => got.length === 1, { what: 'the first message' });

    proxy.cut();
    await pollUntil(() => !sender.healthy(), { what: 'the sender to notice' });
    await Promise.all([1, 2, 3].map((n) => sender.publish(msg(n))));
    proxy.restore();
    await pollUntil(() => got.length >= 4, { timeoutMs: 20_000, what: 'the messages published during the outage' });
    // A retried message may be overtaken by a later one; receivers treat late deploys and
    // assignments as hints and re-read the state (stream.hub.ts), so only loss matters here.
    expect([...got].sort()).toEqual([0, 1, 2, 3]);
  });

  it('tells a subscriber that lost Redis that it resumed, once it is subscribed again', async () => {
    const proxy = await startProxy(redis.port);
    closers.push(() => proxy.close());
    const receiver = bus(proxy.url);
    let resumed = 0;
    receiver.onResume(() => resumed++);
    await pollUntil(() => receiver.healthy(), { what: 'the receiver healthy' });
    expect(resumed).toBe(0);
    proxy.cut();
    await pollUntil(() => !receiver.healthy(), { what: 'the receiver to notice' });
    proxy.restore();
    await pollUntil(() => resumed === 1, { timeoutMs: 20_000, what: 'the resume signal' });
    expect(receiver.healthy()).toBe(true);
  });
});

/**
 * Two console apps sharing Postgres; B reaches Redis through a proxy the test cuts, so B alone
 * misses what A publishes. When B's subscription comes back it catches up from the database.
 */
describe.runIf(haveRedisServer && process.env.TEST_DATABASE_URL)('a process that missed bus messages catches up', () => {
  let redis: PrivateRedis;
  let proxy: CuttableProxy;
  let a: TestApp;
  let b: TestApp;
  let cookieA: string;
  let email: string;
  let key: string;
  let baseB: string;
  const open: SseClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    proxy = await startProxy(redis.port);
    a = await createStreamApp({ env: { EDICTUM_REDIS_URL: redis.url, EDICTUM_REDIS_PREFIX: 'gap:' } });
    b = await createStreamApp({
      env: { EDICTUM_REDIS_URL: proxy.url, EDICTUM_REDIS_PREFIX: 'gap:' },
      database: { database: a.deps.database, url: a.config.databaseUrl },
    });
    baseB = await b.listen();
    const admin = await a.admin();
    cookieA = admin.cookie;
    email = admin.email;
    key = await a.apiKey(cookieA, 'production');
    await uploadAndDeploy(a, cookieA, 'gap-bundle', 'production', 'first');
    await uploadAndDeploy(a, cookieA, 'gap-other', 'production', 'other');
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await b?.close();
    await a?.close();
    await proxy?.close();
    await redis?.stop();
  });

  it('delivers a deploy and an assignment made on A while B was cut off to B agents and dashboards', async () => {
    const named = await agentStream(baseB, key, { env: 'production', bundle_name: 'gap-bundle' }, 'gap-named');
    const assigned = await agentStream(baseB, key, { env: 'production' }, 'gap-assigned');
    const cookieB = await login(b.app, email, ADMIN_PASSWORD);
    const dash = await dashboardStream(baseB, cookieB);
    open.push(named, assigned, dash);
    await named.waitFor((e) => e.event === 'contract_update');

    proxy.cut();
    await pollUntil(() => !b.deps.bus.healthy(), { what: 'B to notice' });
    const { revision } = await uploadAndDeploy(a, cookieA, 'gap-bundle', 'production', 'during-gap');
    const res = await a.request({
      method: 'PATCH',
      url: '/api/v1/agent-registrations/gap-assigned',
      cookie: cookieA,
      payload: { bundle_name: 'gap-other' },
    });
    expect(res.statusCode, res.body).toBe(200);
    proxy.restore();

    expect(data(await named.waitFor((e) => e.event === 'contract_update' && data(e).revision_hash === revision, 20_000))).toMatchObject({
      bundle_name: 'gap-bundle',
    });
    expect(data(await assigned.waitFor((e) => e.event === 'assignment_changed', 20_000))).toMatchObject({
      agent_id: 'gap-assigned',
      bundle_name: 'gap-other',
    });
    await assigned.waitFor((e) => e.event === 'contract_update' && data(e).bundle_name === 'gap-other', 20_000);
    await dash.waitFor((e) => e.event === 'resync', 20_000);
    // Each agent got the deploy once: the catch-up sends only what differs from what it last got.
    expect(named.sdkEvents.filter((e) => e.event === 'contract_update' && data(e).revision_hash === revision)).toHaveLength(1);
  });
});

describe('a deploy sent late from an outbox', () => {
  it('is not sent again to an agent that already runs that revision, and still reaches one that does not', async () => {
    const t = await createStreamApp({ redis: false });
    const open: SseClient[] = [];
    try {
      const admin = await t.admin();
      const key = await t.apiKey(admin.cookie, 'production');
      const base = await t.listen();
      const { revision } = await uploadAndDeploy(t, admin.cookie, 'late-bundle', 'production', 'late');
      const current = await agentStream(base, key, { env: 'production', bundle_name: 'late-bundle', policy_version: revision }, 'late-1');
      const behind = await agentStream(base, key, { env: 'production', bundle_name: 'late-bundle', policy_version: 'old' }, 'late-2');
      open.push(current, behind);
      await behind.waitFor((e) => e.event === 'contract_update');
      const payload = { type: 'contract_update', bundle_name: 'late-bundle', revision_hash: revision };
      await t.deps.bus.publish({
        topic: 'agents',
        tenantId: admin.tenantId,
        env: 'production',
        bundleName: 'late-bundle',
        id: newMessageId(),
        type: 'contract_update',
        data: payload,
        late: true,
      });
      await marker(t, admin.tenantId, current, 'production');
      expect(current.sdkEvents.filter((e) => e.event === 'contract_update')).toHaveLength(0);
      // The agent that was behind got it on connect; the late copy is dropped for it too now.
      await marker(t, admin.tenantId, behind, 'production');
      expect(behind.sdkEvents.filter((e) => e.event === 'contract_update')).toHaveLength(1);
    } finally {
      for (const c of open) c.close();
      await t.close();
    }
  });
});

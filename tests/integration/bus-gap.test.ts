import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/platform/redis.js';
import { newMessageId, redisBus, type BusMessage, type PushBus } from '../../src/platform/push-bus.js';
import { ADMIN_PASSWORD, login, type TestApp } from '../helpers/test-app.js';
import { agentStream, createStreamApp, dashboardStream, data, uploadAndDeploy } from '../helpers/stream-kit.js';
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

  it('delivers, in order, what was published while Redis was down, and tells subscribers they resumed', async () => {
    const sender = bus(redis.url);
    const receiver = bus(redis.url);
    const got: number[] = [];
    receiver.subscribe((m) => got.push(m.data.n as number));
    let resumed = 0;
    receiver.onResume(() => resumed++);
    await sender.publish(msg(0));
    await pollUntil(() => got.length === 1, { what: 'the first message' });
    await pollUntil(() => sender.healthy() && receiver.healthy(), { what: 'both buses healthy' });

    await redis.kill();
    await pollUntil(() => !sender.healthy() && !receiver.healthy(), { what: 'both buses to notice' });
    // While Redis is down: none of these may be lost or reordered.
    await Promise.all([1, 2, 3].map((n) => sender.publish(msg(n))));
    await redis.start();
    await pollUntil(() => got.length === 4, { timeoutMs: 20_000, what: 'the messages published during the outage' });
    expect(got).toEqual([0, 1, 2, 3]);
    expect(resumed).toBe(1);
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

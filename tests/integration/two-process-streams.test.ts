import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, login, type TestApp } from '../helpers/test-app.js';
import { agentStream, createStreamApp, dashboardStream, data, uploadAndDeploy } from '../helpers/stream-kit.js';
import { expectEnded, type SseClient } from '../helpers/sse-client.js';

/**
 * Two console processes behind a load balancer (docs/scaling.md): one Postgres database and one
 * Redis shared by two apps. Needs real Postgres and Redis: PGlite lives inside one process and
 * the in-process bus cannot cross processes, so this only runs where CI provides both.
 */
describe.runIf(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL)('two processes sharing Postgres and Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let baseA: string;
  let baseB: string;
  let cookieA: string;
  let cookieB: string;
  let tenantId: string;
  let key: string;
  const open: SseClient[] = [];
  const track = (c: SseClient) => (open.push(c), c);

  beforeAll(async () => {
    // Same Redis prefix: both processes publish and subscribe on the same bus channel.
    const shared = { EDICTUM_REDIS_PREFIX: `tp${randomBytes(4).toString('hex')}:` };
    a = await createStreamApp({ env: shared });
    b = await createStreamApp({ env: shared, database: { database: a.deps.database, url: a.config.databaseUrl } });
    baseA = await a.listen();
    baseB = await b.listen();
    const admin = await a.admin();
    tenantId = admin.tenantId;
    cookieA = admin.cookie;
    cookieB = await login(b.app, admin.email, ADMIN_PASSWORD);
    key = await b.apiKey(cookieB, 'production');
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await b?.close();
    await a?.close();
  });

  it('refuses on A a key that B revoked, although A had just used it', async () => {
    const created = await b.request({ method: 'POST', url: '/api/v1/keys', cookie: cookieB, payload: { env: 'production' } });
    const { id, key: k } = created.json() as { id: string; key: string };
    // A looks the key up (and caches it) serving this request.
    expect((await a.request({ url: '/api/v1/sessions/tp-warm', apiKey: k })).statusCode).toBe(404);
    const heard = new Promise<void>((resolve) => {
      const off = a.deps.bus.subscribe((m) => {
        // The control message (the dashboard one of the same type comes first and evicts nothing).
        if (m.topic !== 'control' || m.type !== 'api_key_revoked' || m.data.key_id !== id) return;
        off();
        resolve();
      });
    });
    expect((await b.request({ method: 'DELETE', url: `/api/v1/keys/${id}`, cookie: cookieB })).statusCode).toBe(204);
    await heard;
    const res = await a.request({ url: '/api/v1/sessions/tp-warm', apiKey: k });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ detail: 'Invalid or revoked API key.' });
  });

  it('delivers a deploy made on B to an agent connected to A', async () => {
    const c = track(await agentStream(baseA, key, { env: 'production', bundle_name: 'tp-bundle' }, 'tp-agent-1'));
    const { revision } = await uploadAndDeploy(b, cookieB, 'tp-bundle', 'production', 'from-b');
    expect(data(await c.waitFor((e) => e.event === 'contract_update'))).toMatchObject({
      bundle_name: 'tp-bundle',
      revision_hash: revision,
    });
  });

  it('retargets an agent on A when B changes its assignment, and forwards approvals published on B', async () => {
    const c = track(await agentStream(baseA, key, { env: 'production' }, 'tp-agent-2'));
    const res = await b.request({
      method: 'PATCH',
      url: '/api/v1/agent-registrations/tp-agent-2',
      cookie: cookieB,
      payload: { bundle_name: 'tp-bundle' },
    });
    expect(res.statusCode).toBe(200);
    expect(data(await c.waitFor((e) => e.event === 'assignment_changed'))).toMatchObject({
      agent_id: 'tp-agent-2',
      bundle_name: 'tp-bundle',
    });
    await c.waitFor((e) => e.event === 'contract_update' && data(e).bundle_name === 'tp-bundle');
    await b.ctx.publish.agents(
      tenantId,
      'approval_created',
      { approval_id: 'tp-ap', agent_id: 'x', tool_name: 't', message: 'm' },
      { env: 'production' },
    );
    expect(data(await c.waitFor((e) => e.event === 'approval_created'))).toMatchObject({ approval_id: 'tp-ap' });
  });

  it('lists on B the agents connected to A, and counts them in B health', async () => {
    track(await agentStream(baseA, key, { env: 'production' }, 'tp-agent-3'));
    const status = (await b.request({ url: '/api/v1/agents/status', cookie: cookieB })).json() as {
      agents: { agent_id: string }[];
    };
    expect(status.agents.map((x) => x.agent_id)).toContain('tp-agent-3');
    // The cleanup pass refreshes B's view of other processes deterministically.
    await b.jobs.find((j) => j.name === 'connection_cleanup')!.run();
    expect(a.ctx.hub.connectedAgents()).toBeGreaterThanOrEqual(1);
    expect(b.ctx.hub.connectedAgents()).toBe(a.ctx.hub.connectedAgents());
  });

  it('closes on A the streams of a key revoked on B', async () => {
    const created = (
      await b.request({ method: 'POST', url: '/api/v1/keys', cookie: cookieB, payload: { env: 'production' } })
    ).json() as { id: string; key: string };
    const c = track(await agentStream(baseA, created.key, { env: 'production' }, 'tp-doomed'));
    expect(c.status).toBe(200);
    expect((await b.request({ method: 'DELETE', url: `/api/v1/keys/${created.id}`, cookie: cookieB })).statusCode).toBe(204);
    await expectEnded(c);
  });

  it('replays on B what a dashboard last saw on A (every process holds the same ring)', async () => {
    const onA = track(await dashboardStream(baseA, cookieA));
    await b.request({ method: 'POST', url: '/api/v1/keys', cookie: cookieB, payload: { env: 'production', label: 'tp-seen' } });
    const seen = await onA.waitForFull((e) => e.data.includes('tp-seen'));
    onA.close();
    const witness = track(await dashboardStream(baseB, cookieB));
    await a.request({ method: 'POST', url: '/api/v1/keys', cookie: cookieA, payload: { env: 'production', label: 'tp-missed' } });
    // B has the event in its ring once its own live dashboard saw it: what follows is a replay.
    await witness.waitForFull((e) => e.data.includes('tp-missed'));
    const onB = track(await dashboardStream(baseB, cookieB, { lastEventId: seen.id! }));
    const replayed = await onB.waitForFull((e) => e.data.includes('tp-missed'));
    expect(replayed.event).toBe('api_key_created');
    expect(onB.events[0]?.event).not.toBe('resync');
  });
});

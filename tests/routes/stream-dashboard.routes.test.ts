import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, ADMIN_PASSWORD, type TestApp, type Principal } from '../helpers/test-app.js';
import { agentStream, createStreamApp, dashboardStream, refusal } from '../helpers/stream-kit.js';
import { expectEnded, openSse, type SseClient, type FullEvent } from '../helpers/sse-client.js';

const payload = (e: FullEvent) => JSON.parse(e.data) as Record<string, unknown>;

/** The dashboard stream (console-api.md 2.2 + decision 3: ids, Last-Event-ID replay, resync). */
describe('dashboard stream', () => {
  let t: TestApp;
  let base: string;
  let admin: Principal;
  const open: SseClient[] = [];
  const track = (c: SseClient) => (open.push(c), c);
  const keyCreated = async (label: string) => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/keys',
      cookie: admin.cookie,
      payload: { env: 'production', label },
    });
    expect(res.statusCode).toBe(201);
  };

  beforeAll(async () => {
    t = await createStreamApp();
    base = await t.listen();
    admin = await t.admin();
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t?.close();
  });

  it('answers 401 without a session', async () => {
    expect(await refusal(await dashboardStream(base, null))).toEqual({ status: 401, body: { detail: 'Not authenticated.' } });
  });

  it('answers 403 to an API key: the dashboard stream needs a session', async () => {
    const key = await t.apiKey(admin.cookie, 'production');
    const c = await openSse(`${base}/api/v1/stream/dashboard`, { authorization: `Bearer ${key}` });
    expect((await refusal(c)).status).toBe(403);
  });

  it('names the field for a malformed last_event_id', async () => {
    const r = await refusal(await dashboardStream(base, admin.cookie, { query: '?last_event_id=%3Cscript%3E' }));
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).toContain('last_event_id');
    const h = await refusal(await dashboardStream(base, admin.cookie, { lastEventId: 'bad id with spaces' }));
    expect(h.status).toBe(422);
  });

  it('forwards the dashboard event types with an id on each, from every env, and drops the rest', async () => {
    const c = track(await dashboardStream(base, admin.cookie));
    expect(c.headers['content-type']).toBe('text/event-stream');
    await t.ctx.publish.dashboard(admin.tenantId, 'internal_only', { secret: 'nope' });
    await t.ctx.publish.dashboard(admin.tenantId, 'bundle_deployed', {
      bundle_name: 'b',
      version: 1,
      env: 'eu.staging-2',
      deployed_by: 'x',
    });
    await keyCreated('fwd');
    const deployed = await c.waitForFull((e) => e.event === 'bundle_deployed');
    expect(payload(deployed)).toMatchObject({ type: 'bundle_deployed', env: 'eu.staging-2' });
    const created = await c.waitForFull((e) => e.event === 'api_key_created');
    expect(payload(created)).toMatchObject({ env: 'production', label: 'fwd' });
    expect(c.events.map((e) => e.event)).not.toContain('internal_only');
    for (const e of c.events) expect(e.id).toMatch(/^[A-Za-z0-9_.:-]+$/);
  });

  it('publishes agent_connected and agent_disconnected', async () => {
    const c = track(await dashboardStream(base, admin.cookie));
    const key = await t.apiKey(admin.cookie, 'production');
    const agent = await agentStream(base, key, { env: 'production', bundle_name: 'dash-b' }, 'dash-agent');
    const conn = await c.waitForFull((e) => e.event === 'agent_connected' && payload(e).agent_id === 'dash-agent');
    expect(payload(conn)).toMatchObject({ env: 'production', bundle_name: 'dash-b' });
    agent.close();
    await c.waitForFull((e) => e.event === 'agent_disconnected' && payload(e).agent_id === 'dash-agent');
  });

  it('replays what a reconnecting dashboard missed, by Last-Event-ID header or query', async () => {
    const first = track(await dashboardStream(base, admin.cookie));
    await keyCreated('before');
    const seen = await first.waitForFull((e) => e.event === 'api_key_created' && payload(e).label === 'before');
    first.close();
    await keyCreated('missed-1');
    await keyCreated('missed-2');
    // A witness proves both were published (and so are in the ring) before reconnecting.
    const witness = track(await dashboardStream(base, admin.cookie, { lastEventId: seen.id! }));
    await witness.waitForFull((e) => payload(e).label === 'missed-2');
    const labels = (c: SseClient) => c.events.filter((e) => e.event === 'api_key_created').map((e) => payload(e).label);
    expect(labels(witness)).toEqual(['missed-1', 'missed-2']);

    const viaQuery = track(
      await dashboardStream(base, admin.cookie, { query: `?last_event_id=${encodeURIComponent(seen.id!)}` }),
    );
    await viaQuery.waitForFull((e) => payload(e).label === 'missed-2');
    expect(labels(viaQuery)).toEqual(['missed-1', 'missed-2']);
  });

  it('sends resync when the Last-Event-ID is unknown (too old or from elsewhere)', async () => {
    await keyCreated('ring-not-empty');
    const c = track(await dashboardStream(base, admin.cookie, { lastEventId: 'zzzz-unknown-1' }));
    const e = await c.waitForFull((ev) => ev.event === 'resync');
    expect(payload(e)).toEqual({ type: 'resync' });
    expect(c.events[0]?.event).toBe('resync');
  });

  it('ends the stream when its session is gone (logout)', async () => {
    const cookie = await login(t.app, admin.email, ADMIN_PASSWORD);
    const c = track(await dashboardStream(base, cookie));
    expect(c.status).toBe(200);
    const out = await t.request({ method: 'POST', url: '/api/v1/auth/logout', cookie });
    expect(out.statusCode).toBe(200);
    // Re-checked every 4 keepalives (1 s in tests), at most every 60 s in production.
    await expectEnded(c, 15_000);
  });
});

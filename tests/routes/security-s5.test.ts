import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp, Principal } from '../helpers/test-app.js';
import { agentStream, createStreamApp, dashboardStream, data, marker, refusal, uploadAndDeploy } from '../helpers/stream-kit.js';
import { openSse, type SseClient } from '../helpers/sse-client.js';

/**
 * Security suite S5, the SSE channel (product-surface.md): one tenant never receives another
 * tenant's events on either stream, and each stream takes only its own kind of credential.
 */
describe('S5: SSE channel isolation', () => {
  let t: TestApp;
  let base: string;
  let a: Principal;
  let b: Principal;
  let keyA: string;
  let keyB: string;
  const open: SseClient[] = [];
  const track = (c: SseClient) => (open.push(c), c);

  beforeAll(async () => {
    t = await createStreamApp();
    base = await t.listen();
    a = await t.admin();
    b = await t.otherTenant();
    keyA = await t.apiKey(a.cookie, 'production');
    keyB = await t.apiKey(b.cookie, 'production');
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t?.close();
  });

  it("never delivers a tenant's deploys, approvals or assignments to another tenant's agent stream", async () => {
    // Same env, same bundle name, same agent id in both tenants: only the tenant tells them apart.
    const streamA = track(await agentStream(base, keyA, { env: 'production', bundle_name: 'shared' }, 'same-agent'));
    const streamB = track(await agentStream(base, keyB, { env: 'production', bundle_name: 'shared' }, 'same-agent'));
    await uploadAndDeploy(t, a.cookie, 'shared', 'production', 'tenant-a');
    await t.ctx.publish.agents(
      a.tenantId,
      'approval_created',
      { approval_id: 'secret-approval', agent_id: 'same-agent', tool_name: 't', message: 'm' },
      { env: 'production' },
    );
    const patch = await t.request({
      method: 'PATCH',
      url: '/api/v1/agent-registrations/same-agent',
      cookie: a.cookie,
      payload: { bundle_name: 'elsewhere' },
    });
    expect(patch.statusCode).toBe(200);
    await streamA.waitFor((e) => e.event === 'assignment_changed');
    expect(streamA.sdkEvents.map((e) => e.event)).toEqual(expect.arrayContaining(['contract_update', 'approval_created']));
    await marker(t, b.tenantId, streamB, 'production', 'same-agent');
    expect(streamB.sdkEvents.map((e) => e.event)).toEqual(['approval_created']);
    expect(data(streamB.sdkEvents[0]!).approval_id).toMatch(/^marker-/);
  });

  it("cannot reassign or revoke across tenants: another tenant's agent and key are 404 and its stream is untouched", async () => {
    const streamA = track(await agentStream(base, keyA, { env: 'production' }, 'a-only'));
    const patch = await t.request({
      method: 'PATCH',
      url: '/api/v1/agent-registrations/a-only',
      cookie: b.cookie,
      payload: { bundle_name: 'evil' },
    });
    expect(patch.statusCode).toBe(404);
    const keys = (await t.request({ url: '/api/v1/keys', cookie: a.cookie })).json() as { id: string }[];
    for (const k of keys)
      expect((await t.request({ method: 'DELETE', url: `/api/v1/keys/${k.id}`, cookie: b.cookie })).statusCode).toBe(404);
    await marker(t, a.tenantId, streamA, 'production', 'a-only');
    expect(streamA.sdkEvents.map((e) => e.event)).toEqual(['approval_created']);
  });

  it("never delivers a tenant's dashboard events to another tenant's dashboard", async () => {
    const dashA = track(await dashboardStream(base, a.cookie));
    const dashB = track(await dashboardStream(base, b.cookie));
    await t.request({ method: 'POST', url: '/api/v1/keys', cookie: a.cookie, payload: { env: 'production', label: 'a-secret' } });
    await t.request({ method: 'POST', url: '/api/v1/keys', cookie: b.cookie, payload: { env: 'production', label: 'b-marker' } });
    await dashA.waitForFull((e) => e.event === 'api_key_created');
    await dashB.waitForFull((e) => e.event === 'api_key_created');
    const labels = dashB.events
      .filter((e) => e.event === 'api_key_created')
      .map((e) => (JSON.parse(e.data) as { label: string }).label);
    expect(labels).toEqual(['b-marker']);
  });

  it("replays nothing of another tenant's ring for a Last-Event-ID taken from it", async () => {
    const dashA = track(await dashboardStream(base, a.cookie));
    await t.request({ method: 'POST', url: '/api/v1/keys', cookie: a.cookie, payload: { env: 'production', label: 'a-ring-1' } });
    const seen = await dashA.waitForFull((e) => e.event === 'api_key_created');
    await t.request({ method: 'POST', url: '/api/v1/keys', cookie: a.cookie, payload: { env: 'production', label: 'a-ring-2' } });
    await dashA.waitForFull((e) => e.data.includes('a-ring-2'));
    const stolen = track(await dashboardStream(base, b.cookie, { lastEventId: seen.id! }));
    const first = await stolen.waitForFull(() => true);
    expect(first.event).toBe('resync');
    expect(stolen.events.map((e) => e.data).join('')).not.toContain('a-ring');
  });

  it('an API key cannot open the dashboard stream', async () => {
    const c = await openSse(`${base}/api/v1/stream/dashboard`, { authorization: `Bearer ${keyA}` });
    expect((await refusal(c)).status).toBe(403);
  });

  it('a dashboard session cannot open the agent stream', async () => {
    const c = await openSse(`${base}/api/v1/stream?env=production`, { cookie: a.cookie });
    expect((await refusal(c)).status).toBe(401);
  });

  it("a key cannot widen its env to another env's stream", async () => {
    const c = await agentStream(base, keyA, { env: 'staging' });
    const r = await refusal(c);
    expect(r.status).toBe(403);
    expect(JSON.stringify(r.body)).not.toContain(keyA);
  });
});

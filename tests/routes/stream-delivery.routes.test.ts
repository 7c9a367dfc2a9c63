import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp, Principal } from '../helpers/test-app.js';
import { agentStream, createStreamApp, dashboardStream, data, marker, uploadAndDeploy } from '../helpers/stream-kit.js';
import { expectEnded, type SseClient } from '../helpers/sse-client.js';

/** Delivery rules (console-api.md 2.1), revocation, slow consumers (decision 6), shutdown. */
describe('agent stream delivery', () => {
  let t: TestApp;
  let base: string;
  let admin: Principal;
  let key: string;
  const open: SseClient[] = [];
  const track = (c: SseClient) => (open.push(c), c);

  beforeAll(async () => {
    t = await createStreamApp();
    base = await t.listen();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t?.close();
  });

  it("delivers a deploy's contract_update only to connections targeting that bundle", async () => {
    const onA = track(await agentStream(base, key, { env: 'production', bundle_name: 'route-a' }, 'route-1'));
    const onB = track(await agentStream(base, key, { env: 'production', bundle_name: 'route-b' }, 'route-2'));
    const none = track(await agentStream(base, key, { env: 'production' }, 'route-3'));
    const { revision } = await uploadAndDeploy(t, admin.cookie, 'route-a', 'production', 'a1');
    expect(data(await onA.waitFor((e) => e.event === 'contract_update')).revision_hash).toBe(revision);
    for (const c of [onB, none]) {
      await marker(t, admin.tenantId, c, 'production');
      expect(c.sdkEvents.map((e) => e.event)).not.toContain('contract_update');
    }
  });

  it('does not deliver a deploy in another env', async () => {
    const c = track(await agentStream(base, key, { env: 'production', bundle_name: 'route-env' }, 'route-4'));
    await uploadAndDeploy(t, admin.cookie, 'route-env', 'staging', 's1');
    await marker(t, admin.tenantId, c, 'production');
    expect(c.sdkEvents.map((e) => e.event)).not.toContain('contract_update');
  });

  it("delivers approval events to every connection in the approval's env", async () => {
    const c1 = track(await agentStream(base, key, { env: 'production' }, 'appr-1'));
    const c2 = track(await agentStream(base, key, { env: 'production', bundle_name: 'x' }, 'appr-2'));
    await t.ctx.publish.agents(
      admin.tenantId,
      'approval_decided',
      { approval_id: 'ap-1', status: 'approved', decided_by: 'a@b.c' },
      { env: 'production' },
    );
    for (const c of [c1, c2])
      expect(data(await c.waitFor((e) => e.event === 'approval_decided'))).toMatchObject({
        approval_id: 'ap-1',
        status: 'approved',
      });
  });

  it('closes the streams of a revoked key at once', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/keys',
      cookie: admin.cookie,
      payload: { env: 'production' },
    });
    const { id, key: doomed } = created.json() as { id: string; key: string };
    const c = track(await agentStream(base, doomed, { env: 'production' }, 'revoked-agent'));
    const other = track(await agentStream(base, key, { env: 'production' }, 'survivor'));
    expect(c.status).toBe(200);
    const del = await t.request({ method: 'DELETE', url: `/api/v1/keys/${id}`, cookie: admin.cookie });
    expect(del.statusCode).toBe(204);
    await expectEnded(c);
    await marker(t, admin.tenantId, other, 'production', 'survivor');
    const again = await agentStream(base, doomed, { env: 'production' }, 'revoked-agent');
    await again.ended;
    expect(again.status).toBe(401);
  });

  it('disconnects a consumer that stops reading instead of buffering for it forever', async () => {
    const dash = track(await dashboardStream(base, admin.cookie));
    const slow = track(await agentStream(base, key, { env: 'production' }, 'slow-agent'));
    slow.pause();
    const big = 'x'.repeat(256 * 1024);
    // ~40 MiB offered: far past what the kernel buffers on loopback plus our 1 MiB bound.
    for (let i = 0; i < 160; i++) {
      await t.ctx.publish.agents(
        admin.tenantId,
        'approval_created',
        { approval_id: `big-${i}`, agent_id: 'x', tool_name: 'x', message: big },
        { env: 'production', agentId: 'slow-agent' },
      );
    }
    const gone = await dash.waitForFull(
      (e) => e.event === 'agent_disconnected' && (JSON.parse(e.data) as { agent_id: string }).agent_id === 'slow-agent',
      10_000,
      'agent_disconnected',
    );
    expect(gone.event).toBe('agent_disconnected');
    const status = (await t.request({ url: '/api/v1/agents/status', cookie: admin.cookie })).json() as {
      agents: { agent_id: string }[];
    };
    expect(status.agents.map((a) => a.agent_id)).not.toContain('slow-agent');
  });
});

describe('agent stream shutdown', () => {
  it('ends every stream cleanly on close, so the SDK reconnects elsewhere', async () => {
    const t = await createStreamApp();
    try {
      const base = await t.listen();
      const admin = await t.admin();
      const key = await t.apiKey(admin.cookie, 'production');
      const agent = await agentStream(base, key, { env: 'production' }, 'shut-1');
      const dash = await dashboardStream(base, admin.cookie);
      expect(t.ctx.hub.connectedAgents()).toBe(1);
      const closing = t.app.close();
      expect(await expectEnded(agent)).toBe('end');
      expect(await expectEnded(dash)).toBe('end');
      await closing;
    } finally {
      await t.close();
    }
  });
});

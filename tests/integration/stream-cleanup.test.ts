import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { TestApp, Principal } from '../helpers/test-app.js';
import { agentStream, createStreamApp } from '../helpers/stream-kit.js';
import type { SseClient } from '../helpers/sse-client.js';

/** The live-connections table and the connection-cleanup job (docs/scaling.md). */
describe('live connections bookkeeping', () => {
  let t: TestApp;
  let base: string;
  let admin: Principal;
  let key: string;
  const open: SseClient[] = [];
  const job = () => t.jobs.find((j) => j.name === 'connection_cleanup')!;
  const rows = (q: ReturnType<typeof sql>) => t.deps.database.rows<Record<string, unknown>>(q);
  const listed = async () =>
    (
      (await t.request({ url: '/api/v1/agents/status', cookie: admin.cookie })).json() as { agents: { agent_id: string }[] }
    ).agents.map((a) => a.agent_id);
  const insertLive = (processId: string, agentId: string) =>
    rows(sql`INSERT INTO live_agent_connections (id, process_id, tenant_id, agent_id, env, bundle_source, key_id, connected_at)
             VALUES (${randomUUID()}, ${processId}, ${admin.tenantId}, ${agentId}, 'production', 'none', ${randomUUID()}, now())`);

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

  it('returns the connection_cleanup job: every 5 minutes, in every process', () => {
    expect(job()).toMatchObject({ name: 'connection_cleanup', intervalMs: 300_000, leaderOnly: false });
  });

  it("ignores a dead process's connections at once and sweeps them", async () => {
    const dead = randomUUID();
    await rows(sql`INSERT INTO stream_processes (id, heartbeat_at) VALUES (${dead}, now() - interval '5 minutes')`);
    await insertLive(dead, 'ghost-agent');
    expect(await listed()).not.toContain('ghost-agent');
    await job().run();
    expect(await rows(sql`SELECT 1 FROM live_agent_connections WHERE process_id = ${dead}`)).toEqual([]);
    expect(await rows(sql`SELECT 1 FROM stream_processes WHERE id = ${dead}`)).toEqual([]);
  });

  it('sweeps a row of this process that no socket backs, and keeps the live ones', async () => {
    const c = await agentStream(base, key, { env: 'production' }, 'kept-agent');
    open.push(c);
    const [me] = await rows(sql`SELECT process_id FROM live_agent_connections WHERE agent_id = 'kept-agent'`);
    await insertLive(me!.process_id as string, 'orphan-agent');
    expect(await listed()).toEqual(expect.arrayContaining(['kept-agent', 'orphan-agent']));
    await job().run();
    const after = await listed();
    expect(after).toContain('kept-agent');
    expect(after).not.toContain('orphan-agent');
  });

  it("counts another live process's streams in health's connected_agents", async () => {
    const before = t.ctx.hub.connectedAgents();
    const peer = randomUUID();
    await rows(sql`INSERT INTO stream_processes (id, heartbeat_at) VALUES (${peer}, now())`);
    await insertLive(peer, 'peer-agent-1');
    await insertLive(peer, 'peer-agent-2');
    await job().run();
    expect(t.ctx.hub.connectedAgents()).toBe(before + 2);
    const health = await t.request({ url: '/api/v1/health/details', cookie: admin.cookie });
    expect((health.json() as { connected_agents: number }).connected_agents).toBe(before + 2);
    expect(await listed()).toEqual(expect.arrayContaining(['peer-agent-1', 'peer-agent-2']));
  });
});

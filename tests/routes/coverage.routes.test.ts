import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { fromNow, postEvents, tsEvent } from '../helpers/events-fixtures.js';
import { OPS_YAML, SUPPORT_YAML, seedBundle, seedDeployment } from '../helpers/events-bundles.js';

type Tool = { tool_name: string; status: string; contract_name: string | null; mode: string | null; bundle_name: string | null; source: string | null; event_count: number; deny_count?: number; allow_count?: number; observe_count?: number };
type Coverage = { agent_id: string; environment: string; deployed_bundle: { name: string; version: number } | null; tools: Tool[]; summary: Record<string, number> };
type Fleet = {
  agents: { agent_id: string; environment: string; total_tools: number; enforced: number; observed: number; ungoverned: number; coverage_pct: number; drift_status: string; event_count_24h: number; last_seen: string | null }[];
  fleet_summary: { total_agents: number; fully_enforced: number; with_ungoverned: number; with_drift: number; total_ungoverned_tools: number; ungoverned_tools: { tool_name: string; agent_count: number; agent_ids: string[] }[] };
};

describe('coverage and fleet coverage', () => {
  let t: TestApp;
  let admin: Principal;
  let prodKey: string;
  let supportHash: string;
  const get = (url: string, who: { cookie?: string; apiKey?: string }) => t.request({ url, ...who });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.admin();
    prodKey = await t.apiKey(admin.cookie, 'production');
    const devKey = await t.apiKey(admin.cookie, 'dev');
    supportHash = await seedBundle(t, admin.tenantId, 'support-agent', 1, SUPPORT_YAML);
    await seedBundle(t, admin.tenantId, 'ops', 1, OPS_YAML);
    await seedDeployment(t, admin.tenantId, 'production', 'support-agent', 1, new Date(Date.now() - 7200_000));
    await seedDeployment(t, admin.tenantId, 'production', 'ops', 1, new Date(Date.now() - 3600_000));
    const on = (agent_id: string, tool_name: string, verdict: string, policy_version: string, ago = 60_000) =>
      tsEvent({ agent_id, tool_name, verdict, timestamp: fromNow(-ago), payload: { bundle_name: 'support-agent', policy_version } });
    await postEvents(t, prodKey, {
      events: [
        on('agent-cov', 'read_file', 'call_denied', supportHash),
        on('agent-cov', 'read_file', 'call_allowed', supportHash),
        on('agent-cov', 'issue_refund', 'call_executed', supportHash),
        on('agent-cov', 'lookup_customer', 'call_would_deny', supportHash),
        on('agent-cov', 'shell_exec', 'call_allowed', supportHash),
        on('agent-cov', 'unknown_tool', 'call_allowed', supportHash, 30_000),
        on('agent-old', 'read_file', 'call_allowed', 'f'.repeat(64)),
        on('agent-old', 'mystery', 'call_allowed', 'f'.repeat(64)),
      ],
    });
    // An agent with local contracts only (no deployment in its env): its manifest governs.
    await postEvents(t, devKey, {
      events: [tsEvent({ agent_id: 'gate-1', tool_name: 'Bash', timestamp: fromNow(-120_000) }), tsEvent({ agent_id: 'gate-1', tool_name: 'Read', timestamp: fromNow(-120_000) })],
      agent_manifest: { agent_id: 'gate-1', policy_version: 'local-1', contracts: [{ id: 'no-bash', type: 'pre', tool: ['Bash'], mode: 'enforce' }] },
    });
  });
  afterAll(async () => t?.close());

  it('needs a dashboard session (401 without, 403 with an API key)', async () => {
    expect((await get('/api/v1/agents/agent-cov/coverage', {})).statusCode).toBe(401);
    expect((await get('/api/v1/agents/agent-cov/coverage', { apiKey: prodKey })).statusCode).toBe(403);
    expect((await get('/api/v1/agents/fleet-coverage', { apiKey: prodKey })).statusCode).toBe(403);
    expect((await get('/api/v1/agents/agent-cov/history', { apiKey: prodKey })).statusCode).toBe(403);
  });

  it('classifies each tool against every bundle deployed to the agent env', async () => {
    const res = await get('/api/v1/agents/agent-cov/coverage?include_verdicts=true', { cookie: admin.cookie });
    expect(res.statusCode).toBe(200);
    const c = res.json() as Coverage;
    expect(c.environment).toBe('production');
    expect(c.deployed_bundle).toMatchObject({ name: 'ops', version: 1 });
    const by = Object.fromEntries(c.tools.map((x) => [x.tool_name, x]));
    expect(by.read_file).toMatchObject({ status: 'enforced', contract_name: 'no-secret-files', bundle_name: 'support-agent', source: 'console', event_count: 2, deny_count: 1, allow_count: 1, observe_count: 0 });
    expect(by.issue_refund).toMatchObject({ status: 'enforced', allow_count: 1 });
    expect(by.lookup_customer).toMatchObject({ status: 'observed', mode: 'observe', observe_count: 1 });
    // The ops bundle's default mode is observe, and its glob matches shell_exec.
    expect(by.shell_exec).toMatchObject({ status: 'observed', contract_name: 'shell-watch', bundle_name: 'ops' });
    expect(by.unknown_tool).toMatchObject({ status: 'ungoverned', contract_name: null, source: null });
    expect(c.tools.map((x) => x.status)).toEqual(['enforced', 'enforced', 'observed', 'observed', 'ungoverned']);
    expect(c.summary).toEqual({ total_tools: 5, enforced: 2, observed: 2, ungoverned: 1, coverage_pct: 40 });
  });

  it('omits the verdict counts unless asked, and narrows the window with since', async () => {
    const c = (await get(`/api/v1/agents/agent-cov/coverage?since=${fromNow(-45_000)}`, { cookie: admin.cookie })).json() as Coverage;
    expect(c.tools.map((x) => x.tool_name)).toEqual(['unknown_tool']);
    expect(c.tools[0]!.deny_count).toBeUndefined();
  });

  it('falls back to the agent manifest when nothing is deployed in its env', async () => {
    const c = (await get('/api/v1/agents/gate-1/coverage', { cookie: admin.cookie })).json() as Coverage;
    expect(c.environment).toBe('dev');
    expect(c.deployed_bundle).toBeNull();
    const by = Object.fromEntries(c.tools.map((x) => [x.tool_name, x]));
    expect(by.Bash).toMatchObject({ status: 'enforced', contract_name: 'no-bash', bundle_name: 'local', source: 'local' });
    expect(by.Read).toMatchObject({ status: 'ungoverned' });
  });

  it("answers 404 for an agent without events, and for another tenant's agent", async () => {
    const res = await get('/api/v1/agents/nobody/coverage', { cookie: admin.cookie });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: "No events found for agent 'nobody'" });
    const other = await t.otherTenant();
    expect((await get('/api/v1/agents/agent-cov/coverage', { cookie: other.cookie })).statusCode).toBe(404);
    expect((await get('/api/v1/agents/agent-cov/history', { cookie: other.cookie })).statusCode).toBe(404);
    const fleet = (await get('/api/v1/agents/fleet-coverage', { cookie: other.cookie })).json() as Fleet;
    expect(fleet.agents).toEqual([]);
  });

  it('answers 400 on a since it cannot read, as the reference does, and 422 on other bad input', async () => {
    const bad = await get('/api/v1/agents/agent-cov/coverage?since=yesterday', { cookie: admin.cookie });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ detail: 'Invalid since value: yesterday' });
    const big = await get('/api/v1/agents/fleet-coverage?since=4000d', { cookie: admin.cookie });
    expect(big.json()).toEqual({ detail: 'Duration too large: 4000d (max 10 years)' });
    expect((await get('/api/v1/agents/agent-cov/coverage?include_verdicts=maybe', { cookie: admin.cookie })).statusCode).toBe(422);
    expect((await get('/api/v1/agents/fleet-coverage?env=-x', { cookie: admin.cookie })).statusCode).toBe(422);
    expect((await get(`/api/v1/agents/${'a'.repeat(256)}/coverage`, { cookie: admin.cookie })).statusCode).toBe(422);
  });

  it('summarises the fleet, with drift measured against each agent own bundle', async () => {
    const res = await get('/api/v1/agents/fleet-coverage', { cookie: admin.cookie });
    expect(res.statusCode).toBe(200);
    const f = res.json() as Fleet;
    const by = Object.fromEntries(f.agents.map((a) => [a.agent_id, a]));
    expect(by['agent-cov']).toMatchObject({ environment: 'production', total_tools: 5, enforced: 2, observed: 2, ungoverned: 1, coverage_pct: 40, drift_status: 'current', event_count_24h: 6 });
    // support-agent is not the latest deployment in production (ops is), yet agent-cov is current.
    expect(by['agent-old']).toMatchObject({ drift_status: 'drift', ungoverned: 1 });
    expect(by['gate-1']).toMatchObject({ environment: 'dev', enforced: 1, ungoverned: 1, drift_status: 'unknown' });
    expect(f.fleet_summary).toMatchObject({ total_agents: 3, fully_enforced: 0, with_ungoverned: 3, with_drift: 1, total_ungoverned_tools: 3 });
    expect(f.fleet_summary.ungoverned_tools.map((u) => u.agent_count)).toEqual([1, 1, 1]);
    const envOnly = (await get('/api/v1/agents/fleet-coverage?env=dev&since=7d', { cookie: admin.cookie })).json() as Fleet;
    expect(envOnly.agents.map((a) => a.agent_id)).toEqual(['gate-1']);
  });
});

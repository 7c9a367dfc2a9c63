import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { fromNow, postEvents, tsEvent } from '../helpers/events-fixtures.js';
import { approvals } from '../../src/db/schema.js';

const HOUR = 3_600_000;

describe('stats', () => {
  let t: TestApp;
  let admin: Principal;
  let prodKey: string;
  let stageKey: string;
  const get = (url: string, who: { cookie?: string; apiKey?: string }) => t.request({ url, ...who });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.admin();
    prodKey = await t.apiKey(admin.cookie, 'production');
    stageKey = await t.apiKey(admin.cookie, 'staging');
    const ev = (agent_id: string, ago: number, verdict = 'call_allowed', mode = 'enforce', decision_name: string | null = null) =>
      tsEvent({ agent_id, verdict, mode, timestamp: fromNow(-ago), payload: { decision_name } });
    await postEvents(t, prodKey, {
      events: [
        ev('a1', 10 * 60_000, 'call_denied', 'enforce', 'no-secrets'),
        ev('a1', 20 * 60_000, 'call_allowed'),
        ev('a2', 30 * 60_000, 'call_would_deny', 'observe', 'watch-shell'),
        ev('a3', 2 * HOUR, 'call_denied', 'enforce', 'no-secrets'),
        ev('a4', 30 * HOUR, 'call_denied', 'enforce', 'old-rule'),
      ],
    });
    await postEvents(t, stageKey, { events: [ev('s1', 5 * 60_000, 'call_would_deny', 'enforce', 'stage-rule'), ev('s1', 6 * 60_000)] });
    const approval = (env: string, status: string) => ({
      tenantId: admin.tenantId,
      agentId: 'a1',
      toolName: 'x',
      message: 'm',
      env,
      status,
      expiresAt: new Date(Date.now() + HOUR),
    });
    await t.deps.database.db.insert(approvals).values([approval('production', 'pending'), approval('staging', 'pending'), approval('production', 'approved')]);
  });
  afterAll(async () => t?.close());

  it('refuses a request without a credential', async () => {
    expect((await get('/api/v1/stats/overview', {})).statusCode).toBe(401);
    expect((await get('/api/v1/stats/contracts', {})).statusCode).toBe(401);
  });

  it('counts the whole tenant for a session', async () => {
    const res = await get('/api/v1/stats/overview', { cookie: admin.cookie });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      pending_approvals: 2,
      active_agents: 3,
      total_agents: 5,
      events_24h: 6,
      denials_24h: 2,
      observe_findings_24h: 1,
      contracts_triggered_24h: 3,
    });
  });

  it("counts only the key's env for an API key", async () => {
    expect((await get('/api/v1/stats/overview', { apiKey: prodKey })).json()).toEqual({
      pending_approvals: 1,
      active_agents: 2,
      total_agents: 4,
      events_24h: 4,
      denials_24h: 2,
      observe_findings_24h: 1,
      contracts_triggered_24h: 2,
    });
    expect((await get('/api/v1/stats/overview', { apiKey: stageKey })).json()).toMatchObject({ pending_approvals: 1, total_agents: 1, events_24h: 2 });
  });

  it('shows another tenant only zeros', async () => {
    const other = await t.otherTenant();
    expect((await get('/api/v1/stats/overview', { cookie: other.cookie })).json()).toEqual({
      pending_approvals: 0,
      active_agents: 0,
      total_agents: 0,
      events_24h: 0,
      denials_24h: 0,
      observe_findings_24h: 0,
      contracts_triggered_24h: 0,
    });
    expect((await get('/api/v1/stats/contracts', { cookie: other.cookie })).json()).toMatchObject({ coverage: [], total_events: 0 });
  });

  it('groups the last 24 h by contract (session only)', async () => {
    expect((await get('/api/v1/stats/contracts', { apiKey: prodKey })).statusCode).toBe(403);
    const res = await get('/api/v1/stats/contracts', { cookie: admin.cookie });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { coverage: { decision_name: string; total_evaluations: number; total_denials: number; total_warnings: number; last_triggered: string }[]; total_events: number; period_start: string; period_end: string };
    expect(body.total_events).toBe(6);
    expect(body.coverage.map((c) => [c.decision_name, c.total_evaluations, c.total_denials, c.total_warnings])).toEqual([
      ['no-secrets', 2, 2, 0],
      ['stage-rule', 1, 0, 1],
      ['watch-shell', 1, 0, 1],
    ]);
    expect(Date.parse(body.period_end) - Date.parse(body.period_start)).toBe(24 * HOUR);
  });

  it('takes an explicit window, and names a bad one', async () => {
    const since = fromNow(-40 * HOUR);
    const until = fromNow(-HOUR);
    const body = (await get(`/api/v1/stats/contracts?since=${since}&until=${until}`, { cookie: admin.cookie })).json() as { coverage: { decision_name: string }[]; total_events: number };
    expect(body.coverage.map((c) => c.decision_name)).toEqual(['no-secrets', 'old-rule']);
    expect(body.total_events).toBe(2);
    const bad = await get('/api/v1/stats/contracts?since=soon', { cookie: admin.cookie });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ detail: [{ loc: ['query', 'since'] }] });
    const reversed = await get(`/api/v1/stats/contracts?since=${until}&until=${since}`, { cookie: admin.cookie });
    expect(reversed.statusCode).toBe(422);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { postEvents, tsEvent } from '../helpers/events-fixtures.js';
import { SUPPORT_YAML, seedBundle, seedDeployment } from '../helpers/events-bundles.js';

type Entry = { type: string; timestamp: string; expected_version: string | null; actual_version: string | null; drift_duration_seconds: number | null; bundle_version: number | null; environment: string | null; policy_version: string | null };
type History = { agent_id: string; environment: string | null; events: Entry[] };

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const us = (ms: number) => `${iso(ms).slice(0, 23)}000Z`;

describe('agent history', () => {
  let t: TestApp;
  let admin: Principal;
  let h1: string;
  let h2: string;
  const now = Math.floor(Date.now() / 1000) * 1000;
  const D1 = now - 180 * MIN;
  const D2 = now - 60 * MIN;
  const S1 = now - 120 * MIN;
  const get = (url: string) => t.request({ url, cookie: admin.cookie });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.admin();
    const prod = await t.apiKey(admin.cookie, 'production');
    const staging = await t.apiKey(admin.cookie, 'staging');
    h1 = await seedBundle(t, admin.tenantId, 'support-agent', 1, SUPPORT_YAML);
    h2 = await seedBundle(t, admin.tenantId, 'support-agent', 2, SUPPORT_YAML.replace('max_tool_calls: 50', 'max_tool_calls: 40'));
    await seedDeployment(t, admin.tenantId, 'production', 'support-agent', 1, new Date(D1));
    await seedDeployment(t, admin.tenantId, 'production', 'support-agent', 2, new Date(D2));
    await seedDeployment(t, admin.tenantId, 'staging', 'support-agent', 1, new Date(S1));
    const ev = (agent: string, at: number, pv: string) => tsEvent({ agent_id: agent, timestamp: iso(at), payload: { policy_version: pv } });
    await postEvents(t, prod, {
      events: [
        ev('hist-1', now - 240 * MIN, 'old'),
        ev('hist-1', D1 - 10 * MIN, 'old'),
        ev('hist-1', D1 + 30_000, h1),
        ev('hist-1', D1 + 60 * MIN, h1),
        ev('hist-1', D2 + 10 * MIN, h1),
        ev('hist-3', now - 30 * MIN, 'local-yaml-hash'),
      ],
    });
    await postEvents(t, staging, { events: [ev('hist-2', S1 - 10 * MIN, h1), ev('hist-2', S1 + 90_000, h1)] });
  });
  afterAll(async () => t?.close());

  it('needs a session and answers 404 for an agent without events', async () => {
    expect((await t.request({ url: '/api/v1/agents/hist-1/history' })).statusCode).toBe(401);
    const res = await get('/api/v1/agents/nobody/history');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: 'No events found for this agent' });
  });

  it('reconstructs deployments, drift detected and resolved, and first seen, newest first', async () => {
    const res = await get('/api/v1/agents/hist-1/history');
    expect(res.statusCode).toBe(200);
    const h = res.json() as History;
    expect(h.environment).toBe('production');
    expect(h.events.map((e) => [e.type, e.timestamp])).toEqual([
      ['deployment', us(D2)],
      ['drift_detected', us(D2)],
      ['drift_resolved', us(D1 + 30_000)],
      ['deployment', us(D1)],
      ['drift_detected', us(D1)],
      ['first_seen', us(now - 240 * MIN)],
    ]);
    expect(h.events[1]).toMatchObject({ expected_version: h2, actual_version: h1, drift_duration_seconds: null });
    expect(h.events[2]).toMatchObject({ policy_version: h1, drift_duration_seconds: 30 });
    expect(h.events[4]).toMatchObject({ expected_version: h1, actual_version: 'old' });
    expect(h.events[5]).toMatchObject({ environment: 'production' });
    expect(Object.keys(h.events[0]!).sort()).toEqual(
      ['actual_version', 'bundle_name', 'bundle_version', 'deployed_by', 'drift_duration_seconds', 'environment', 'expected_version', 'policy_version', 'revision_hash', 'timestamp', 'type'].sort(),
    );
  });

  it('shows no drift for an agent already running the revision a deployment brings (identical revisions never drift)', async () => {
    const h = (await get('/api/v1/agents/hist-2/history')).json() as History;
    expect(h.environment).toBe('staging');
    expect(h.events.map((e) => e.type)).toEqual(['deployment', 'first_seen']);
    for (const e of h.events) if (e.expected_version !== null) expect(e.expected_version).not.toBe(e.actual_version);
  });

  it('shows no drift for an agent that never reported a console-deployed version', async () => {
    const h = (await get('/api/v1/agents/hist-3/history')).json() as History;
    expect(h.events.map((e) => e.type)).toEqual(['first_seen', 'deployment', 'deployment']);
  });

  it('limits the deployments considered, and names a bad limit', async () => {
    const h = (await get('/api/v1/agents/hist-1/history?limit=1')).json() as History;
    expect(h.events.filter((e) => e.type === 'deployment').map((e) => e.bundle_version)).toEqual([2]);
    expect((await get('/api/v1/agents/hist-1/history?limit=0')).statusCode).toBe(422);
    expect((await get('/api/v1/agents/hist-1/history?limit=201')).statusCode).toBe(422);
  });
});

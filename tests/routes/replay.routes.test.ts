import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { deploy, upload, watchBus, type BusWatch } from './bundles-helpers.js';
import { FLEET_V1, FLEET_V2, finished, fleetEvents, seed, type JobJson } from './replay-fixtures.js';

const URL = '/api/v1/bundles/replay';

describe('POST /api/v1/bundles/replay', () => {
  let t: TestApp;
  let admin: Principal;
  let watch: BusWatch;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.admin();
    watch = watchBus(t);
    await upload(t, admin.cookie, FLEET_V1);
    await upload(t, admin.cookie, FLEET_V2);
    await deploy(t, admin.cookie, 'fleet', 1, 'production');
    const { production, staging } = fleetEvents();
    await seed(t, await t.apiKey(admin.cookie, 'production'), production);
    await seed(t, await t.apiKey(admin.cookie, 'staging'), staging);
    // Another tenant's production events and bundle: never read by this tenant's replays.
    const other = await t.otherTenant();
    await upload(t, other.cookie, FLEET_V1);
    await seed(t, await t.apiKey(other.cookie, 'production'), fleetEvents().production);
  });
  afterAll(async () => {
    watch?.stop();
    await t?.close();
  });

  async function replay(payload: Record<string, unknown>, cookie = admin.cookie): Promise<JobJson> {
    const res = await t.request({ method: 'POST', url: URL, cookie, payload });
    expect(res.statusCode, res.body).toBe(202);
    const job = res.json() as JobJson;
    return finished(t, watch, cookie, job.id);
  }

  it('needs an admin session', async () => {
    const body = { candidate: { bundle_name: 'fleet', version: 2 }, env: 'production' };
    expect((await t.request({ method: 'POST', url: URL, payload: body })).statusCode).toBe(401);
    const key = await t.apiKey(admin.cookie);
    expect((await t.request({ method: 'POST', url: URL, apiKey: key, payload: body })).statusCode).toBe(403);
    const member = await t.member();
    expect((await t.request({ method: 'POST', url: URL, cookie: member.cookie, payload: body })).statusCode).toBe(403);
  });

  it('counts each change against the deployed version, one row per call', async () => {
    const job = await replay({ candidate: { bundle_name: 'fleet', version: 2 }, env: 'production' });
    expect(job.status, job.error ?? '').toBe('done');
    const r = job.result!;
    expect(r.baseline).toEqual({ bundle_name: 'fleet', version: 1 });
    expect(r.counts).toEqual({ newly_denied: 2, newly_allowed: 1, newly_approval: 1, newly_observed: 1, unchanged: 2 });
    expect(r.calls).toBe(7);
    // The observe shadow is read but is the same call; call_executed is never read.
    expect(r.events_read).toBe(8);
    expect(job.processed).toBe(8);
    expect(r.by_contract.find((c) => c.key === 'no-rm')?.newly_denied).toBe(2);
    expect(r.by_contract.find((c) => c.key === 'no-tmp')?.newly_allowed).toBe(1);
    expect(r.by_contract.find((c) => c.key === 'approve-deploy')?.newly_approval).toBe(1);
    expect(r.by_contract.find((c) => c.key === 'observe-big')?.newly_observed).toBe(1);
    expect(r.by_agent.find((a) => a.key === 'py-agent-b')?.newly_denied).toBe(2);
    expect(r.by_tool.find((a) => a.key === 'shell')?.newly_denied).toBe(2);
    const denied = r.examples.newly_denied!;
    expect(denied).toHaveLength(2);
    expect(denied[0]!.candidate.contract).toBe('no-rm');
    expect(denied[0]!.link).toBe(`/dashboard/events?event=${denied[0]!.event_id}`);
    // Newest first: the 30-minutes-ago call before the 40-minutes-ago one.
    const events = await t.request({ url: `/api/v1/events?tool_name=shell&limit=50`, cookie: admin.cookie });
    const ids = (events.json() as { id: string; payload: { tool_args: { command: string } } }[])
      .filter((e) => e.payload.tool_args.command === 'rm -rf /var/cache')
      .map((e) => e.id);
    expect(ids).toContain(denied[0]!.event_id);
  });

  it('with no baseline, every stop is new', async () => {
    const job = await replay({ candidate: { bundle_name: 'fleet', version: 2 }, baseline: 'none', env: 'production' });
    expect(job.result!.baseline).toBeNull();
    expect(job.result!.counts).toEqual({ newly_denied: 3, newly_allowed: 0, newly_approval: 1, newly_observed: 1, unchanged: 2 });
  });

  it('against a chosen version, and a YAML candidate', async () => {
    const same = await replay({ candidate: { bundle_name: 'fleet', version: 2 }, baseline: { version: 2 }, env: 'production' });
    expect(same.result!.counts).toEqual({ newly_denied: 0, newly_allowed: 0, newly_approval: 0, newly_observed: 0, unchanged: 7 });
    const yaml = await replay({ candidate: { yaml_content: FLEET_V2 }, env: 'production' });
    expect(yaml.result!.baseline).toEqual({ bundle_name: 'fleet', version: 1 });
    expect(yaml.result!.counts.newly_denied).toBe(2);
  });

  it('filters by agent and tool, and by env', async () => {
    const agent = await replay({ candidate: { bundle_name: 'fleet', version: 2 }, env: 'production', agent_id: 'py-agent-b' });
    expect(agent.result!.counts).toEqual({ newly_denied: 2, newly_allowed: 0, newly_approval: 1, newly_observed: 0, unchanged: 0 });
    const tool = await replay({ candidate: { bundle_name: 'fleet', version: 2 }, env: 'production', tool_name: 'read_file' });
    expect(tool.result!.calls).toBe(3);
    const staging = await replay({ candidate: { bundle_name: 'fleet', version: 2 }, env: 'staging' });
    // Nothing deployed in staging: the baseline is no contracts.
    expect(staging.result!.baseline).toBeNull();
    expect(staging.result!.counts.newly_denied).toBe(1);
  });

  it('another tenant sees neither the bundle nor the job', async () => {
    const other = await t.otherTenant();
    const res = await t.request({ method: 'POST', url: URL, cookie: other.cookie, payload: { candidate: { bundle_name: 'fleet', version: 2 }, env: 'production' } });
    expect(res.statusCode).toBe(404);
    const mine = await t.request({ method: 'POST', url: URL, cookie: admin.cookie, payload: { candidate: { bundle_name: 'fleet', version: 2 }, env: 'production' } });
    const id = (mine.json() as JobJson).id;
    expect((await t.request({ url: `${URL}/${id}`, cookie: other.cookie })).statusCode).toBe(404);
    expect((await t.request({ method: 'DELETE', url: `${URL}/${id}`, cookie: other.cookie })).statusCode).toBe(404);
    await finished(t, watch, admin.cookie, id);
  });

  it('names the field of bad input', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ env: 'production' }, 'body.candidate'],
      [{ candidate: { bundle_name: 'fleet', version: 2 } }, 'body.env'],
      [{ candidate: { bundle_name: 'fleet', version: 2 }, env: 'production', baseline: 'latest' }, 'body.baseline'],
      [{ candidate: { bundle_name: 'fleet', version: 2 }, env: 'production', since: 'yesterday' }, 'body.since'],
      [{ candidate: { bundle_name: 'fleet', version: 2 }, env: 'production', since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' }, 'body.since'],
      [{ candidate: { yaml_content: 'apiVersion: edictum/v1\nkind: Nope\n' }, env: 'production' }, 'body.candidate'],
    ];
    for (const [payload, loc] of cases) {
      const res = await t.request({ method: 'POST', url: URL, cookie: admin.cookie, payload });
      expect(res.statusCode, `${JSON.stringify(payload)} ${res.body}`).toBe(422);
      expect((res.json().detail as { loc: string[] }[]).map((p) => p.loc.join('.'))).toContain(loc);
    }
    expect((await t.request({ method: 'POST', url: URL, cookie: admin.cookie, payload: { candidate: { bundle_name: 'fleet', version: 9 }, env: 'production' } })).statusCode).toBe(404);
    expect((await t.request({ url: `${URL}/00000000-0000-4000-8000-000000000000`, cookie: admin.cookie })).statusCode).toBe(404);
  });

  it('a bundle named replay keeps its version URLs', async () => {
    await upload(t, admin.cookie, FLEET_V1.replace('name: fleet', 'name: replay'));
    const res = await t.request({ url: '/api/v1/bundles/replay/1', cookie: admin.cookie });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: 'replay', version: 1 });
  });
});

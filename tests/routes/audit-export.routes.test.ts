import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestDatabase, type Principal, type TestApp } from '../helpers/test-app.js';
import { postEvents, tsEvent } from '../helpers/events-fixtures.js';
import { FakeOtlpCollector } from '../fakes/fake-otlp-collector.js';
import type { Job } from '../../src/workers/scheduler.js';

describe('audit log export (CSV, JSON)', () => {
  let t: TestApp;
  let admin: Principal;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie);
    const events = [
      tsEvent({ agent_id: 'agent,"quoted"', tool_name: '=HYPERLINK("http://evil")' }),
      tsEvent({ agent_id: 'agent-plain' }),
      tsEvent({ agent_id: 'agent-plain', verdict: 'call_denied' }),
    ];
    expect((await postEvents(t, key, { events })).statusCode).toBe(200);
  });
  afterAll(async () => t?.close());

  const exp = (qs: string, who: { cookie?: string; apiKey?: string }) => t.request({ method: 'GET', url: `/api/v1/audit/export${qs}`, ...who });

  it('needs a dashboard session', async () => {
    expect((await exp('?format=csv', {})).statusCode).toBe(401);
    expect((await exp('?format=csv', { apiKey: key })).statusCode).toBe(403);
  });

  it('streams CSV with quoting and no spreadsheet formulas', async () => {
    const res = await exp('?format=csv', { cookie: admin.cookie });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,timestamp,created_at,env,agent_id,tool_name,verdict,mode,call_id,payload');
    expect(lines).toHaveLength(4);
    const evil = lines.find((l) => l.includes('quoted'))!;
    expect(evil).toContain('"agent,""quoted"""');
    expect(evil).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });

  it('streams JSON over the same filters as the events list', async () => {
    const all = await exp('?format=json', { cookie: admin.cookie });
    expect(all.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((JSON.parse(all.body) as unknown[]).length).toBe(3);
    const filtered = JSON.parse((await exp('?format=json&agent_id=agent-plain&verdict=call_denied', { cookie: admin.cookie })).body) as { agent_id: string; verdict: string }[];
    expect(filtered).toHaveLength(1);
    expect(filtered[0]).toMatchObject({ agent_id: 'agent-plain', verdict: 'call_denied' });
  });

  it("never includes another tenant's events", async () => {
    const other = await t.otherTenant();
    expect(JSON.parse((await exp('?format=json', { cookie: other.cookie })).body)).toEqual([]);
    expect((await exp('?format=csv', { cookie: other.cookie })).body.trimEnd().split('\r\n')).toHaveLength(1);
  });

  it('names a bad format or filter', async () => {
    const r = await exp('?format=xml', { cookie: admin.cookie });
    expect(r.statusCode).toBe(422);
    expect(r.body).toContain('format');
    const r2 = await exp('?since=notadate', { cookie: admin.cookie });
    expect(r2.statusCode).toBe(422);
    expect(r2.body).toContain('since');
  });
});

describe('continuous export to an OpenTelemetry collector (OTLP/HTTP JSON)', () => {
  let collector: FakeOtlpCollector;
  let shared: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    collector = await new FakeOtlpCollector().start();
    shared = await createTestDatabase();
  });
  afterAll(async () => {
    await collector?.close();
    await shared?.drop();
  });

  const app = (allow = '127.0.0.1') =>
    createTestApp({ database: shared, env: { EDICTUM_AUDIT_OTLP_URL: `${collector.url}/v1/logs`, EDICTUM_OUTBOUND_ALLOW: allow, EDICTUM_RATE_LIMIT_MAX_ATTEMPTS: '1000' } });
  const job = (t: TestApp): Job => t.jobs.find((j) => j.name === 'audit-otlp-export')!;
  const eventIds = () => collector.records.filter((r) => r.eventName === 'edictum.audit_event').map((r) => r.attributes['edictum.event.id']!);

  it('delivers every chained record once, in order, across a failure and a restart', async () => {
    const a = await app();
    const p = await a.admin();
    const key = await a.apiKey(p.cookie);
    const first = [tsEvent(), tsEvent({ verdict: 'call_denied' })];
    await postEvents(a, key, { events: first });
    await job(a).run();
    expect(eventIds().sort()).toHaveLength(2);
    const rec = collector.records.find((r) => r.attributes['edictum.verdict'] === 'call_denied')!;
    expect(rec.tenantId).toBe(p.tenantId);
    expect(JSON.parse(rec.body)).toMatchObject({ call_id: first[1]!.call_id, verdict: 'call_denied' });
    // Other entries are one record each (the tenant's key install); a batch becomes its events.
    expect(collector.records.some((r) => r.eventName === 'edictum.signing_key.installed')).toBe(true);
    expect(collector.records.some((r) => r.eventName === 'edictum.events')).toBe(false);

    // The collector fails: nothing advances, the pass reports the failure.
    await postEvents(a, key, { events: [tsEvent()] });
    collector.failNext(1);
    await expect(job(a).run()).rejects.toThrow(/500/);
    expect(eventIds()).toHaveLength(2);
    await job(a).run();
    expect(eventIds()).toHaveLength(3);
    await a.close();

    // A new process on the same database (nothing kept in memory) continues from the stored cursor.
    const b = await app();
    await postEvents(b, await b.apiKey(p.cookie), { events: [tsEvent(), tsEvent()] });
    await job(b).run();
    await job(b).run();
    const ids = eventIds();
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    const seqs = collector.records.map((r) => Number(r.attributes['edictum.chain.seq']));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    await b.close();
  });

  it('goes through the outbound checks: a collector on a private address is refused unless allowed', async () => {
    const c = await app('');
    const before = collector.calls.length;
    const p = await c.otherTenant();
    await postEvents(c, await c.apiKey(p.cookie), { events: [tsEvent()] });
    await expect(job(c).run()).rejects.toThrow(/blocked/);
    expect(collector.calls.length).toBe(before);
    await c.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { postEvents, tsEvent, type SdkEvent } from '../helpers/events-fixtures.js';

type Ev = { id: string; call_id: string; agent_id: string; verdict: string; mode: string; env: string; timestamp: string; payload: Record<string, unknown> | null };
type Detail = { detail: { loc: (string | number)[] }[] };
const locs = (body: unknown) => (body as Detail).detail.map((d) => d.loc.join('.'));

const T0 = Date.parse('2026-11-21T08:00:00.000Z') - 0;
const AGENTS = ['agent-a', 'agent-b', 'agent-c'];
const VERDICTS = ['call_allowed', 'call_denied', 'call_would_deny', 'call_executed'];

/** 120 events: three share each timestamp (so pages must break ties by id). */
function dataset(env: 'prod' | 'stage'): SdkEvent[] {
  return Array.from({ length: 60 }, (_, i) =>
    tsEvent({
      agent_id: AGENTS[i % 3]!,
      tool_name: i % 2 === 0 ? 'read_file' : 'write_file',
      verdict: VERDICTS[i % 4]!,
      mode: i % 5 === 0 ? 'observe' : 'enforce',
      timestamp: new Date(T0 + Math.floor(i / 3) * 60_000 + (env === 'prod' ? 0 : 30_000)).toISOString(),
      payload: { tool_args: { path: `/data/${env}/file-${i}.txt` }, decision_name: i % 4 === 1 ? 'no-writes' : null, reason: i === 7 ? 'matched 100%_literal' : null },
    }),
  );
}

describe('reading events: list, cursor, facets, histogram, purge', () => {
  let t: TestApp;
  let admin: Principal;
  let prodKey: string;
  let stageKey: string;
  const all: SdkEvent[] = [];
  const get = (url: string, who: { cookie?: string; apiKey?: string }) => t.request({ url, ...who });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.admin();
    prodKey = await t.apiKey(admin.cookie, 'production');
    stageKey = await t.apiKey(admin.cookie, 'staging');
    const prod = dataset('prod');
    const stage = dataset('stage');
    expect((await postEvents(t, prodKey, { events: prod })).json()).toEqual({ accepted: 60, duplicates: 0 });
    expect((await postEvents(t, stageKey, { events: stage })).json()).toEqual({ accepted: 60, duplicates: 0 });
    all.push(...prod, ...stage);
  });
  afterAll(async () => t?.close());

  it('refuses a request without a credential', async () => {
    expect((await t.request({ url: '/api/v1/events' })).statusCode).toBe(401);
    expect((await t.request({ url: '/api/v1/events/histogram?since=2026-01-01T00:00:00Z&until=2026-12-01T00:00:00Z' })).statusCode).toBe(401);
    expect((await t.request({ url: '/api/v1/events/facets' })).statusCode).toBe(401);
  });

  it('lists newest first in the reference shape plus env', async () => {
    const res = await get('/api/v1/events?limit=1000', { cookie: admin.cookie });
    expect(res.statusCode).toBe(200);
    const list = res.json() as Ev[];
    expect(list).toHaveLength(120);
    expect(Object.keys(list[0]!).sort()).toEqual(['agent_id', 'call_id', 'created_at', 'env', 'id', 'mode', 'payload', 'timestamp', 'tool_name', 'verdict']);
    const stamps = list.map((e) => e.timestamp);
    expect([...stamps].sort().reverse()).toEqual(stamps);
    expect(res.headers['x-next-cursor']).toBeUndefined();
  });

  it("shows another tenant nothing of this tenant's events", async () => {
    const other = await t.otherTenant();
    expect((await get('/api/v1/events', { cookie: other.cookie })).json()).toEqual([]);
    const otherKey = await t.apiKey(other.cookie, 'production');
    expect((await get('/api/v1/events', { apiKey: otherKey })).json()).toEqual([]);
    const facets = (await get('/api/v1/events/facets', { cookie: other.cookie })).json() as { scanned: number };
    expect(facets.scanned).toBe(0);
  });

  it("restricts an API key to its key's env, whatever env it asks for", async () => {
    const mine = (await get('/api/v1/events?limit=1000', { apiKey: stageKey })).json() as Ev[];
    expect(mine).toHaveLength(60);
    expect(new Set(mine.map((e) => e.env))).toEqual(new Set(['staging']));
    expect((await get('/api/v1/events?env=production', { apiKey: stageKey })).json()).toEqual([]);
  });

  it('filters by each field; repeated values OR together within a filter', async () => {
    const q = async (qs: string) => (await get(`/api/v1/events?limit=1000&${qs}`, { cookie: admin.cookie })).json() as Ev[];
    expect((await q('agent_id=agent-a')).every((e) => e.agent_id === 'agent-a')).toBe(true);
    expect(await q('agent_id=agent-a')).toHaveLength(40);
    const two = await q('verdict=call_denied&verdict=call_would_deny');
    expect(two).toHaveLength(60);
    expect(new Set(two.map((e) => e.verdict))).toEqual(new Set(['call_denied', 'call_would_deny']));
    expect(await q('mode=observe&env=production')).toHaveLength(12);
    expect(await q('contract=no-writes')).toHaveLength(30);
    expect(await q('tool_name=write_file&agent_id=agent-b&agent_id=agent-c')).toHaveLength(40);
  });

  it('treats since and until as inclusive bounds on the event timestamp', async () => {
    const edge = new Date(T0 + 5 * 60_000).toISOString();
    const res = (await get(`/api/v1/events?env=production&since=${edge}&until=${edge}`, { cookie: admin.cookie })).json() as Ev[];
    expect(res).toHaveLength(3);
    expect(new Set(res.map((e) => e.timestamp))).toEqual(new Set(['2026-11-21T08:05:00.000000Z']));
  });

  it('pages with the cursor without a gap or a duplicate, ties broken by id', async () => {
    const full = ((await get('/api/v1/events?limit=1000', { cookie: admin.cookie })).json() as Ev[]).map((e) => e.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const res = await get(`/api/v1/events?limit=7${cursor ? `&cursor=${cursor}` : ''}`, { cookie: admin.cookie });
      seen.push(...(res.json() as Ev[]).map((e) => e.id));
      cursor = res.headers['x-next-cursor'] as string | undefined;
      if (!cursor) break;
    }
    expect(seen).toEqual(full);
  });

  it('searches the payload text with q, literally (no wildcards), and finds an event by id', async () => {
    const hits = (await get('/api/v1/events?q=file-7.txt', { cookie: admin.cookie })).json() as Ev[];
    expect(hits).toHaveLength(2);
    const literal = (await get(`/api/v1/events?q=${encodeURIComponent('100%_lit')}`, { cookie: admin.cookie })).json() as Ev[];
    expect(literal).toHaveLength(2);
    expect((await get(`/api/v1/events?q=${encodeURIComponent('1_0%')}`, { cookie: admin.cookie })).json()).toEqual([]);
    const one = ((await get('/api/v1/events?limit=1', { cookie: admin.cookie })).json() as Ev[])[0]!;
    const byId = (await get(`/api/v1/events?q=${one.id}`, { cookie: admin.cookie })).json() as Ev[];
    expect(byId.map((e) => e.id)).toEqual([one.id]);
    const byCall = (await get(`/api/v1/events?q=${one.call_id}`, { cookie: admin.cookie })).json() as Ev[];
    expect(byCall.map((e) => e.id)).toEqual([one.id]);
  });

  it('names the field on bad query input', async () => {
    const bad = async (qs: string) => locs((await get(`/api/v1/events?${qs}`, { cookie: admin.cookie })).json());
    expect(await bad('limit=0')).toEqual(['query.limit']);
    expect(await bad('limit=1001')).toEqual(['query.limit']);
    expect(await bad('since=yesterday')).toEqual(['query.since']);
    expect(await bad('cursor=bm9wZQ')).toEqual(['query.cursor']);
    expect(await bad('env=-bad')).toEqual(['query.env']);
    expect(await bad(`q=${'x'.repeat(201)}`)).toEqual(['query.q']);
    expect(await bad(`agent_id=${'a'.repeat(256)}`)).toEqual(['query.agent_id']);
  });

  it('counts facets over the window, each facet ignoring its own filter (session only)', async () => {
    expect((await get('/api/v1/events/facets', { apiKey: prodKey })).statusCode).toBe(403);
    const res = await get('/api/v1/events/facets?verdict=call_denied&env=production', { cookie: admin.cookie });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { facets: Record<string, { value: string; count: number }[]>; scanned: number; truncated: boolean };
    expect(body.scanned).toBe(120);
    expect(body.truncated).toBe(false);
    // verdict counts ignore the verdict filter but keep env=production: 15 of each verdict.
    expect(body.facets.verdict).toEqual([
      { value: 'call_allowed', count: 15 },
      { value: 'call_denied', count: 15 },
      { value: 'call_executed', count: 15 },
      { value: 'call_would_deny', count: 15 },
    ]);
    // env counts ignore env but keep verdict=call_denied.
    expect(body.facets.env).toEqual([
      { value: 'production', count: 15 },
      { value: 'staging', count: 15 },
    ]);
    expect(body.facets.decision_name).toEqual([{ value: 'no-writes', count: 15 }]);
  });

  it('buckets the histogram on epoch-aligned boundaries with the reference classification', async () => {
    const since = new Date(T0).toISOString();
    const until = new Date(T0 + 20 * 60_000).toISOString();
    const res = await get(`/api/v1/events/histogram?since=${since}&until=${until}&bucket_seconds=600&env=production`, { cookie: admin.cookie });
    expect(res.statusCode).toBe(200);
    const buckets = res.json() as { bucket_start: string; allowed: number; denied: number; pending: number; observed: number }[];
    expect(buckets.map((b) => b.bucket_start)).toEqual(['2026-11-21T08:00:00Z', '2026-11-21T08:10:00Z']);
    const total = buckets.reduce((n, b) => n + b.allowed + b.denied + b.pending + b.observed, 0);
    expect(total).toBe(60);
    // Expected counts from the dataset itself, with the reference's rules.
    const expected = { allowed: 0, denied: 0, pending: 0, observed: 0 };
    for (const [i] of dataset('prod').entries()) {
      const v = VERDICTS[i % 4]!;
      const m = i % 5 === 0 ? 'observe' : 'enforce';
      if (m === 'observe' && (v === 'call_would_deny' || v === 'call_denied')) expected.observed++;
      else if (v === 'call_denied' || v === 'call_would_deny') expected.denied++;
      else expected.allowed++;
    }
    const got = buckets.reduce((a, b) => ({ allowed: a.allowed + b.allowed, denied: a.denied + b.denied, pending: a.pending + b.pending, observed: a.observed + b.observed }), { allowed: 0, denied: 0, pending: 0, observed: 0 });
    expect(got).toEqual(expected);
  });

  it('classifies pending and unknown verdicts, and excludes until itself', async () => {
    const at = '2026-11-21T06:00:00.000Z';
    await postEvents(t, prodKey, {
      events: [
        tsEvent({ verdict: 'pending_approval', timestamp: at }),
        tsEvent({ verdict: 'pending', timestamp: at }),
        tsEvent({ verdict: 'denied', timestamp: at }),
        tsEvent({ verdict: 'something_new', timestamp: at }),
        tsEvent({ verdict: 'call_denied', mode: 'observe', timestamp: at }),
        tsEvent({ verdict: 'allowed', timestamp: '2026-11-21T06:01:00.000Z' }),
      ],
    });
    const res = await get('/api/v1/events/histogram?since=2026-11-21T06:00:00Z&until=2026-11-21T06:01:00Z&bucket_seconds=60', { apiKey: prodKey });
    expect(res.json()).toEqual([{ bucket_start: '2026-11-21T06:00:00Z', allowed: 1, denied: 1, pending: 2, observed: 1 }]);
    expect((await get('/api/v1/events/histogram?since=2026-11-21T06:00:00Z&until=2026-11-21T06:01:00Z', { apiKey: stageKey })).json()).toEqual([]);
  });

  it('names the field on a bad histogram query', async () => {
    const bad = async (qs: string) => locs((await get(`/api/v1/events/histogram?${qs}`, { cookie: admin.cookie })).json());
    expect(await bad('until=2026-01-01T00:00:00Z')).toEqual(['query.since']);
    expect(await bad('since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z&bucket_seconds=59')).toEqual(['query.bucket_seconds']);
    expect(await bad('since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z&bucket_seconds=86401')).toEqual(['query.bucket_seconds']);
  });
});

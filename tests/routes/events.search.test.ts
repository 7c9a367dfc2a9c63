// A free-text search walks a bounded slice of the window per request; a slice without a match
// comes back empty WITH a cursor. Following the cursor chain must return every match, newest
// first, and say how far back each page has searched. The trigram index is switched off here
// (EDICTUM_EVENTS_SEARCH_INDEX=off: the walk alone, as on a database without pg_trgm); the indexed
// path is tested in events.search-index.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { postEvents, tsEvent, type SdkEvent } from '../helpers/events-fixtures.js';

type Ev = { id: string; call_id: string; timestamp: string };

const SCAN = 25;
const T0 = Date.parse('2026-10-01T00:00:00.000Z');
// 400 events, two per second (ties broken by id); a match every 90th event, and a run of three
// adjacent ones, so most slices of 25 hold no match and one slice holds more than `limit`.
const MATCH_AT = new Set([3, 93, 183, 184, 185, 273, 363, 399]);

function dataset(): SdkEvent[] {
  return Array.from({ length: 400 }, (_, i) =>
    tsEvent({
      agent_id: 'search-agent',
      timestamp: new Date(T0 + Math.floor(i / 2) * 1000).toISOString(),
      payload: { tool_args: { customer: MATCH_AT.has(i) ? `cus_1234-${i}` : `cus_9999-${i}` } },
    }),
  );
}

describe('search over sparse matches', () => {
  let t: TestApp;
  let admin: Principal;
  let key: string;
  const events = dataset();

  beforeAll(async () => {
    t = await createTestApp({ env: { EDICTUM_EVENTS_SEARCH_SCAN: String(SCAN), EDICTUM_EVENTS_SEARCH_INDEX: 'off' } });
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
    expect((await postEvents(t, key, { events })).json()).toEqual({ accepted: 400, duplicates: 0 });
  });
  afterAll(async () => t?.close());

  async function follow(qs: string, who: { cookie?: string; apiKey?: string }) {
    const found: Ev[] = [];
    const covered: string[] = [];
    let emptyWithCursor = 0;
    let cursor: string | undefined;
    for (let i = 0; i < 100; i++) {
      const res = await t.request({ url: `/api/v1/events?${qs}${cursor ? `&cursor=${cursor}` : ''}`, ...who });
      expect(res.statusCode).toBe(200);
      const page = res.json() as Ev[];
      found.push(...page);
      cursor = res.headers['x-next-cursor'] as string | undefined;
      const until = res.headers['x-searched-until'] as string | undefined;
      if (!cursor) {
        expect(until).toBeUndefined();
        return { found, covered, emptyWithCursor, requests: i + 1 };
      }
      expect(until).toBeDefined();
      covered.push(until!);
      if (page.length === 0) emptyWithCursor++;
    }
    throw new Error('the cursor chain did not end within 100 requests');
  }

  it('returns every match through the cursor chain, newest first, through empty slices', async () => {
    // The true matches, in the list's own order (timestamp desc, then id desc for ties).
    const matching = new Set(events.filter((_, i) => MATCH_AT.has(i)).map((e) => e.call_id));
    const everything = (await t.request({ url: '/api/v1/events?limit=1000', cookie: admin.cookie })).json() as Ev[];
    const want = everything.map((e) => e.call_id).filter((c) => matching.has(c));
    expect(want).toHaveLength(MATCH_AT.size);
    for (const limit of [2, 100]) {
      const { found, covered, emptyWithCursor } = await follow(`q=cus_1234&limit=${limit}`, { cookie: admin.cookie });
      expect(found.map((e) => e.call_id)).toEqual(want);
      expect(emptyWithCursor).toBeGreaterThan(0);
      // "Searched back to" only ever moves back in time.
      expect([...covered].sort().reverse()).toEqual(covered);
    }
  });

  it('walks at most the configured slice per request (one more request per slice, not one per match)', async () => {
    const { requests, found } = await follow('q=cus_1234&limit=100', { apiKey: key });
    expect(found).toHaveLength(MATCH_AT.size);
    // 400 events in slices of 25: 16 slices, the last one ends the chain (fewer than 25 walked
    // is the end) or one more empty request confirms it.
    expect(requests).toBeGreaterThanOrEqual(16);
    expect(requests).toBeLessThanOrEqual(17);
  });

  it('ends at once, without a cursor, when nothing older is left in the window', async () => {
    const since = new Date(T0 + 190 * 1000).toISOString();
    const { found, requests } = await follow(`q=cus_1234&since=${since}`, { cookie: admin.cookie });
    expect(found.map((e) => e.call_id)).toEqual([events[399]!.call_id]);
    expect(requests).toBe(1);
  });

  it('reports how far a plain (unsearched) page reaches too', async () => {
    const res = await t.request({ url: '/api/v1/events?limit=10', cookie: admin.cookie });
    const page = res.json() as Ev[];
    expect(res.headers['x-searched-until']).toBe(page[9]!.timestamp);
  });

  it('shows another tenant none of the matches', async () => {
    const other = await t.otherTenant();
    const { found } = await follow('q=cus_1234', { cookie: other.cookie });
    expect(found).toEqual([]);
  });
});

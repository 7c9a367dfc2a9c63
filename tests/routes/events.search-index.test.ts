// Searches through the trigram index (migration 0013): a rare term's matches come back in one
// request from anywhere in the window, searched histograms and facets count every match up to a
// cap and say so beyond it, and every answer equals what SQL counts over the table itself.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { postEvents, tsEvent, type SdkEvent } from '../helpers/events-fixtures.js';
import { textMatch } from '../../src/modules/events/events.filters.js';

type Ev = { id: string; call_id: string; timestamp: string };
type Bucket = { bucket_start: string; allowed: number; denied: number; pending: number; observed: number };
type Facets = { facets: Record<string, { value: string; count: number }[]>; scanned: number; scan_limit: number; truncated: boolean };

const SCAN = 25;
const CAP = 50;
const T0 = Date.parse('2026-10-03T00:00:00.000Z');
const N = 600;
// A rare term, spread over the whole window (most walk slices of 25 hold none of it).
const RARE_AT = new Set([5, 77, 150, 151, 152, 301, 444, 530, 599]);

function dataset(): SdkEvent[] {
  return Array.from({ length: N }, (_, i) =>
    tsEvent({
      agent_id: i % 3 === 0 ? 'agent-a' : 'agent-b',
      verdict: i % 4 === 0 ? 'call_denied' : 'call_allowed',
      timestamp: new Date(T0 + i * 1000).toISOString(),
      payload: { tool_args: { customer: RARE_AT.has(i) ? `cus_7788-${i}` : `cus_1100-${i}`, note: 'quarterly ledger' } },
    }),
  );
}

describe('search with the trigram index', () => {
  let t: TestApp;
  let admin: Principal;
  const since = new Date(T0 - 1000).toISOString();
  const until = new Date(T0 + N * 1000).toISOString();
  const window = `since=${since}&until=${until}`;

  beforeAll(async () => {
    t = await createTestApp({ env: { EDICTUM_EVENTS_SEARCH_SCAN: String(SCAN), EDICTUM_EVENTS_SEARCH_COUNT_CAP: String(CAP) } });
    admin = await t.admin();
    const key = await t.apiKey(admin.cookie, 'production');
    expect((await postEvents(t, key, { events: dataset() })).json()).toEqual({ accepted: N, duplicates: 0 });
  });
  afterAll(async () => t?.close());

  /** The true matches, newest first, counted by SQL over the table (plain ILIKE on the payload). */
  async function truth(term: string, tenantId = admin.tenantId): Promise<{ call_id: string; ts: string }[]> {
    return t.deps.database.rows(
      sql`SELECT call_id, to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts FROM events
          WHERE tenant_id = ${tenantId}::uuid AND payload::text ILIKE ${`%${term}%`} ORDER BY "timestamp" DESC, id DESC`,
    );
  }

  async function follow(qs: string, cookie: string) {
    const found: Ev[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 200; i++) {
      const res = await t.request({ url: `/api/v1/events?${qs}${cursor ? `&cursor=${cursor}` : ''}`, cookie });
      expect(res.statusCode).toBe(200);
      found.push(...(res.json() as Ev[]));
      cursor = res.headers['x-next-cursor'] as string | undefined;
      if (!cursor) return { found, requests: i + 1 };
    }
    throw new Error('the cursor chain did not end within 200 requests');
  }

  it('the migration built the index over exactly the expression searches match with', async () => {
    const [idx] = await t.deps.database.rows<{ ok: boolean }>(sql`SELECT to_regclass('ix_events_search') IS NOT NULL AS ok`);
    expect(idx!.ok).toBe(true);
    const children = await t.deps.database.rows<{ name: string }>(
      sql`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'ix_events_search'::regclass`,
    );
    // With sequential and plain index scans off, only the trigram index can answer the predicate.
    const plan = await t.deps.database.db.transaction(async (tx) => {
      await t.deps.database.rows(sql`SET LOCAL enable_seqscan = off`, tx);
      await t.deps.database.rows(sql`SET LOCAL enable_indexscan = off`, tx);
      return t.deps.database.rows<Record<string, string>>(sql`EXPLAIN SELECT id FROM events WHERE ${textMatch('cus_7788')}`, tx);
    });
    const text = plan.map((r) => Object.values(r)[0]).join('\n');
    expect(text).toContain('Bitmap Index Scan');
    expect(children.some((c) => text.includes(c.name))).toBe(true);
  });

  it('finds every match of a rare term in one request, newest first, as SQL counts them', async () => {
    const want = (await truth('cus_7788')).map((r) => r.call_id);
    expect(want).toHaveLength(RARE_AT.size);
    const { found, requests } = await follow(`q=cus_7788&limit=100&${window}`, admin.cookie);
    expect(found.map((e) => e.call_id)).toEqual(want);
    expect(requests).toBe(1);
    // Small pages: the chain still equals the true matches, with no gap and no repeat.
    const small = await follow(`q=CUS_7788&limit=2&${window}`, admin.cookie);
    expect(small.found.map((e) => e.call_id)).toEqual(want);
    expect(small.requests).toBeLessThanOrEqual(Math.ceil(RARE_AT.size / 2) + 1);
  });

  it('a term without three letters or digits in a row keeps the bounded walk, with the same answer', async () => {
    // "s_77" has no trigram, so the index cannot answer it: one request per walked slice.
    const want = (await truth('s_77')).map((r) => r.call_id);
    expect(want).toHaveLength(RARE_AT.size);
    const { found, requests } = await follow(`q=s_77&limit=100&${window}`, admin.cookie);
    expect(found.map((e) => e.call_id)).toEqual(want);
    expect(requests).toBeGreaterThanOrEqual(N / SCAN);
  });

  it('counts of a search under the cap are exact: histogram and facets equal SQL', async () => {
    const want = await truth('cus_7788');
    const res = await t.request({ url: `/api/v1/events/histogram?q=cus_7788&bucket_seconds=60&${window}`, cookie: admin.cookie });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-counted-since']).toBeUndefined();
    const buckets = res.json() as Bucket[];
    expect(buckets.reduce((s, b) => s + b.allowed + b.denied + b.pending + b.observed, 0)).toBe(want.length);
    const facets = (await t.request({ url: `/api/v1/events/facets?q=cus_7788&${window}`, cookie: admin.cookie })).json() as Facets;
    expect(facets).toMatchObject({ scanned: want.length, scan_limit: CAP, truncated: false });
    expect(facets.facets.agent_id!.reduce((s, v) => s + v.count, 0)).toBe(want.length);
  });

  it('beyond the cap the counts cover the newest matches and say from when', async () => {
    const all = await truth('quarterly');
    expect(all).toHaveLength(N);
    const res = await t.request({ url: `/api/v1/events/histogram?q=quarterly&bucket_seconds=60&${window}`, cookie: admin.cookie });
    const buckets = res.json() as Bucket[];
    expect(buckets.reduce((s, b) => s + b.allowed + b.denied + b.pending + b.observed, 0)).toBe(CAP);
    // The oldest match counted: everything from it on is counted, nothing before it.
    expect(res.headers['x-counted-since']).toBe(all[CAP - 1]!.ts);
    const facets = (await t.request({ url: `/api/v1/events/facets?q=quarterly&${window}`, cookie: admin.cookie })).json() as Facets;
    expect(facets).toMatchObject({ scanned: CAP, scan_limit: CAP, truncated: true });
    // With a facet filter, the other facets still count matches only (here: agent-a's newest).
    const filtered = (await t.request({ url: `/api/v1/events/facets?q=cus_7788&agent_id=agent-a&${window}`, cookie: admin.cookie })).json() as Facets;
    const rareOfA = [...RARE_AT].filter((i) => i % 3 === 0).length;
    expect(filtered.facets.verdict!.reduce((s, v) => s + v.count, 0)).toBe(rareOfA);
  });

  it('a term the index cannot answer is counted over the newest events only, and says from when', async () => {
    // "s_77" has no trigram: the newest CAP events are searched (bounded), not the whole window.
    const newest = (await truth('')).slice(0, CAP);
    const inScan = newest.filter((r) => RARE_AT.has(N - 1 - (newest.indexOf(r)))).length;
    const res = await t.request({ url: `/api/v1/events/histogram?q=s_77&bucket_seconds=60&${window}`, cookie: admin.cookie });
    const buckets = res.json() as Bucket[];
    expect(buckets.reduce((s, b) => s + b.allowed + b.denied + b.pending + b.observed, 0)).toBe(inScan);
    expect(res.headers['x-counted-since']).toBe(newest[CAP - 1]!.ts);
    const facets = (await t.request({ url: `/api/v1/events/facets?q=s_77&${window}`, cookie: admin.cookie })).json() as Facets;
    expect(facets).toMatchObject({ scanned: CAP, truncated: true });
    expect(facets.facets.verdict!.reduce((s, v) => s + v.count, 0)).toBe(inScan);
  });

  it('shows another tenant none of the matches, in the list, the histogram or the facets', async () => {
    const other = await t.otherTenant();
    expect((await follow(`q=cus_7788&${window}`, other.cookie)).found).toEqual([]);
    const h = await t.request({ url: `/api/v1/events/histogram?q=cus_7788&bucket_seconds=60&${window}`, cookie: other.cookie });
    expect(h.json()).toEqual([]);
    const f = (await t.request({ url: `/api/v1/events/facets?q=cus_7788&${window}`, cookie: other.cookie })).json() as Facets;
    expect(f.scanned).toBe(0);
  });
});

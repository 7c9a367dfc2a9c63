// Backfill lands in its month: ingest creates the partition of a month it has not seen (within
// the bounds) before the rows arrive, and rows already parked in the default partition are moved
// by the leader in bounded slices, counted once by the per-minute counts. Runs on PGlite and, with
// TEST_DATABASE_URL, on Postgres.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { countEvents, postEvents, tsEvent } from '../helpers/events-fixtures.js';
import { moveParkedEvents } from '../../src/modules/events/events.partitions.js';
import { ensurePartitions } from '../../src/workers/partition.worker.js';

const DAY = 86_400_000;
const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);
const partOf = (ms: number) => `events_${monthOf(ms).replace('-', '_')}`;

describe('backfill partitions', () => {
  let t: TestApp;
  let admin: Principal;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
  });
  afterAll(async () => t?.close());

  const db = () => t.deps.database;
  const partitionsOf = async (callIds: string[]) => {
    const rows = await db().rows<{ part: string }>(
      sql`SELECT DISTINCT tableoid::regclass::text AS part FROM events WHERE call_id IN (${sql.join(
        callIds.map((c) => sql`${c}`),
        sql`, `,
      )})`,
    );
    return rows.map((r) => r.part).sort();
  };
  /** Per (minute, verdict): the counts' sum and the events' count must be equal. */
  const expectCountedOnce = async () => {
    const FMT = 'YYYY-MM-DD"T"HH24:MI';
    const rollup = await db().rows<{ k: string; n: string }>(
      sql`SELECT to_char(minute AT TIME ZONE 'UTC', ${FMT}) || verdict AS k, sum(n)::text AS n FROM event_minute_counts
          WHERE tenant_id = ${admin.tenantId}::uuid GROUP BY 1 HAVING sum(n) <> 0 ORDER BY 1`,
    );
    const events = await db().rows<{ k: string; n: string }>(
      sql`SELECT to_char(date_bin('1 minute', "timestamp", timestamptz '1970-01-01 00:00:00+00') AT TIME ZONE 'UTC', ${FMT}) || verdict AS k,
                 count(*)::text AS n FROM events WHERE tenant_id = ${admin.tenantId}::uuid GROUP BY 1 ORDER BY 1`,
    );
    expect(rollup).toEqual(events);
  };

  it('creates the partition of a past month on the first ingest that reaches it, so nothing lands in the default', async () => {
    const at = [Date.now() - 75 * DAY, Date.now() - 45 * DAY];
    const events = at.flatMap((ms) => Array.from({ length: 3 }, (_, i) => tsEvent({ timestamp: new Date(ms + i * 60_000).toISOString() })));
    expect((await postEvents(t, key, { events })).json()).toEqual({ accepted: 6, duplicates: 0 });
    expect(await partitionsOf(events.map((e) => e.call_id))).toEqual([...new Set(at.map(partOf))].sort());
    await expectCountedOnce();
  });

  it('leaves events beyond the bounds (a wrong clock) in the default partition', async () => {
    const far = tsEvent({ timestamp: new Date(Date.now() - 1200 * DAY).toISOString() });
    await postEvents(t, key, { events: [far] });
    expect(await partitionsOf([far.call_id])).toEqual(['events_default']);
  });

  it('moves parked rows in bounded slices that tile the month, each row counted once, dedup and reads intact', async () => {
    // 25 events of a month beyond ingest's bounds (so they park), one minute apart.
    const base = Date.UTC(2024, 2, 10, 8, 0, 0);
    const month = monthOf(base);
    const events = Array.from({ length: 25 }, (_, i) =>
      tsEvent({ timestamp: new Date(base + i * 60_000).toISOString(), verdict: i % 3 === 0 ? 'call_denied' : 'call_allowed' }),
    );
    expect((await postEvents(t, key, { events })).json()).toEqual({ accepted: 25, duplicates: 0 });
    expect(await partitionsOf(events.map((e) => e.call_id))).toEqual(['events_default']);
    const total = await countEvents(t);
    await expectCountedOnce();

    // Widened bounds reach that month; 7 rows per slice: 7 + 7 + 7 + the last 4 up to the month's end.
    const now = new Date();
    const monthsBack = (now.getUTCFullYear() - 2024) * 12 + now.getUTCMonth() - 2 + 1;
    const run = await moveParkedEvents(db(), now, { monthsBack, sliceRows: 7, maxSlices: 10 });
    expect(run).toEqual({ partitions: 4, moved: 25 });
    const parts = await partitionsOf(events.map((e) => e.call_id));
    expect(parts).toHaveLength(4);
    expect(parts.every((p) => p.startsWith(`events_${month.replace('-', '_')}_p`))).toBe(true);
    expect(await countEvents(t)).toBe(total);
    await expectCountedOnce();

    // Nothing left to do; the whole-month partition is never created over the slices.
    expect(await moveParkedEvents(db(), now, { monthsBack, sliceRows: 7 })).toEqual({ partitions: 0, moved: 0 });
    const [created] = await db().rows<{ c: boolean }>(sql`SELECT create_event_partition_if_needed(${new Date(base).toISOString()}::timestamptz) AS c`);
    expect(created?.c).toBe(false);
    expect(await ensurePartitions(db(), 3)).toBe(0);

    // A resend is still a duplicate; a late event of that month goes to its slice, not the default.
    expect((await postEvents(t, key, { events })).json()).toEqual({ accepted: 0, duplicates: 25 });
    const late = tsEvent({ timestamp: new Date(Date.UTC(2024, 2, 30, 23, 0, 0)).toISOString() });
    await postEvents(t, key, { events: [late] });
    expect((await partitionsOf([late.call_id]))[0]).toMatch(/^events_2024_03_p\d+$/);
    await expectCountedOnce();

    // Reads find every row after the move.
    const since = new Date(base).toISOString();
    const until = new Date(base + 24 * 60_000).toISOString();
    const res = await t.request({ url: `/api/v1/events?since=${since}&until=${until}&limit=1000`, cookie: admin.cookie });
    expect((res.json() as unknown[]).length).toBe(25);
  });
});

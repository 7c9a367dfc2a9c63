import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { countEvents, postEvents, pyEvent, tsEvent } from '../helpers/events-fixtures.js';
import { ensurePartitions } from '../../src/workers/partition.worker.js';

const TWO_YEARS_MS = 2 * 365 * 86_400_000;

describe('monthly partitions and the default partition', () => {
  let t: TestApp;
  let admin: Principal;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
  });
  afterAll(async () => t?.close());

  const whereIs = async (callId: string) => {
    const rows = await t.deps.database.rows<{ part: string }>(sql`SELECT tableoid::regclass::text AS part FROM events WHERE call_id = ${callId}`);
    return rows.map((r) => r.part);
  };

  it('keeps events from a wrong clock in the default partition, then moves them into their month with nothing lost', async () => {
    const past = tsEvent({ timestamp: new Date(Date.now() - TWO_YEARS_MS).toISOString() });
    const future = pyEvent({ timestamp: `${new Date(Date.now() + TWO_YEARS_MS).toISOString().slice(0, 23)}999+00:00` });
    const neighbour = tsEvent({ timestamp: new Date(Date.now() - TWO_YEARS_MS - 40 * 86_400_000).toISOString() });
    expect((await postEvents(t, key, { events: [past, future, neighbour] })).json()).toEqual({ accepted: 3, duplicates: 0 });
    expect(await whereIs(past.call_id)).toEqual(['events_default']);
    expect(await whereIs(future.call_id)).toEqual(['events_default']);
    const total = await countEvents(t);

    for (const e of [past, future]) {
      const [r] = await t.deps.database.rows<{ created: boolean }>(sql`SELECT create_event_partition_if_needed(${e.timestamp}::timestamptz) AS created`);
      expect(r?.created).toBe(true);
    }
    const month = (iso: string) => `events_${iso.slice(0, 4)}_${iso.slice(5, 7)}`;
    expect(await whereIs(past.call_id)).toEqual([month(new Date(Date.parse(past.timestamp)).toISOString())]);
    expect(await whereIs(future.call_id)).toEqual([month(new Date(Date.parse(future.timestamp)).toISOString())]);
    // A row of another month stays parked; the total is unchanged.
    expect(await whereIs(neighbour.call_id)).toEqual(['events_default']);
    expect(await countEvents(t)).toBe(total);

    // Reads and dedup work across the move: the same events resent are duplicates.
    expect((await postEvents(t, key, { events: [past, future, neighbour] })).json()).toEqual({ accepted: 0, duplicates: 3 });
    const listed = (await t.request({ url: `/api/v1/events?q=${future.call_id}`, cookie: admin.cookie })).json() as { timestamp: string }[];
    expect(listed.map((e) => e.timestamp)).toEqual([`${future.timestamp.slice(0, 26)}Z`]);
  });

  it('is idempotent: the partition worker creates each month once and moves parked rows of those months', async () => {
    const first = await ensurePartitions(t.deps.database, 5);
    const second = await ensurePartitions(t.deps.database, 5);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(second).toBe(0);
    const [row] = await t.deps.database.rows<{ n: number | string }>(
      sql`SELECT count(*) AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass AND c.relname LIKE 'events_2%'`,
    );
    expect(Number(row?.n)).toBeGreaterThanOrEqual(6);
  });

  it('moves an event stored ahead of its partition when the worker later creates that month', async () => {
    // Six months ahead: beyond what the migration and the worker created so far.
    const ahead = new Date(Date.now() + 200 * 86_400_000);
    const e = tsEvent({ timestamp: ahead.toISOString() });
    await postEvents(t, key, { events: [e] });
    expect(await whereIs(e.call_id)).toEqual(['events_default']);
    expect(await ensurePartitions(t.deps.database, 7)).toBeGreaterThanOrEqual(1);
    expect(await whereIs(e.call_id)).toEqual([`events_${ahead.toISOString().slice(0, 4)}_${ahead.toISOString().slice(5, 7)}`]);
  });
});

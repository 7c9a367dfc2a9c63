import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { postEvents, pyEvent, type SdkEvent } from '../helpers/events-fixtures.js';
import { createDatabase, MIGRATIONS_DIR, type Database } from '../../src/db/client.js';
import type { Principal as AuthPrincipal } from '../../src/platform/auth.js';
import { createEventsReadService } from '../../src/modules/events/events.read-service.js';
import { HistogramQuery } from '../../src/modules/events/events.schemas.js';
import { compactMinuteCounts, wholeHours, wholeMinutes } from '../../src/modules/events/events.rollup.js';

type Key = { tenant_id: string; minute: string; env: string | null; verdict: string; mode: string; n: number };
const FMT = 'YYYY-MM-DD"T"HH24:MI:SS"Z"';

/** Per key, the rollup's sum (zero sums left out) and the count of the events themselves. */
async function bothCounts(database: Database, tenantId?: string): Promise<{ rollup: Key[]; events: Key[] }> {
  const scope = tenantId ? sql`tenant_id = ${tenantId}::uuid` : sql`TRUE`;
  const norm = (rows: (Omit<Key, 'n'> & { n: number | string })[]) =>
    rows.map((r) => ({ ...r, n: Number(r.n) })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const rollup = await database.rows<Key>(
    sql`SELECT tenant_id::text, to_char(minute AT TIME ZONE 'UTC', ${FMT}) AS minute, env, verdict, mode, sum(n) AS n
        FROM event_minute_counts WHERE ${scope} GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0`,
  );
  const events = await database.rows<Key>(
    sql`SELECT tenant_id::text, to_char(date_bin('1 minute', "timestamp", timestamptz '1970-01-01 00:00:00+00') AT TIME ZONE 'UTC', ${FMT}) AS minute,
          env, verdict, mode, count(*) AS n
        FROM events WHERE ${scope} GROUP BY 1, 2, 3, 4, 5`,
  );
  return { rollup: norm(rollup), events: norm(events) };
}

/** The hour level (0013): the same per (hour, env, verdict, mode). */
async function hourCounts(database: Database, tenantId?: string): Promise<{ rollup: Key[]; events: Key[] }> {
  const scope = tenantId ? sql`tenant_id = ${tenantId}::uuid` : sql`TRUE`;
  const norm = (rows: (Omit<Key, 'n'> & { n: number | string })[]) =>
    rows.map((r) => ({ ...r, n: Number(r.n) })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const rollup = await database.rows<Key>(
    sql`SELECT tenant_id::text, to_char(hour AT TIME ZONE 'UTC', ${FMT}) AS minute, env, verdict, mode, sum(n) AS n
        FROM event_hour_counts WHERE ${scope} GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0`,
  );
  const events = await database.rows<Key>(
    sql`SELECT tenant_id::text, to_char(date_bin('1 hour', "timestamp", timestamptz '1970-01-01 00:00:00+00') AT TIME ZONE 'UTC', ${FMT}) AS minute,
          env, verdict, mode, count(*) AS n
        FROM events WHERE ${scope} GROUP BY 1, 2, 3, 4, 5`,
  );
  return { rollup: norm(rollup), events: norm(events) };
}

/** Both levels of counts equal a GROUP BY of the events. */
async function expectExact(database: Database, tenantId?: string) {
  const { rollup, events } = await bothCounts(database, tenantId);
  expect(rollup).toEqual(events);
  const hours = await hourCounts(database, tenantId);
  expect(hours.rollup).toEqual(hours.events);
}

describe('per-minute event counts (event_minute_counts)', () => {
  let t: TestApp;
  let admin: Principal;
  let prodKey: string;
  let stageKey: string;
  let session: AuthPrincipal;
  const apiKeyP = (env: string): AuthPrincipal => ({
    kind: 'apiKey',
    tenantId: admin.tenantId,
    keyId: 'k',
    env,
    prefix: 'edk',
    agentId: null,
  });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.admin();
    prodKey = await t.apiKey(admin.cookie, 'production');
    stageKey = await t.apiKey(admin.cookie, 'staging');
    session = { kind: 'session', tenantId: admin.tenantId, userId: randomUUID(), email: admin.email, isAdmin: true };
  });
  afterAll(async () => t?.close());

  const db = () => t.deps.database;
  const reset = async () => {
    await db().rows(sql`DELETE FROM events WHERE tenant_id = ${admin.tenantId}::uuid`);
    await db().rows(sql`DELETE FROM event_minute_counts WHERE tenant_id = ${admin.tenantId}::uuid`);
    await db().rows(sql`DELETE FROM event_hour_counts WHERE tenant_id = ${admin.tenantId}::uuid`);
  };
  const rowCount = async () =>
    Number(
      (
        await db().rows<{ n: string }>(
          sql`SELECT count(*) AS n FROM event_minute_counts WHERE tenant_id = ${admin.tenantId}::uuid`,
        )
      )[0]!.n,
    );
  const histogram = (p: AuthPrincipal, q: Record<string, unknown>, exact = false) =>
    createEventsReadService(db()).histogram(p, HistogramQuery.parse(q), { exact });

  it('counts what ingest inserted, never a retry or an in-batch duplicate, in the same transaction', async () => {
    await reset();
    const a = pyEvent({ timestamp: '2026-11-21T05:00:59.999999+00:00', verdict: 'call_allowed' });
    const b = pyEvent({ timestamp: '2026-11-21T05:01:00.000000+00:00', verdict: 'call_denied' });
    const c = pyEvent({ timestamp: '2026-11-21T05:01:00.000001+00:00', verdict: 'call_denied', mode: 'observe' });
    expect((await postEvents(t, prodKey, { events: [a, b, c, b] })).json()).toEqual({ accepted: 3, duplicates: 1 });
    expect((await postEvents(t, prodKey, { events: [a, b, c] })).json()).toEqual({ accepted: 0, duplicates: 3 });
    // The same event through a key of another env is the same row (first env wins): not counted again.
    expect((await postEvents(t, stageKey, { events: [a] })).json()).toEqual({ accepted: 0, duplicates: 1 });
    const { rollup } = await bothCounts(db(), admin.tenantId);
    expect(rollup.map(({ minute, env, verdict, mode, n }) => [minute, env, verdict, mode, n])).toEqual([
      ['2026-11-21T05:00:00Z', 'production', 'call_allowed', 'enforce', 1],
      ['2026-11-21T05:01:00Z', 'production', 'call_denied', 'enforce', 1],
      ['2026-11-21T05:01:00Z', 'production', 'call_denied', 'observe', 1],
    ]);
    expect(await rowCount()).toBe(3);
    await expectExact(db(), admin.tenantId);
  });

  it('counts rows any writer inserts, deletes or updates: plain SQL, as a previous version would', async () => {
    await reset();
    // Written the way a console of the previous version (no counts code) wrote events.
    await db().rows(
      sql`INSERT INTO events (tenant_id, call_id, agent_id, tool_name, verdict, mode, env, "timestamp", dedup_hash)
          SELECT ${admin.tenantId}::uuid, 'old-' || g, 'a', 't', CASE WHEN g % 2 = 0 THEN 'call_allowed' ELSE 'call_denied' END,
                 'enforce', 'production', timestamptz '2026-11-21 06:00:00+00' + g * interval '20 seconds', 'h' || g
          FROM generate_series(1, 9) g`,
    );
    await expectExact(db(), admin.tenantId);
    await db().rows(sql`UPDATE events SET verdict = 'call_allowed' WHERE tenant_id = ${admin.tenantId}::uuid AND call_id = 'old-3'`);
    await db().rows(sql`DELETE FROM events WHERE tenant_id = ${admin.tenantId}::uuid AND call_id IN ('old-1', 'old-8')`);
    await expectExact(db(), admin.tenantId);
    const { rollup } = await bothCounts(db(), admin.tenantId);
    expect(rollup.reduce((sum, k) => sum + k.n, 0)).toBe(7);
  });

  it('deleting a tenant takes its events and counts with it (the trigger appends nothing for it)', async () => {
    const other = await t.otherTenant();
    const key = await t.apiKey(other.cookie, 'production');
    expect((await postEvents(t, key, { events: [pyEvent({ timestamp: '2026-11-21T07:00:00.000000+00:00' })] })).json()).toEqual({
      accepted: 1,
      duplicates: 0,
    });
    await expectExact(db(), other.tenantId);
    await db().rows(sql`DELETE FROM tenants WHERE id = ${other.tenantId}::uuid`);
    const left = await db().rows<{ n: string }>(
      sql`SELECT count(*) AS n FROM event_minute_counts WHERE tenant_id = ${other.tenantId}::uuid`,
    );
    expect(Number(left[0]!.n)).toBe(0);
    const leftHours = await db().rows<{ n: string }>(sql`SELECT count(*) AS n FROM event_hour_counts WHERE tenant_id = ${other.tenantId}::uuid`);
    expect(Number(leftHours[0]!.n)).toBe(0);
  });

  it('reads whole minutes from the rollup and the partial edge minutes from the events', async () => {
    await reset();
    await postEvents(t, prodKey, {
      events: [
        pyEvent({ timestamp: '2026-11-21T05:00:30.000000+00:00', verdict: 'call_allowed' }),
        pyEvent({ timestamp: '2026-11-21T05:02:10.000000+00:00', verdict: 'call_allowed' }),
        pyEvent({ timestamp: '2026-11-21T05:03:10.000000+00:00', verdict: 'call_allowed' }),
      ],
    });
    const q = { since: '2026-11-21T05:00:20Z', until: '2026-11-21T05:03:20Z', bucket_seconds: '3600' };
    expect(wholeMinutes(HistogramQuery.parse(q).since.iso, HistogramQuery.parse(q).until.iso)).toEqual({
      lo: '2026-11-21T05:01:00.000000Z',
      hi: '2026-11-21T05:03:00.000000Z',
    });
    expect(await histogram(session, q)).toEqual([
      { bucket_start: '2026-11-21T05:00:00Z', allowed: 3, denied: 0, pending: 0, observed: 0 },
    ]);
    // Proof of which path answers: a count row (no event behind it) in a whole minute shows up,
    // one in an edge minute does not, and neither reaches a request the rollup cannot serve.
    await db().rows(sql`INSERT INTO event_minute_counts (tenant_id, minute, env, verdict, mode, n) VALUES
      (${admin.tenantId}::uuid, '2026-11-21T05:02:00Z', 'production', 'call_denied', 'enforce', 5),
      (${admin.tenantId}::uuid, '2026-11-21T05:00:00Z', 'production', 'call_denied', 'enforce', 7)`);
    expect(await histogram(session, q)).toEqual([
      { bucket_start: '2026-11-21T05:00:00Z', allowed: 3, denied: 5, pending: 0, observed: 0 },
    ]);
    expect(await histogram(session, { ...q, agent_id: 'agent_py.worker-1' })).toEqual([
      { bucket_start: '2026-11-21T05:00:00Z', allowed: 3, denied: 0, pending: 0, observed: 0 },
    ]);
    expect(await histogram(session, { ...q, bucket_seconds: '90' })).toEqual(
      await histogram(session, { ...q, bucket_seconds: '90' }, true),
    );
    await reset();
  });

  it('reads whole hours from the hour counts when the buckets are whole hours', async () => {
    await reset();
    await postEvents(t, prodKey, {
      events: [
        pyEvent({ timestamp: '2026-11-21T04:59:30.000000+00:00', verdict: 'call_allowed' }),
        pyEvent({ timestamp: '2026-11-21T05:30:00.000000+00:00', verdict: 'call_allowed' }),
        pyEvent({ timestamp: '2026-11-21T07:10:00.000000+00:00', verdict: 'call_denied' }),
      ],
    });
    await expectExact(db(), admin.tenantId);
    const q = { since: '2026-11-21T04:58:10Z', until: '2026-11-21T07:20:00Z', bucket_seconds: '3600' };
    const want = [
      { bucket_start: '2026-11-21T04:00:00Z', allowed: 1, denied: 0, pending: 0, observed: 0 },
      { bucket_start: '2026-11-21T05:00:00Z', allowed: 1, denied: 0, pending: 0, observed: 0 },
      { bucket_start: '2026-11-21T07:00:00Z', allowed: 0, denied: 1, pending: 0, observed: 0 },
    ];
    expect(await histogram(session, q)).toEqual(want);
    expect(await histogram(session, q, true)).toEqual(want);
    // Proof of the path: a planted hour row inside the whole hours [05:00, 07:00) shows with
    // hour buckets and not with 30-minute ones (those read the minutes).
    await db().rows(sql`INSERT INTO event_hour_counts (tenant_id, hour, env, verdict, mode, n) VALUES
      (${admin.tenantId}::uuid, '2026-11-21T06:00:00Z', 'production', 'call_denied', 'enforce', 4)`);
    expect((await histogram(session, q)).find((b) => b.bucket_start === '2026-11-21T06:00:00Z')?.denied).toBe(4);
    expect((await histogram(session, { ...q, bucket_seconds: '1800' })).find((b) => b.bucket_start.startsWith('2026-11-21T06'))).toBeUndefined();
    await reset();
  });

  it('purge appends the negative counts; compaction merges rows and drops keys that sum to 0', async () => {
    await reset();
    const old = [0, 1, 2].map((i) => pyEvent({ timestamp: `2026-11-21T05:10:0${i}.000000+00:00`, verdict: 'call_allowed' }));
    const kept = pyEvent({ timestamp: '2026-11-21T05:10:30.000000+00:00', verdict: 'call_denied' });
    await postEvents(t, prodKey, { events: old.slice(0, 2) });
    await postEvents(t, prodKey, { events: [old[2]!, kept] });
    await db().rows(
      sql`UPDATE events SET created_at = now() - interval '40 days' WHERE call_id IN (${old[0]!.call_id}, ${old[1]!.call_id}, ${old[2]!.call_id})`,
    );
    const purged = await t.request({
      method: 'DELETE',
      url: '/api/v1/settings/purge-events?older_than_days=30',
      cookie: admin.cookie,
    });
    expect(purged.json()).toMatchObject({ deleted_count: 3 });
    await expectExact(db(), admin.tenantId);
    expect(await rowCount()).toBe(4); // +2, +1 and +1 from the ingests, -3 from the purge

    // Young rows wait; old enough ones are merged: the allowed key sums to 0 and disappears.
    expect((await compactMinuteCounts(db(), { olderThanSeconds: 3600 })).deleted).toBe(0);
    const r = await compactMinuteCounts(db(), { olderThanSeconds: 0 });
    expect(r.written).toBe(2); // the denied key's merged minute row and its merged hour row
    expect(await rowCount()).toBe(1);
    await expectExact(db(), admin.tenantId);
    // A late event for a merged minute: one more row, merged into the existing one next time.
    await postEvents(t, prodKey, {
      events: [pyEvent({ timestamp: '2026-11-21T05:10:45.000000+00:00', verdict: 'call_denied' })],
    });
    expect(await rowCount()).toBe(2);
    await compactMinuteCounts(db(), { olderThanSeconds: 0 });
    expect(await rowCount()).toBe(1);
    await expectExact(db(), admin.tenantId);
    // Bounded work: one statement of a 1-row batch takes one row at a time.
    await postEvents(t, prodKey, { events: [pyEvent({ timestamp: '2026-11-21T05:11:00.000000+00:00' })] });
    await postEvents(t, prodKey, { events: [pyEvent({ timestamp: '2026-11-21T05:12:00.000000+00:00' })] });
    // (one statement per level: minutes, then hours)
    expect((await compactMinuteCounts(db(), { olderThanSeconds: 0, batch: 1, maxStatements: 1 })).statements).toBe(2);
    expect(await rowCount()).toBe(3);
    await compactMinuteCounts(db(), { olderThanSeconds: 0, batch: 1 });
    await expectExact(db(), admin.tenantId);
  });

  it('stays exact with concurrent overlapping ingests, purges and compactions', { timeout: 120_000 }, async () => {
    await reset();
    const pool = Array.from({ length: 60 }, (_, i) =>
      pyEvent({
        timestamp: `2026-11-21T06:${String(i % 7).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000000+00:00`,
        verdict: i % 3 ? 'call_allowed' : 'call_denied',
      }),
    );
    const slice = (k: number) => pool.filter((_, i) => (i + k) % 3 !== 0);
    await Promise.all([
      postEvents(t, prodKey, { events: slice(0) }),
      postEvents(t, stageKey, { events: slice(1) }),
      postEvents(t, prodKey, { events: slice(2) }),
      compactMinuteCounts(db(), { olderThanSeconds: 0 }),
      postEvents(t, stageKey, { events: pool }),
      compactMinuteCounts(db(), { olderThanSeconds: 0 }),
    ]);
    await db().rows(
      sql`UPDATE events SET created_at = now() - interval '40 days' WHERE tenant_id = ${admin.tenantId}::uuid AND verdict = 'call_denied'`,
    );
    await Promise.all([
      t.request({ method: 'DELETE', url: '/api/v1/settings/purge-events?older_than_days=30', cookie: admin.cookie }),
      compactMinuteCounts(db(), { olderThanSeconds: 0 }),
      postEvents(t, prodKey, { events: pool }),
      compactMinuteCounts(db(), { olderThanSeconds: 0 }),
    ]);
    await expectExact(db(), admin.tenantId);
    await compactMinuteCounts(db(), { olderThanSeconds: 0 });
    await expectExact(db(), admin.tenantId);
  });

  it('moving parked events into a new partition changes no count', async () => {
    await reset();
    const far = pyEvent({ timestamp: '2031-03-04T05:06:07.000008+00:00' });
    await postEvents(t, prodKey, { events: [far] });
    await db().rows(sql`SELECT create_event_partition_if_needed(${'2031-03-04T00:00:00Z'}::timestamptz)`);
    await expectExact(db(), admin.tenantId);
  });

  // Each run is a reset, up to 6 ingests/purges/compactions over HTTP and up to 6 pairs of
  // histogram reads: ~4 s for 40 runs alone on 2 cores, several times that under a loaded suite.
  // The deadline is generous on purpose (correctness, not speed, is checked here; speed is
  // bench/'s business), and 40 runs still cover every step kind and query shape many times.
  it('the histogram from the rollup equals the exact count on random data, retries, purges and windows', { timeout: 240_000 }, async () => {
    const VERDICTS = ['call_allowed', 'call_executed', 'call_denied', 'call_would_deny', 'pending_approval', 'odd_one'];
    const BASE = Date.parse('2026-11-21T05:00:00Z');
    const micros = fc.oneof(fc.constant(0), fc.constant(59_999_999), fc.integer({ min: 0, max: 59_999_999 }));
    /** An instant `minute` minutes after BASE plus `us` microseconds, as Python sends it. */
    const at = (minute: number, us: number) =>
      `${new Date(BASE + minute * 60_000 + Math.floor(us / 1000)).toISOString().slice(0, 23)}${String(us % 1000).padStart(3, '0')}+00:00`;
    const event = fc.record({
      // Up to 3 h 20 min: windows hold whole hours too (the hour counts, 0013).
      minute: fc.integer({ min: 0, max: 200 }),
      us: micros,
      verdict: fc.constantFrom(...VERDICTS),
      observe: fc.boolean(),
    });
    const instant = fc.oneof(
      fc.record({ minute: fc.integer({ min: -2, max: 203 }), us: micros }).map(({ minute, us }) => at(minute, us)),
      fc.nat(1000).map((i) => ({ eventIndex: i })),
    );
    const query = fc.record({
      since: instant,
      until: instant,
      bucket: fc.constantFrom('60', '120', '300', '600', '3600', '7200', '86400', '90'),
      who: fc.constantFrom('session', 'production', 'staging'),
      env: fc.constantFrom(undefined, ['production'], ['staging', 'production']),
      verdict: fc.constantFrom(undefined, ['call_denied'], ['call_allowed', 'odd_one']),
      mode: fc.constantFrom(undefined, ['observe']),
    });
    const step = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant('ingest' as const),
          env: fc.constantFrom('production', 'staging'),
          picks: fc.array(fc.nat(1000), { minLength: 1, maxLength: 25 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('purge' as const), picks: fc.array(fc.nat(1000), { maxLength: 10 }) }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const) }) },
    );
    let rollupUsed = 0;
    let hoursUsed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(event, { minLength: 1, maxLength: 30 }),
        fc.array(step, { minLength: 1, maxLength: 6 }),
        fc.array(query, { minLength: 1, maxLength: 6 }),
        async (specs, steps, queries) => {
          await reset();
          const pool: SdkEvent[] = specs.map((s) =>
            pyEvent({
              timestamp: at(s.minute, s.us),
              verdict: s.verdict,
              mode: s.observe ? 'observe' : 'enforce',
              agent_id: 'a',
            }),
          );
          for (const s of steps) {
            if (s.kind === 'ingest') {
              const res = await postEvents(t, s.env === 'production' ? prodKey : stageKey, {
                events: s.picks.map((i) => pool[i % pool.length]!),
              });
              expect(res.statusCode).toBe(200);
            } else if (s.kind === 'purge') {
              const ids = s.picks.map((i) => pool[i % pool.length]!.call_id);
              await db().rows(
                sql`UPDATE events SET created_at = now() - interval '40 days' WHERE tenant_id = ${admin.tenantId}::uuid AND call_id = ANY(${sql.param(ids)}::text[])`,
              );
              const res = await t.request({
                method: 'DELETE',
                url: '/api/v1/settings/purge-events?older_than_days=30',
                cookie: admin.cookie,
              });
              expect(res.statusCode).toBe(200);
            } else {
              await compactMinuteCounts(db(), { olderThanSeconds: 0 });
            }
          }
          await expectExact(db(), admin.tenantId);
          for (const q of queries) {
            const iso = (x: string | { eventIndex: number }) =>
              typeof x === 'string' ? x : pool[x.eventIndex % pool.length]!.timestamp;
            const params: Record<string, unknown> = {
              since: iso(q.since),
              until: iso(q.until),
              bucket_seconds: q.bucket,
              env: q.env,
              verdict: q.verdict,
              mode: q.mode,
            };
            const p = q.who === 'session' ? session : apiKeyP(q.who);
            const parsed = HistogramQuery.parse(params);
            const minutes = q.bucket !== '90' ? wholeMinutes(parsed.since.iso, parsed.until.iso) : null;
            if (minutes) rollupUsed++;
            if (minutes && Number(q.bucket) % 3600 === 0 && wholeHours(minutes.lo, minutes.hi)) hoursUsed++;
            expect(await histogram(p, params)).toEqual(await histogram(p, params, true));
          }
        },
      ),
      { numRuns: 40 },
    );
    // The property is about the rollup path: make sure many queries took it.
    expect(rollupUsed).toBeGreaterThan(20);
    expect(hoursUsed).toBeGreaterThan(3);
    await reset();
  });
});

describe('migration 0004 backfills the counts of events stored before it', () => {
  // A fresh database migrated twice (initdb in WebAssembly on PGlite): seconds alone, far more
  // on a loaded machine, so the deadline is generous on purpose.
  it('gives the same counts as the events themselves', { timeout: 180_000 }, async () => {
    // The migrations up to 0003 in a scratch folder, then the real folder: 0004 runs on a table with events.
    const dir = mkdtempSync(join(tmpdir(), 'edictum-mig-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const journalPath = join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0004');
    writeFileSync(journalPath, JSON.stringify(journal));

    const base = process.env.TEST_DATABASE_URL;
    let database: Database;
    let drop: () => Promise<void>;
    let migrateTo: (folder: string) => Promise<void>;
    if (base) {
      const name = `edictum_mig_${randomUUID().slice(0, 8)}`;
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      await admin.end();
      const u = new URL(base);
      u.pathname = `/${name}`;
      database = await createDatabase({ url: u.toString(), poolSize: 2 });
      const { migrate } = await import('drizzle-orm/node-postgres/migrator');
      migrateTo = (folder) => migrate(database.db as never, { migrationsFolder: folder });
      drop = async () => {
        await database.close();
        const a = new pg.Client({ connectionString: base });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await a.end();
      };
    } else {
      database = await createDatabase({});
      const { migrate } = await import('drizzle-orm/pglite/migrator');
      migrateTo = (folder) => migrate(database.db as never, { migrationsFolder: folder });
      drop = () => database.close();
    }
    try {
      await migrateTo(dir);
      expect(
        (await database.rows<{ t: string | null }>(sql`SELECT to_regclass('event_minute_counts')::text AS t`))[0]!.t,
      ).toBeNull();
      const [tenant] = await database.rows<{ id: string }>(sql`INSERT INTO tenants (name) VALUES ('mig') RETURNING id`);
      const [other] = await database.rows<{ id: string }>(sql`INSERT INTO tenants (name) VALUES ('mig-2') RETURNING id`);
      await database.rows(sql`INSERT INTO events (tenant_id, call_id, agent_id, tool_name, verdict, mode, env, "timestamp", dedup_hash)
        SELECT CASE WHEN g % 4 = 0 THEN ${other!.id}::uuid ELSE ${tenant!.id}::uuid END, 'c' || g, 'a', 't',
          (ARRAY['call_allowed', 'call_denied', 'call_would_deny'])[1 + g % 3], CASE WHEN g % 5 = 0 THEN 'observe' ELSE 'enforce' END,
          CASE WHEN g % 7 = 0 THEN NULL ELSE 'production' END,
          timestamptz '2026-11-21 05:00:00+00' + g * interval '7.3 seconds', 'h' || g
        FROM generate_series(1, 500) g`);
      await database.migrate();
      const { rollup, events } = await bothCounts(database);
      expect(events.length).toBeGreaterThan(50);
      expect(rollup).toEqual(events);
      // 0013 sums the backfilled minutes into hours.
      const hours = await hourCounts(database);
      expect(hours.events.length).toBeGreaterThan(3);
      expect(hours.rollup).toEqual(hours.events);
    } finally {
      await drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

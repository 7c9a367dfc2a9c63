import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { countEvents, postEvents, tsEvent } from '../helpers/events-fixtures.js';
import type { RateDecision } from '../../src/platform/rate-limit.js';

type Detail = { detail: { loc: (string | number)[] }[] };
const locs = (body: unknown) => (body as Detail).detail.map((d) => d.loc.join('.'));

describe('purge and back-pressure', () => {
  let t: TestApp;
  let admin: Principal;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
  });
  afterAll(async () => t?.close());

  const purge = (qs: string, who: { cookie?: string; apiKey?: string }) =>
    t.request({ method: 'DELETE', url: `/api/v1/settings/purge-events${qs}`, ...who });

  it('lets only an admin session purge', async () => {
    expect((await purge('?older_than_days=1', {})).statusCode).toBe(401);
    expect((await purge('?older_than_days=1', { apiKey: key })).statusCode).toBe(403);
    const member = await t.member();
    expect((await purge('?older_than_days=1', { cookie: member.cookie })).statusCode).toBe(403);
  });

  it('names older_than_days when it is missing or below 1', async () => {
    expect(locs((await purge('?older_than_days=0', { cookie: admin.cookie })).json())).toEqual(['query.older_than_days']);
    expect(locs((await purge('', { cookie: admin.cookie })).json())).toEqual(['query.older_than_days']);
    expect(locs((await purge('?older_than_days=abc', { cookie: admin.cookie })).json())).toEqual(['query.older_than_days']);
  });

  it("deletes this tenant's events stored before the cutoff, and no other tenant's", async () => {
    const other = await t.otherTenant();
    const otherKey = await t.apiKey(other.cookie, 'production');
    const mine = [tsEvent(), tsEvent(), tsEvent()];
    const theirs = [tsEvent()];
    await postEvents(t, key, { events: mine });
    await postEvents(t, otherKey, { events: theirs });
    // Age two of mine and the other tenant's one (created_at is when the console stored it).
    const aged = [mine[0]!.call_id, mine[1]!.call_id, theirs[0]!.call_id];
    await t.deps.database.rows(sql`UPDATE events SET created_at = now() - interval '40 days' WHERE call_id IN (${sql.join(aged.map((a) => sql`${a}`), sql`, `)})`);
    const myBefore = await countEvents(t, admin.tenantId);
    const res = await purge('?older_than_days=30', { cookie: admin.cookie });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { deleted_count: number; cutoff: string };
    expect(body.deleted_count).toBe(2);
    expect(Math.abs(Date.parse(body.cutoff) - (Date.now() - 30 * 86_400_000))).toBeLessThan(60_000);
    expect(await countEvents(t, admin.tenantId)).toBe(myBefore - 2);
    expect(await countEvents(t, other.tenantId)).toBe(1);
  });

  it('answers 429 Retry-After 1 when too many batches are in flight, without reading or writing them', async () => {
    const limiter = t.deps.rateLimiter;
    const original = limiter.hit.bind(limiter);
    const held: (() => void)[] = [];
    let entered = 0;
    let allIn: () => void = () => undefined;
    const eightIn = new Promise<void>((r) => (allIn = r));
    // The eight admitted batches wait inside the rate-limit check until released.
    limiter.hit = (k: string, max: number, w: number): Promise<RateDecision> =>
      new Promise((resolve) => {
        held.push(() => resolve(original(k, max, w)));
        if (++entered === 8) allIn();
      });
    try {
      const before = await countEvents(t);
      const admitted = Array.from({ length: 8 }, () => postEvents(t, key, { events: [tsEvent()] }));
      await eightIn;
      const refused = await postEvents(t, key, { events: [tsEvent()] });
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('1');
      expect(await countEvents(t)).toBe(before);
      limiter.hit = original;
      for (const release of held) release();
      const done = await Promise.all(admitted);
      expect(done.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
      expect(await countEvents(t)).toBe(before + 8);
    } finally {
      limiter.hit = original;
    }
    // Every slot was given back.
    const after = await Promise.all(Array.from({ length: 8 }, () => postEvents(t, key, { events: [tsEvent()] })));
    expect(after.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
  });

  it('answers 429 with Retry-After once the tenant made 10,000 ingest requests in 60 s', async () => {
    const other = await t.otherTenant();
    const otherKey = await t.apiKey(other.cookie, 'production');
    for (let i = 0; i < 10_000; i += 500) {
      await Promise.all(Array.from({ length: 500 }, () => t.deps.rateLimiter.hit(`events:${other.tenantId}`, 10_000, 60)));
    }
    const res = await postEvents(t, otherKey, { events: [tsEvent()] });
    expect(res.statusCode).toBe(429);
    expect(res.json()).toEqual({ detail: 'Event ingestion rate limit exceeded. Please try again later.' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await countEvents(t, other.tenantId)).toBe(0);
    // Other tenants are not affected.
    expect((await postEvents(t, key, { events: [tsEvent()] })).statusCode).toBe(200);
  });

  it('refuses a body over the documented 32 MB limit with 413', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/events',
      apiKey: key,
      headers: { 'content-type': 'application/json' },
      payload: `{"events":[{"call_id":"${'x'.repeat(33 * 1024 * 1024)}"}]}`,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ detail: 'Request body too large. Maximum allowed: 32MB.' });
  });
});

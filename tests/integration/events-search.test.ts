import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { postEvents, tsEvent } from '../helpers/events-fixtures.js';
import { eventsReadRepository, type Position } from '../../src/modules/events/events.read-repository.js';
import type { EventFilter } from '../../src/modules/events/events.filters.js';

describe('free-text search walks a bounded number of events per request', () => {
  let t: TestApp;
  let admin: Principal;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.admin();
    const key = await t.apiKey(admin.cookie, 'production');
    const base = Date.parse('2026-11-20T00:00:00.000Z');
    // 40 events, one per minute; every 10th mentions "needle".
    const events = Array.from({ length: 40 }, (_, i) =>
      tsEvent({ timestamp: new Date(base + i * 60_000).toISOString(), payload: { tool_args: { note: i % 10 === 3 ? `needle-${i}` : `hay-${i}` } } }),
    );
    await postEvents(t, key, { events });
  });
  afterAll(async () => t?.close());

  it('returns the matches within its budget and the position to continue from, until the window ends', async () => {
    const f: EventFilter = { tenantId: admin.tenantId, scopeEnv: null };
    const found: string[] = [];
    let after: Position | null = null;
    let requests = 0;
    for (;;) {
      requests++;
      const r = await eventsReadRepository.search(t.deps.database, f, 'NEEDLE', after, 100, 7);
      expect(r.walked).toBeLessThanOrEqual(7);
      found.push(...r.hits.map((h) => String((h.payload?.tool_args as { note: string }).note)));
      if (r.walked < 7 || !r.last) break;
      after = r.last;
    }
    expect(found).toEqual(['needle-33', 'needle-23', 'needle-13', 'needle-3']);
    expect(requests).toBe(6);
  });

  it('stops at the limit and reports where the last hit was', async () => {
    const f: EventFilter = { tenantId: admin.tenantId, scopeEnv: null };
    const r = await eventsReadRepository.search(t.deps.database, f, 'hay', null, 3, 1000);
    expect(r.hits.map((h) => (h.payload?.tool_args as { note: string }).note)).toEqual(['hay-39', 'hay-38', 'hay-37']);
    expect(r.walked).toBe(40);
  });
});

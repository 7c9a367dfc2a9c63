// Search you can trust: the server walks a bounded slice of the window per request (40 events
// here), so a search for a rare term meets empty pages that carry a cursor. The list must page
// back through them by itself, say how far back it has searched, find every match, and say
// "Start of the selected time range" only when the server has no cursor left.
import type { Route } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { SimAgent } from './agent-sim.js';
import { testContext, trackedPage, uniqueAgentId, uniqueSuffix, useConsole, waitForLive } from './harness.js';

// The trigram index (0013) would find the rare term in one request; this file is about the list
// paging through empty slices, so the walk alone answers (as on a database without pg_trgm).
const s = useConsole({ EDICTUM_EVENTS_SEARCH_SCAN: '40', EDICTUM_EVENTS_SEARCH_INDEX: 'off' });

describe('events search', () => {
  test('a rare term: every match is found through empty slices, with "searched back to" until the window is done', async () => {
    const env = `search-${uniqueSuffix()}`;
    const key = await s.admin.createKey(env);
    const agent = new SimAgent(s.server.baseUrl, key.key, uniqueAgentId('search'), env);
    const term = `cus_${uniqueSuffix()}`;
    // 700 events 10 s apart (the newest a minute ago); matches far apart, so most 40-event
    // slices between them hold none.
    const matchAt = new Set([150, 300, 301, 520, 690]);
    const start = Date.now() - 60_000;
    const events = Array.from({ length: 700 }, (_, i) =>
      agent.event(`lookup_${i % 7}`, 'call_allowed', {
        at: new Date(start - i * 10_000),
        args: { customer: matchAt.has(i) ? term : `cus_other_${i}` },
      }),
    );
    expect(await agent.sendEvents(events)).toEqual({ accepted: 700, duplicates: 0 });

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'events-search');
    // Hold the third search request until the page has shown how far back it has searched.
    let searches = 0;
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    await page.route(
      (u) => u.pathname === '/api/v1/events' && u.searchParams.get('q') === term,
      async (route: Route) => {
        searches++;
        if (searches === 3) await released;
        await route.continue();
      },
    );

    await page.goto(`/dashboard/events?q=${term}`);
    const progress = page.getByRole('status').filter({ hasText: /No matches yet, searched back to/ });
    await progress.waitFor();
    expect(await page.getByText('No events match').count()).toBe(0);
    release();

    await page.getByText('Start of the selected time range').waitFor({ timeout: 30_000 });
    const grid = page.getByRole('grid', { name: 'Events' });
    expect(await grid.getByRole('row').filter({ hasText: agent.agentId }).count()).toBe(matchAt.size);
    await page.getByText(/^5 matches · /).waitFor();
    // 700 events in slices of 40: the chain took about 18 requests, not one.
    expect(searches).toBeGreaterThanOrEqual(17);
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('live: "N new" is the exact count from the server at any volume; beyond 2,000 "show new" jumps to the newest and says so', async () => {
    const env = `live-${uniqueSuffix()}`;
    const key = await s.admin.createKey(env);
    const agent = new SimAgent(s.server.baseUrl, key.key, uniqueAgentId('live'), env);
    await agent.sendEvents([agent.event('seed_tool', 'call_allowed', { at: new Date(Date.now() - 60_000) })]);

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'events-live-count');
    await page.goto(`/dashboard/events?agent=${agent.agentId}`);
    const grid = page.getByRole('grid', { name: 'Events' });
    await grid.getByRole('row').filter({ hasText: 'seed_tool' }).waitFor();
    await waitForLive(page);

    // 2,100 events in three batches: the count is exact, not the newest page of each poll.
    for (const n of [1000, 1000, 100]) {
      const at = Date.now();
      await agent.sendEvents(Array.from({ length: n }, (_, i) => agent.event('burst_tool', 'call_allowed', { at: new Date(at - i) })));
    }
    const button = page.getByRole('button', { name: '2,100 new' });
    await button.waitFor({ timeout: 20_000 });
    // The rows are not in the browser until asked for.
    expect(await grid.getByRole('row').filter({ hasText: 'burst_tool' }).count()).toBe(0);
    await button.click();
    await page.getByRole('status').filter({ hasText: /Jumped to the newest events: 2,100 had arrived since/ }).waitFor();
    await grid.getByRole('row').filter({ hasText: 'burst_tool' }).first().waitFor();
    await page.getByRole('button', { name: /new$/ }).waitFor({ state: 'detached' });
    expect(page.uncaughtErrors).toEqual([]);
  });
});

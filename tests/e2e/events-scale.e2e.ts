// The Events page at scale: the list is a bounded window in both directions. Paging back past
// its cap (MAX_ROWS, 20,000) lets go of the newest rows, says how many, keeps the reader's rows
// where they were on screen, and "Jump to newest" goes back to the top. The page's first data
// is requested while its code is still loading.
import { describe, expect, test } from 'vitest';
import { SimAgent, type SimEvent } from './agent-sim.js';
import { testContext, trackedPage, uniqueAgentId, uniqueSuffix, useConsole, waitForInView } from './harness.js';

const s = useConsole();
const CAP = 20_000;
const EXTRA = 500;
const HEADER_H = 32;

interface ScrollBox {
  scrollTop: number;
  scrollHeight: number;
}

describe('events at scale', () => {
  test(
    'paging back past the cap lets go of the newest rows, keeps the reader in place, and jumps back to the newest',
    { timeout: 240_000 },
    async () => {
      const env = `events-scale-${uniqueSuffix()}`;
      const key = await s.admin.createKey(env);
      const agent = new SimAgent(s.server.baseUrl, key.key, uniqueAgentId('events-scale'), env);
      const tag = uniqueSuffix();
      // Event n (0 = newest) is n seconds older than the newest and names its tool after n.
      const newest = Date.now() - 60_000;
      const total = CAP + EXTRA;
      const events: SimEvent[] = Array.from({ length: total }, (_, n) =>
        agent.event(`s${n}_${tag}`, 'call_allowed', { at: new Date(newest - n * 1000) }),
      );
      for (let i = 0; i < total; i += 10_000) await agent.sendEvents(events.slice(i, i + 10_000));

      const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
      const page = await trackedPage(context, 'events-scale');
      await page.goto(`/dashboard/events?agent=${agent.agentId}`);
      const grid = page.getByRole('grid', { name: 'Events' });
      const rowOf = (n: number) => grid.getByRole('row').filter({ hasText: `s${n}_${tag}` });
      await rowOf(0).waitFor();
      const banner = page.getByRole('status').filter({ hasText: 'newer events were let go' });

      // Scroll to the end until the window has paged back past its cap (each scroll to the end
      // asks for the next 500).
      await expect
        .poll(
          async () => {
            if (await banner.isVisible()) return true;
            await grid.evaluate((el) => {
              const b = el as unknown as ScrollBox;
              b.scrollTop = b.scrollHeight;
            });
            return false;
          },
          { timeout: 180_000, interval: 100 },
        )
        .toBe(true);
      expect(await banner.textContent()).toContain(`The list keeps 20,000 rows: ${EXTRA} newer events were let go`);
      // The reader was at the end of 20,000 rows (events up to 19,999): those rows are still on
      // screen, not 500 rows further on.
      await waitForInView(rowOf(CAP - 5), grid, HEADER_H);
      expect(await grid.getAttribute('aria-rowcount')).toBe(String(CAP + 1));
      expect(await rowOf(0).count()).toBe(0);

      // The end of the range: the oldest event, and still no more than the cap.
      await expect
        .poll(async () => {
          await grid.evaluate((el) => {
            const b = el as unknown as ScrollBox;
            b.scrollTop = b.scrollHeight;
          });
          return page.getByText('Start of the selected time range').isVisible();
        })
        .toBe(true);
      await waitForInView(rowOf(total - 1), grid, HEADER_H);
      expect(await grid.getAttribute('aria-rowcount')).toBe(String(CAP + 1));
      await page
        .getByText(`${CAP.toLocaleString('en-US')} events`)
        .first()
        .waitFor();

      // Jump to newest: the list starts over at the newest event, the marker is gone.
      await banner.getByRole('button', { name: 'Jump to newest' }).click();
      await banner.waitFor({ state: 'detached' });
      await rowOf(0).waitFor();
      await waitForInView(rowOf(0), grid, HEADER_H);
      expect(Number(await grid.getAttribute('aria-rowcount'))).toBeLessThanOrEqual(501);
      expect(page.uncaughtErrors).toEqual([]);
    },
  );

  test("the list's first page and histogram are requested while the page's code is still loading", async () => {
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'events-preload');
    const isFirstPage = (url: string) => {
      const u = new URL(url);
      return u.pathname === '/api/v1/events' && u.searchParams.get('limit') === '500' && !u.searchParams.has('cursor');
    };
    let firstPages = 0;
    page.on('request', (r) => {
      if (isFirstPage(r.url())) firstPages++;
    });
    // Hold the Events page's chunk until both requests have gone out: a page that asked for its
    // data only once its code ran would never send them, and the waits below would time out.
    const listRequested = page.waitForRequest((r) => isFirstPage(r.url()));
    const histRequested = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/events/histogram');
    const both = Promise.all([listRequested, histRequested]);
    let held = false;
    await page.route(/\/assets\/EventsPage-[^/]+\.js$/, async (route) => {
      held = true;
      await both.catch(() => undefined);
      await route.continue();
    });
    await page.goto('/dashboard/events?window=6h');
    const [list] = await both;
    expect(new URL(list.url()).searchParams.get('since')).not.toBeNull();
    await page.getByRole('grid', { name: 'Events' }).waitFor();
    expect(held).toBe(true);
    // The feed used the prefetched page rather than asking again.
    expect(firstPages).toBe(1);
    expect(page.uncaughtErrors).toEqual([]);
  });
});

// The Agents page at fleet scale: 300 agents in a virtualised table (a bounded number of rows in
// the DOM, the last agent reachable by scrolling), keyboard focus that moves between rows and stays
// in view, and a wheel or End key to the bottom that stays at the bottom. Sorting, filtering and
// row links still work. The page's data is requested while its code is still loading.
import { describe, expect, test } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { SimAgent, type SimEvent } from './agent-sim.js';
import { testContext, trackedPage, uniqueSuffix, useConsole, waitForFocus, waitForInView } from './harness.js';

const s = useConsole();
const FLEET = 300;
const HEADER_H = 36;

// Element shapes read in the page (this file is type-checked without the DOM library).
interface ScrollBox {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

/** How far the box is from its bottom, in pixels. */
function distanceFromEnd(box: Locator): Promise<number> {
  return box.evaluate((el) => {
    const b = el as unknown as ScrollBox;
    return b.scrollHeight - b.clientHeight - b.scrollTop;
  });
}

/** Resolves after two animation frames: anything a scroll or a render schedules has run. */
function twoFrames(page: Page): Promise<unknown> {
  return page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
}

/** 300 agents, one event each; agent `n` (of the name) reported `n` seconds after agent 0. */
async function seedFleet(): Promise<{ ids: string[]; env: string }> {
  const env = `scale-${uniqueSuffix()}`;
  const key = await s.admin.createKey(env);
  const tag = uniqueSuffix();
  const ids = Array.from({ length: FLEET }, (_, n) => `fleet-${tag}-${String(n).padStart(3, '0')}`);
  const start = Date.now() - 3_600_000;
  const events: SimEvent[] = ids.map((id, n) =>
    new SimAgent(s.server.baseUrl, key.key, id, env).event('search_docs', 'call_allowed', { at: new Date(start + n * 1000) }),
  );
  await new SimAgent(s.server.baseUrl, key.key, ids[0]!, env).sendEvents(events);
  return { ids, env };
}

describe('agents at fleet scale', () => {
  test('300 agents: a bounded set of rows in the DOM, keyboard focus stays in view, scrolling to the end stays there', async () => {
    const { ids } = await seedFleet();
    // Newest report first (the default sort): agent 299 on top, agent 000 last.
    const newestFirst = [...ids].reverse();
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'agents-scale');
    await page.goto('/dashboard/agents');
    const table = page.getByRole('table', { name: 'Agents' });
    const box = page.getByTestId('agents-scroll');
    const bodyRows = table.locator('tbody tr[data-index]');
    await table.getByRole('link', { name: newestFirst[0], exact: true }).waitFor();
    expect(await table.getAttribute('aria-rowcount')).toBe(String(FLEET + 1));
    const rendered = await bodyRows.count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(60);

    // Keyboard: focus the first row, then ↓ fifteen times (past the bottom of the box).
    const row = (i: number) => table.locator(`tbody tr[data-index="${i}"]`);
    await row(0).focus();
    for (let i = 0; i < 15; i++) await page.keyboard.press('ArrowDown');
    await waitForFocus(row(15));
    await expect.poll(() => row(15).getAttribute('aria-rowindex')).toBe('17');
    expect(await row(15).textContent()).toContain(newestFirst[15]);
    await waitForInView(row(15), box, HEADER_H);

    // The wheel to the end: the last agent shows and the view stays at the end (it does not jump
    // back to the focused row), while the focused row keeps the focus.
    await box.hover();
    const last = table.getByRole('link', { name: newestFirst[FLEET - 1], exact: true });
    await expect
      .poll(async () => {
        await page.mouse.wheel(0, 4000);
        return distanceFromEnd(box);
      })
      .toBeLessThanOrEqual(1);
    await last.waitFor();
    await waitForInView(last, box, HEADER_H);
    await twoFrames(page);
    await expect.poll(() => distanceFromEnd(box)).toBeLessThanOrEqual(1);
    await twoFrames(page);
    expect(await distanceFromEnd(box)).toBeLessThanOrEqual(1);
    await waitForFocus(row(15));
    expect(await bodyRows.count()).toBeLessThan(60);

    // Home brings focus and view back to the top; ↓ a few rows, then End: the last row has the
    // focus, the view is at the end and stays there.
    await page.keyboard.press('Home');
    await waitForFocus(row(0));
    await waitForInView(row(0), box, HEADER_H);
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
    await waitForFocus(row(5));
    await page.keyboard.press('End');
    await waitForFocus(row(FLEET - 1));
    await expect.poll(() => distanceFromEnd(box)).toBeLessThanOrEqual(1);
    await twoFrames(page);
    await twoFrames(page);
    expect(await distanceFromEnd(box)).toBeLessThanOrEqual(1);
    await waitForInView(row(FLEET - 1), box, HEADER_H);

    // Sorting by name puts agent 000 first; the search box narrows to one agent; its link opens it.
    await table.getByRole('button', { name: 'Agent' }).click();
    await expect.poll(() => table.getByRole('columnheader', { name: 'Agent' }).getAttribute('aria-sort')).toBe('ascending');
    await box.evaluate((el) => {
      (el as unknown as ScrollBox).scrollTop = 0;
    });
    await expect.poll(() => row(0).textContent()).toContain(ids[0]);
    await page.getByRole('searchbox', { name: 'Search agents' }).fill(ids[123]!);
    await expect.poll(() => bodyRows.count()).toBe(1);
    await table.getByRole('link', { name: ids[123], exact: true }).click();
    await page.waitForURL(`**/dashboard/agents/${ids[123]}`);
    await page.getByRole('heading', { name: ids[123], level: 1 }).waitFor();
    expect(page.uncaughtErrors).toEqual([]);
  });

  test("the fleet's data is requested while the page's code is still loading", async () => {
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'agents-preload');
    // Hold the Agents page's chunk until the fleet request has gone out: a page that asked for its
    // data only after its code ran would never send it, and the wait below would time out.
    const fleetRequested = page.waitForRequest((r) => r.url().includes('/api/v1/agents/fleet-coverage?'));
    let fleetRequests = 0;
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/agents/fleet-coverage?')) fleetRequests++;
    });
    let held = false;
    await page.route(/\/assets\/AgentsPage-[^/]+\.js$/, async (route) => {
      held = true;
      await fleetRequested.catch(() => undefined);
      await route.continue();
    });
    await page.goto('/dashboard/agents');
    const req = await fleetRequested;
    expect(new URL(req.url()).searchParams.get('since')).toBe('24h');
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    expect(held).toBe(true);
    // The page used that answer rather than asking again.
    await page.getByRole('table', { name: 'Agents' }).waitFor();
    expect(fleetRequests).toBe(1);
    expect(page.uncaughtErrors).toEqual([]);
  });
});

// Events: live arrivals wait behind the "N new" button, a facet filter narrows the table and
// lands in the URL, `?event=<id>` opens the detail panel, and Export downloads a CSV.
import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { SimAgent } from './agent-sim.js';
import {
  currentTheme,
  markNoReload,
  testContext,
  trackedPage,
  uniqueAgentId,
  uniqueSuffix,
  useConsole,
  waitForInView,
  waitForLive,
} from './harness.js';

const s = useConsole();

async function newAgent(prefix: string): Promise<SimAgent> {
  const env = `events-${uniqueSuffix()}`;
  const key = await s.admin.createKey(env);
  return new SimAgent(s.server.baseUrl, key.key, uniqueAgentId(prefix), env);
}

describe('events', () => {
  test('live rows wait behind "N new", a verdict filter narrows the table and the URL, export downloads a CSV', async () => {
    const agent = await newAgent('events-live');
    const tag = uniqueSuffix();
    const listTool = `list_orders_${tag}`;
    const readTool = `read_file_${tag}`;
    await agent.sendEvents([
      agent.event(listTool, 'call_allowed', { args: { status: 'open' } }),
      agent.event(readTool, 'call_denied', {
        contract: 'no-secret-files',
        args: { path: '.env' },
        reason: 'Refusing to read .env',
      }),
    ]);

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'events-live');
    await page.goto('/dashboard/events');
    const grid = page.getByRole('grid', { name: 'Events' });
    const ours = grid.getByRole('row').filter({ hasText: agent.agentId });
    await ours.filter({ hasText: listTool }).waitFor();
    await ours.filter({ hasText: readTool }).waitFor();
    expect(await ours.count()).toBe(2);

    // Live: three new events are buffered behind a button instead of shifting the rows.
    await waitForLive(page);
    const stillSamePage = await markNoReload(page);
    const liveTool = `refund_${tag}`;
    await agent.sendEvents([
      agent.event(liveTool, 'call_allowed', { args: { amount: 20 } }),
      agent.event(liveTool, 'call_allowed', { args: { amount: 40 } }),
      agent.event(liveTool, 'call_denied', { contract: 'refund-limit', args: { amount: 5000 } }),
    ]);
    const newButton = page.getByRole('button', { name: '3 new' });
    await newButton.waitFor();
    expect(await ours.filter({ hasText: liveTool }).count()).toBe(0);
    await newButton.click();
    await newButton.waitFor({ state: 'detached' });
    await ours.filter({ hasText: liveTool }).first().waitFor();
    expect(await ours.filter({ hasText: liveTool }).count()).toBe(3);
    expect(await stillSamePage()).toBe(true);

    // A facet filter: only denied events remain, and the URL says so.
    // (click, not check(): the box is controlled by the URL, so it shows ticked once the
    // navigation commits, which check() does not wait for.)
    const verdicts = page.getByRole('list', { name: 'Verdict values' });
    const filtered = page.waitForResponse(
      (r) => r.url().includes('/api/v1/events?') && new URL(r.url()).searchParams.get('verdict') === 'call_denied',
    );
    await verdicts.getByRole('checkbox', { name: /^denied\b/ }).click();
    expect((await filtered).status()).toBe(200);
    await page.waitForURL((u) => u.pathname === '/dashboard/events' && u.searchParams.getAll('verdict').join() === 'call_denied');
    await verdicts.getByRole('checkbox', { name: /^denied\b/, checked: true }).waitFor();
    await ours.filter({ hasText: listTool }).waitFor({ state: 'detached' });
    await ours.filter({ hasText: readTool }).waitFor();
    expect(await ours.count()).toBe(2); // the read_file denial and the refund denial
    expect(await ours.filter({ hasText: liveTool }).count()).toBe(1);

    // Narrow further to this agent and export exactly those rows as CSV.
    await page
      .getByRole('list', { name: 'Agent values' })
      .getByRole('checkbox', { name: new RegExp(`^${agent.agentId}\\b`) })
      .click();
    await page.waitForURL(
      (u) => u.searchParams.get('agent') === agent.agentId && u.searchParams.get('verdict') === 'call_denied',
    );
    await page.getByRole('button', { name: 'Export' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export events' });
    await dialog.waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^edictum-events-.*\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('timestamp,id,call_id,agent_id,tool_name,verdict,mode,env,contract,reason,tool_args,created_at');
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).every((l) => l.includes(agent.agentId) && l.includes('call_denied'))).toBe(true);
    expect(csv).toContain(readTool);
    expect(csv).toContain('refund-limit');
    expect(csv).toContain(agent.env);
    await dialog.waitFor({ state: 'detached' });
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('light theme: ?event=<id> opens that event in the detail panel and scrolls its row into view', async () => {
    const agent = await newAgent('events-deep');
    const tool = `transfer_funds_${uniqueSuffix()}`;
    // The linked event is an hour old, with 60 newer rows above it and 30 older below: its row
    // starts out of view, in the middle of the list.
    const newer = Array.from({ length: 60 }, (_, i) =>
      agent.event(`${tool}_other`, 'call_allowed', { at: new Date(Date.now() - i * 30_000) }),
    );
    const older = Array.from({ length: 30 }, (_, i) =>
      agent.event(`${tool}_older`, 'call_allowed', { at: new Date(Date.now() - 2 * 3_600_000 - i * 30_000) }),
    );
    await agent.sendEvents([
      agent.event(tool, 'call_denied', {
        contract: 'wire-limit',
        args: { amount: 99_000, iban: 'DE00 1234' },
        reason: 'Transfers above 10k need approval',
        at: new Date(Date.now() - 3_600_000),
      }),
      ...newer,
      ...older,
    ]);
    const [event] = await s.admin.request<{ id: string; call_id: string }[]>(
      'GET',
      `/events?agent_id=${agent.agentId}&tool_name=${tool}`,
    );
    expect(event).toBeDefined();

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session, theme: 'light' });
    const page = await trackedPage(context, 'events-deep-link');
    await page.goto(`/dashboard/events?event=${event!.id}`);
    await page.getByRole('heading', { name: tool, level: 2 }).waitFor();
    await page.getByText(event!.id, { exact: true }).waitFor();
    await page.getByText('Transfers above 10k need approval', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'wire-limit' }).waitFor();
    await page.getByRole('button', { name: event!.call_id }).waitFor();
    // The selected row is marked in the grid and scrolled fully into view (below the sticky header).
    const grid = page.getByRole('grid', { name: 'Events' });
    const selected = grid.getByRole('row', { selected: true }).filter({ hasText: tool });
    await selected.waitFor();
    await waitForInView(selected, grid, 32);
    expect(await currentTheme(page)).toBe('light');

    // Closing the panel drops the parameter.
    await page.getByRole('button', { name: 'Close event detail' }).click();
    await page.waitForURL((u) => !u.searchParams.has('event'));
    await page.getByRole('heading', { name: tool, level: 2 }).waitFor({ state: 'detached' });
    expect(page.uncaughtErrors).toEqual([]);
  });
});

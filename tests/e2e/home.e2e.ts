// Home (Overview): the stats bar counts what agents post, and a pending approval appears in
// the triage column live, without a reload; deciding there reaches the agent.
import type { Page } from 'playwright-core';
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
  waitForLive,
} from './harness.js';

const s = useConsole();

interface Overview {
  pending_approvals: number;
  events_24h: number;
  denials_24h: number;
  observe_findings_24h: number;
}

/** A stat card of the "Last 24 hours at a glance" bar (each is a link labelled by its title). */
function stat(page: Page, label: string) {
  return page
    .getByRole('region', { name: 'Last 24 hours at a glance' })
    .getByRole('link')
    .filter({ has: page.getByText(label, { exact: true }) });
}

async function waitForStat(page: Page, label: string, value: number): Promise<void> {
  await stat(page, label).getByText(String(value), { exact: true }).waitFor();
}

async function newAgent(prefix: string): Promise<SimAgent> {
  const env = `home-${uniqueSuffix()}`;
  const key = await s.admin.createKey(env);
  return new SimAgent(s.server.baseUrl, key.key, uniqueAgentId(prefix), env);
}

describe('home', () => {
  test('stats reflect posted events, and a pending approval arrives in triage live and is decided there', async () => {
    const agent = await newAgent('home-live');
    const before = await s.admin.request<Overview>('GET', '/stats/overview');

    // Posted before the page opens: 3 allowed, 2 denied, 1 observe-mode would-deny.
    await agent.sendEvents([
      agent.event('search_orders', 'call_allowed'),
      agent.event('search_orders', 'call_allowed'),
      agent.event('send_email', 'call_allowed'),
      agent.event('read_file', 'call_denied', { contract: 'no-secret-files', args: { path: '.env' } }),
      agent.event('read_file', 'call_denied', { contract: 'no-secret-files', args: { path: 'id_rsa' } }),
      agent.event('delete_user', 'call_would_deny', { mode: 'observe', contract: 'protect-users' }),
    ]);

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'home-live');
    await page.goto('/dashboard');
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await waitForStat(page, 'Events (24h)', before.events_24h + 6);
    await waitForStat(page, 'Denials (24h)', before.denials_24h + 2);
    await waitForStat(page, 'Observe findings (24h)', before.observe_findings_24h + 1);
    await waitForStat(page, 'Pending approvals', before.pending_approvals);

    // Live: with the stream open, more events and an approval request change the page in place.
    await waitForLive(page);
    const stillSamePage = await markNoReload(page);
    await agent.sendEvents([
      agent.event('read_file', 'call_denied', { contract: 'no-secret-files' }),
      agent.event('search_orders', 'call_allowed'),
    ]);
    await waitForStat(page, 'Events (24h)', before.events_24h + 8);
    await waitForStat(page, 'Denials (24h)', before.denials_24h + 3);

    const tool = `issue_refund_${uniqueSuffix()}`;
    const approval = await agent.requestApproval({
      tool,
      args: { order: 'A-1001', amount: 250 },
      message: 'Refund of 250 EUR for order A-1001',
      timeout: 600,
    });
    const triage = page.getByRole('list', { name: 'Pending approvals' });
    const item = triage.getByRole('listitem').filter({ hasText: tool });
    await item.waitFor();
    await item.getByText(agent.agentId).waitFor();
    await item.getByText('Refund of 250 EUR for order A-1001').waitFor();
    await waitForStat(page, 'Pending approvals', before.pending_approvals + 1);
    expect(await stillSamePage()).toBe(true);

    // The agent polls while a human decides from the triage column.
    const decision = agent.waitForDecision(approval.id, 30_000);
    const put = page.waitForResponse(
      (r) => r.url().endsWith(`/api/v1/approvals/${approval.id}`) && r.request().method() === 'PUT',
    );
    await item.getByRole('button', { name: 'Approve' }).click();
    expect((await put).status()).toBe(200);
    await item.waitFor({ state: 'detached' });
    expect(await decision).toEqual({ status: 'approved', decided_by: s.admin.email, decision_reason: null });
    await waitForStat(page, 'Pending approvals', before.pending_approvals);
    expect(await stillSamePage()).toBe(true);
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('light theme: a waiting approval is listed on load and its View link deep-links to it', async () => {
    const agent = await newAgent('home-light');
    const tool = `rotate_credentials_${uniqueSuffix()}`;
    const approval = await agent.requestApproval({
      tool,
      args: { service: 'billing' },
      message: 'Rotate billing credentials',
      timeout: 900,
    });

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session, theme: 'light' });
    const page = await trackedPage(context, 'home-light');
    await page.goto('/dashboard');
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    expect(await currentTheme(page)).toBe('light');
    const item = page.getByRole('list', { name: 'Pending approvals' }).getByRole('listitem').filter({ hasText: tool });
    await item.getByRole('link', { name: 'View' }).click();
    await page.waitForURL((u) => u.pathname === '/dashboard/approvals' && u.searchParams.get('id') === approval.id);
    const card = page.getByRole('article', { name: new RegExp(tool) });
    await card.waitFor();
    await card.getByText('Rotate billing credentials').waitFor();
    expect(await currentTheme(page)).toBe('light');
    expect(page.uncaughtErrors).toEqual([]);
  });
});

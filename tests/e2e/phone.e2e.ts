// Every page at phone size (390×844) in both themes: nothing makes the page scroll sideways,
// each page's main action is on screen, the events list shows the verdict, and every dialog
// opened there fits inside the viewport.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { goodBundle, SimAgent, type AgentStream } from './agent-sim.js';
import { testContext, trackedPage, uniqueAgentId, uniqueSuffix, useConsole, type Theme } from './harness.js';

const PHONE = { width: 390, height: 844 };
const s = useConsole({ EDICTUM_OUTBOUND_ALLOW: '127.0.0.1' });
let agent: SimAgent;
let stream: AgentStream;

beforeAll(async () => {
  const env = `phone-${uniqueSuffix()}`;
  const key = await s.admin.createKey(env, `phone key with a fairly long label ${uniqueSuffix()}`);
  const bundle = `phone-guardrails-${uniqueSuffix()}`;
  await s.admin.uploadBundle(goodBundle(bundle));
  await s.admin.deploy(bundle, 1, env);
  agent = new SimAgent(s.server.baseUrl, key.key, uniqueAgentId('phone-agent-with-a-long-name'), env);
  stream = await agent.connect({ bundleName: bundle });
  await agent.sendEvents([
    agent.event('read_file', 'call_denied', { contract: 'no-secret-files', args: { path: '/home/user/project/.env' } }),
    agent.event('search_orders_by_customer_email_address', 'call_allowed', { args: { email: 'someone@example.com' } }),
    agent.event('delete_user', 'call_would_deny', { mode: 'observe', contract: 'protect-users' }),
  ]);
  await agent.requestApproval({ tool: 'issue_refund', args: { order: 'A-1001', amount: 250 }, message: 'Refund of 250 EUR', timeout: 3600 });
  await s.admin.request('POST', '/notifications/channels', {
    name: 'Ops webhook with a long name',
    channel_type: 'webhook',
    config: { url: 'http://127.0.0.1:9/hook' },
  }, 201);
});

afterAll(async () => {
  await stream?.close();
});

// A string: this file is type-checked without the DOM library. Names the outermost elements
// that stick out on the right, so a failure says where to look.
const WIDTH_PROBE = `(() => {
  const iw = window.innerWidth;
  const culprits = [];
  const clipped = (el) => {
    for (let a = el.parentElement; a; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return a !== document.documentElement && a !== document.body;
    return false;
  };
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > iw + 0.5 && !clipped(el) && culprits.length < 6)
      culprits.push(el.tagName.toLowerCase() + '.' + String(el.className).slice(0, 60) + ' w=' + Math.round(r.width) + ' right=' + Math.round(r.right));
  }
  return { sw: document.documentElement.scrollWidth, iw, culprits };
})()`;

async function noSidewaysScroll(page: Page, what: string): Promise<void> {
  const m = await page.evaluate<{ sw: number; iw: number; culprits: string[] }>(WIDTH_PROBE);
  expect(m.sw, `${what}: page is ${m.sw}px wide in a ${m.iw}px viewport; widest: ${m.culprits.join(' | ')}`).toBeLessThanOrEqual(m.iw);
}

/**
 * On screen as a user first sees it: every sideways-scrolling frame left at its start (no
 * scrollIntoView, which would scroll a table frame to the element), the page scrolled down to
 * it, and nothing (a clipping frame) covering its middle.
 */
async function onScreen(locator: Locator, what: string): Promise<void> {
  // This file is type-checked without the DOM library: the page's globals are typed here.
  type Win = { innerHeight: number; scrollBy(x: number, y: number): void; document: { elementFromPoint(x: number, y: number): unknown } };
  await locator.evaluate((el) => {
    const w = globalThis as unknown as Win;
    for (let a = el.parentElement; a; a = a.parentElement) a.scrollLeft = 0;
    const r = el.getBoundingClientRect();
    if (r.top < 0 || r.bottom > w.innerHeight) w.scrollBy(0, r.top - w.innerHeight / 2);
  });
  const hit = await locator.evaluate((el) => {
    const w = globalThis as unknown as Win;
    const r = el.getBoundingClientRect();
    const at = w.document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) as typeof el | null;
    return !!at && (at === el || el.contains(at));
  });
  expect(hit, `${what} is not covered or clipped`).toBe(true);
  const box = await locator.boundingBox();
  expect(box, `${what} is rendered`).not.toBeNull();
  expect(box!.x, `${what} starts inside the viewport`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what} ends inside the viewport`).toBeLessThanOrEqual(PHONE.width + 0.5);
}

async function dialogFits(page: Page, dialog: Locator, what: string): Promise<void> {
  await dialog.waitFor();
  const box = await dialog.boundingBox();
  expect(box, `${what} is rendered`).not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what} is ${box!.width}px wide`).toBeLessThanOrEqual(PHONE.width + 0.5);
  expect(box!.y + box!.height, `${what} is ${box!.height}px tall`).toBeLessThanOrEqual(PHONE.height + 0.5);
  // Nothing inside the dialog pushes it sideways either.
  const inner = await dialog.evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth }));
  expect(inner.sw, `${what} content`).toBeLessThanOrEqual(inner.cw);
  await noSidewaysScroll(page, what);
}

async function closeDialog(page: Page, dialog: Locator): Promise<void> {
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
}

async function h1(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { name, level: 1 }).waitFor();
}

describe.each<Theme>(['dark', 'light'])('phone, %s theme', (theme) => {
  let page: Page & { uncaughtErrors: string[] };
  const open = async (name: string) => {
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session, theme, viewport: PHONE });
    page = await trackedPage(context, `phone-${name}-${theme}`);
  };

  test('sign-in page', async () => {
    const context = await testContext(s.browser, s.server.baseUrl, { theme, viewport: PHONE });
    const p = await trackedPage(context, `phone-login-${theme}`);
    await p.goto('/dashboard/login');
    await p.getByRole('button', { name: 'Sign in' }).waitFor();
    await noSidewaysScroll(p, 'sign-in');
    await onScreen(p.getByRole('button', { name: 'Sign in' }), 'Sign in');
  });

  test('overview', async () => {
    await open('home');
    await page.goto('/dashboard');
    await h1(page, 'Overview');
    await page.getByRole('region', { name: 'Last 24 hours at a glance' }).waitFor();
    await noSidewaysScroll(page, 'overview');
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('events: the verdict is visible in the list; the export dialog fits', async () => {
    await open('events');
    await page.goto('/dashboard/events');
    await h1(page, 'Events');
    // The verdict of a row in the list itself (not the facets), on screen without scrolling it.
    const row = page.getByRole('grid', { name: 'Events' }).getByRole('row').filter({ hasText: 'search_orders_by_customer_email_address' });
    await row.waitFor();
    await noSidewaysScroll(page, 'events');
    const verdict = row.getByRole('gridcell').nth(1);
    expect(await verdict.textContent()).toMatch(/allowed/i);
    const box = await verdict.locator('span').first().boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x + box!.width, 'the verdict badge ends inside the viewport').toBeLessThanOrEqual(PHONE.width);
    await page.getByRole('button', { name: 'Export' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export events' });
    await dialogFits(page, dialog, 'Export events dialog');
    await closeDialog(page, dialog);
  });

  test('approvals', async () => {
    await open('approvals');
    await page.goto('/dashboard/approvals');
    await h1(page, 'Approvals');
    const card = page.locator('article[data-approval-id]').first();
    await card.waitFor();
    await noSidewaysScroll(page, 'approvals');
    await onScreen(card.getByRole('button', { name: 'Approve' }), 'Approve');
  });

  test('contracts: upload dialog fits', async () => {
    await open('contracts');
    await page.goto('/dashboard/contracts');
    await h1(page, 'Contracts');
    await noSidewaysScroll(page, 'contracts');
    await page.getByRole('button', { name: 'Upload bundle' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Upload bundle' });
    await dialogFits(page, dialog, 'Upload bundle dialog');
    await closeDialog(page, dialog);
  });

  test('agents and an agent page', async () => {
    await open('agents');
    await page.goto('/dashboard/agents');
    await h1(page, 'Agents');
    await page.getByRole('link', { name: agent.agentId }).first().waitFor();
    await noSidewaysScroll(page, 'agents');
    await page.goto(`/dashboard/agents/${agent.agentId}`);
    await h1(page, agent.agentId);
    await page.getByText(/^connected /).first().waitFor();
    await noSidewaysScroll(page, 'agent page');
    for (const tab of ['Activity', 'History', 'Registration']) {
      await page.getByRole('tab', { name: tab }).click();
      await page.waitForURL((u) => u.searchParams.get('tab') === tab.toLowerCase());
      await noSidewaysScroll(page, `agent page, ${tab}`);
    }
    await onScreen(page.getByRole('button', { name: 'Save registration' }), 'Save registration');
  });

  test('API keys: Revoke on screen; create and revoke dialogs fit', async () => {
    await open('keys');
    await page.goto('/dashboard/keys');
    await h1(page, 'API Keys');
    const revoke = page.getByRole('button', { name: /^Revoke/ }).first();
    await revoke.waitFor();
    await noSidewaysScroll(page, 'API keys');
    await onScreen(revoke, 'Revoke');
    await revoke.click();
    const confirm = page.getByRole('dialog').first();
    await dialogFits(page, confirm, 'Revoke dialog');
    await closeDialog(page, confirm);
    await page.getByRole('button', { name: 'Create API key' }).first().click();
    const create = page.getByRole('dialog', { name: 'Create API key' });
    await dialogFits(page, create, 'Create API key dialog');
    await closeDialog(page, create);
  });

  test('settings: every tab; the Add channel dialog fits for every type', async () => {
    await open('settings');
    await page.goto('/dashboard/settings');
    await h1(page, 'Settings');
    await page.getByRole('status').filter({ hasText: /operational|degraded/i }).first().waitFor();
    await noSidewaysScroll(page, 'settings, system');
    await page.getByRole('tab', { name: 'Notifications' }).click();
    const row = page.getByRole('table', { name: 'Notification channels' }).getByRole('row').filter({ hasText: 'Ops webhook with a long name' });
    await row.waitFor();
    await noSidewaysScroll(page, 'settings, notifications');
    await onScreen(row.getByRole('button', { name: 'Test', exact: true }), 'Test channel');
    await page.getByRole('button', { name: 'Add channel' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add notification channel' });
    for (const type of [/^Slack app\b/, /^Telegram\b/, /^Discord\b/, /^Email\b/, /^Webhook\b/]) {
      await dialog.getByRole('radio', { name: type }).check({ force: true });
      await dialogFits(page, dialog, `Add channel dialog (${String(type)})`);
    }
    await onScreen(dialog.getByRole('button', { name: 'Create channel' }), 'Create channel');
    await closeDialog(page, dialog);
    await page.getByRole('tab', { name: /Danger/ }).click();
    await noSidewaysScroll(page, 'settings, danger zone');
    expect(page.uncaughtErrors).toEqual([]);
  });
});

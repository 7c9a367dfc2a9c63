// Approvals: an agent asks over the real API and the card arrives live; the approver triages
// by keyboard (j/k to move, a to approve, d to deny with a reason); the agent's poll sees the
// decision with decided_by = the admin; ?id= deep links; history shows who, via and why; and
// a phone-width screen can approve.
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { SimAgent, type Approval } from './agent-sim.js';
import {
  currentTheme,
  markNoReload,
  testContext,
  trackedPage,
  uniqueAgentId,
  uniqueSuffix,
  useConsole,
  waitForFocus,
  waitForLive,
} from './harness.js';

const s = useConsole();

async function newAgent(prefix: string): Promise<SimAgent> {
  const env = `approvals-${uniqueSuffix()}`;
  const key = await s.admin.createKey(env);
  return new SimAgent(s.server.baseUrl, key.key, uniqueAgentId(prefix), env);
}

/** The card of a pending approval (an article labelled by its tool name). */
const card = (page: Page, a: Approval) => page.locator(`article[data-approval-id="${a.id}"]`);

const focusedApprovalId = (page: Page) =>
  page.evaluate<string | null>("document.activeElement && document.activeElement.getAttribute('data-approval-id')");

function decisionPut(page: Page, a: Approval) {
  return page.waitForResponse((r) => r.url().endsWith(`/api/v1/approvals/${a.id}`) && r.request().method() === 'PUT');
}

describe('approvals', () => {
  test('cards arrive live; j/k, a and d decide by keyboard; the agent sees who decided; ?id= and history', async () => {
    const agent = await newAgent('approvals-kbd');
    const tag = uniqueSuffix();
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'approvals-keyboard');
    await page.goto('/dashboard/approvals');
    await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
    await waitForLive(page);
    const stillSamePage = await markNoReload(page);

    // Three requests with increasing deadlines: the queue orders them a, b, c.
    const a = await agent.requestApproval({
      tool: `refund_${tag}`,
      args: { order: 'A-1', amount: 120 },
      message: 'Refund 120 EUR',
      timeout: 1200,
    });
    const b = await agent.requestApproval({
      tool: `delete_account_${tag}`,
      args: { user: 'u-42' },
      message: 'Delete account u-42',
      timeout: 1300,
    });
    const c = await agent.requestApproval({
      tool: `deploy_prod_${tag}`,
      args: { service: 'billing' },
      message: 'Deploy billing to production',
      timeout: 1400,
    });
    for (const x of [a, b, c]) await card(page, x).getByText(x.message).waitFor();
    expect(await stillSamePage()).toBe(true);
    const ids = await page
      .locator('article[data-approval-id]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-approval-id')));
    expect(ids.filter((id) => [a.id, b.id, c.id].includes(id ?? ''))).toEqual([a.id, b.id, c.id]);

    // j / k move the focus through the queue.
    await page.keyboard.press('j');
    expect(await focusedApprovalId(page)).toBe(ids[0]);
    const aIndex = ids.indexOf(a.id);
    for (let i = 0; i < aIndex; i++) await page.keyboard.press('j');
    expect(await focusedApprovalId(page)).toBe(a.id);
    await page.keyboard.press('j');
    expect(await focusedApprovalId(page)).toBe(b.id);
    await page.keyboard.press('k');
    expect(await focusedApprovalId(page)).toBe(a.id);

    // a approves the focused request; the agent, polling like the SDK, sees the admin's name.
    const aDecision = agent.waitForDecision(a.id, 30_000);
    const aPut = decisionPut(page, a);
    await page.keyboard.press('a');
    expect((await aPut).status()).toBe(200);
    await card(page, a).waitFor({ state: 'detached' });
    expect(await aDecision).toEqual({ status: 'approved', decided_by: s.admin.email, decision_reason: null });

    // The focus moved on to b; d opens the deny form there with the reason field focused.
    const reason = `Not without a ticket (${tag})`;
    await page.keyboard.press('d');
    const reasonField = card(page, b).getByRole('textbox', { name: 'Reason for denying' });
    await reasonField.waitFor();
    await waitForFocus(reasonField);
    await page.keyboard.type(reason);
    const bDecision = agent.waitForDecision(b.id, 30_000);
    const bPut = decisionPut(page, b);
    await page.keyboard.press('Enter');
    expect((await bPut).status()).toBe(200);
    await card(page, b).waitFor({ state: 'detached' });
    expect(await bDecision).toEqual({ status: 'denied', decided_by: s.admin.email, decision_reason: reason });
    await card(page, c).waitFor();
    expect(await stillSamePage()).toBe(true);

    // ?id= of a pending request focuses its card; a then approves it.
    const deep = await trackedPage(context, 'approvals-deep-link');
    await deep.goto(`/dashboard/approvals?id=${c.id}`);
    await card(deep, c).getByText(c.message).waitFor();
    await waitForFocus(card(deep, c));
    const cPut = decisionPut(deep, c);
    await deep.keyboard.press('a');
    expect((await cPut).status()).toBe(200);
    expect((await agent.getApproval(c.id)).status).toBe('approved');

    // ?id= of a decided request opens it in a dialog with who decided, how and why.
    await deep.goto(`/dashboard/approvals?id=${b.id}`);
    const dialog = deep.getByRole('dialog', { name: `${b.tool_name} from ${agent.agentId}` });
    await dialog.waitFor();
    await dialog.getByText('denied', { exact: true }).waitFor();
    await dialog.getByText(s.admin.email, { exact: true }).waitFor();
    await dialog.getByText('console', { exact: true }).waitFor();
    await dialog.getByText(reason, { exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await deep.waitForURL((u) => !u.searchParams.has('id'));

    // History: who, via and reason for each decision of this test.
    await deep.getByRole('tab', { name: 'History' }).click();
    await deep.waitForURL((u) => u.searchParams.get('tab') === 'history');
    const history = deep.getByRole('table', { name: 'Approval history' });
    const bRow = history.getByRole('row').filter({ hasText: b.tool_name });
    await bRow.getByText(reason).waitFor();
    for (const text of ['denied', s.admin.email, 'console']) await bRow.getByText(text, { exact: true }).waitFor();
    const aRow = history.getByRole('row').filter({ hasText: a.tool_name });
    for (const text of ['approved', s.admin.email, 'console']) await aRow.getByText(text, { exact: true }).waitFor();
    expect(page.uncaughtErrors).toEqual([]);
    expect(deep.uncaughtErrors).toEqual([]);
  });

  test('phone width (390×844), light theme: a request can be approved and the agent sees it', async () => {
    const agent = await newAgent('approvals-phone');
    const a = await agent.requestApproval({
      tool: `wire_transfer_${uniqueSuffix()}`,
      args: { amount: 5000, to: 'ACME GmbH' },
      message: 'Wire 5000 EUR to ACME GmbH',
      timeout: 900,
    });
    const context = await testContext(s.browser, s.server.baseUrl, {
      session: s.admin.session,
      theme: 'light',
      viewport: { width: 390, height: 844 },
    });
    const page = await trackedPage(context, 'approvals-phone');
    await page.goto('/dashboard/approvals');
    await page.getByRole('button', { name: 'Open menu' }).waitFor();
    expect(await currentTheme(page)).toBe('light');
    const item = card(page, a);
    await item.getByText(a.message).waitFor();
    // Nothing sticks out sideways at phone width.
    expect(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    const approve = item.getByRole('button', { name: 'Approve' });
    await approve.scrollIntoViewIfNeeded();
    const decision = agent.waitForDecision(a.id, 30_000);
    const put = decisionPut(page, a);
    await approve.click();
    expect((await put).status()).toBe(200);
    await item.waitFor({ state: 'detached' });
    expect(await decision).toEqual({ status: 'approved', decided_by: s.admin.email, decision_reason: null });
    expect(page.uncaughtErrors).toEqual([]);
  });
});

// Settings: system health cards; a webhook channel pointing at a local receiver is tested
// before and after saving, receives an approval request, and is toggled off and on; the signing
// key is rotated and old events purged behind typed confirmations.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SimAgent } from './agent-sim.js';
import { currentTheme, testContext, trackedPage, uniqueAgentId, uniqueSuffix, useConsole } from './harness.js';
import { WebhookReceiver } from './webhook-receiver.js';

// The SSRF guard refuses loopback targets unless the operator allows them.
const s = useConsole({ EDICTUM_OUTBOUND_ALLOW: '127.0.0.1' });
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await receiver?.stop();
});

async function newAgent(prefix: string): Promise<SimAgent> {
  const env = `settings-${uniqueSuffix()}`;
  const key = await s.admin.createKey(env);
  return new SimAgent(s.server.baseUrl, key.key, uniqueAgentId(prefix), env);
}

describe('settings', () => {
  test('system health; a webhook channel is tested, created, notified of an approval, and toggled', async () => {
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'settings-notifications');
    await page.goto('/dashboard/settings');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();

    // System: every card reports, and the embedded database is up.
    await page.getByRole('status').filter({ hasText: 'All systems operational' }).waitFor();
    for (const card of ['Database', 'Redis', 'Connected agents', 'Workers', 'Auth provider', 'HTTPS'])
      await page.getByRole('heading', { name: card }).waitFor();
    await page.getByText('pglite · embedded mode', { exact: false }).waitFor();
    for (const worker of ['approval timeout', 'partition']) {
      await page.getByRole('listitem').filter({ hasText: worker }).getByText('running', { exact: true }).waitFor();
    }

    // Notifications: add a webhook channel, test it before saving.
    const name = `Ops webhook ${uniqueSuffix()}`;
    const hookUrl = `${receiver.url}/hooks/${uniqueSuffix()}`;
    await page.getByRole('tab', { name: 'Notifications' }).click();
    await page.waitForURL((u) => u.searchParams.get('tab') === 'notifications');
    await page.getByRole('button', { name: 'Add channel' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add notification channel' });
    await dialog.waitFor();
    // The type cards are labels around visually hidden radios: choose one the keyboard way.
    const webhookType = dialog.getByRole('radio', { name: /^Webhook\b/ });
    await webhookType.focus();
    await page.keyboard.press('Space');
    expect(await webhookType.isChecked()).toBe(true);
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await dialog.getByRole('textbox', { name: 'URL', exact: true }).fill(hookUrl);
    const firstTest = receiver.waitFor((r) => r.path === new URL(hookUrl).pathname && r.json?.event === 'test');
    await dialog.getByRole('button', { name: 'Send test' }).click();
    const tested = await firstTest;
    expect(tested.method).toBe('POST');
    expect(tested.headers['x-edictum-event']).toBe('test');
    await dialog.getByRole('status').filter({ hasText: 'Test sent: The webhook accepted a signed test request.' }).waitFor();

    // Create it; the list shows it enabled.
    const created = page.waitForResponse(
      (r) => r.url().endsWith('/api/v1/notifications/channels') && r.request().method() === 'POST',
    );
    await dialog.getByRole('button', { name: 'Create channel' }).click();
    expect((await created).status()).toBe(201);
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByRole('table', { name: 'Notification channels' }).getByRole('row').filter({ hasText: name });
    await row.getByText('Webhook', { exact: true }).waitFor();
    const toggle = row.getByRole('switch', { name: `${name} enabled` });
    expect(await toggle.getAttribute('aria-checked')).toBe('true');

    // Test from the list: signed, and recorded as the last test.
    const secondTest = receiver.waitFor((r) => r.path === new URL(hookUrl).pathname && r.json?.event === 'test');
    await row.getByRole('button', { name: 'Test', exact: true }).click();
    const signed = await secondTest;
    expect(signed.headers['x-edictum-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    await row.getByText(/^OK /).waitFor();

    // An agent's approval request is delivered to the channel.
    const agent = await newAgent('settings-webhook');
    const requested = receiver.waitFor(
      (r) => r.path === new URL(hookUrl).pathname && r.json?.event === 'approval_requested' && r.json.agent_id === agent.agentId,
    );
    const approval = await agent.requestApproval({
      tool: 'drop_table',
      args: { table: 'orders' },
      message: 'Drop the orders table',
      timeout: 600,
    });
    const notice = await requested;
    expect(notice.json).toMatchObject({
      approval_id: approval.id,
      tool_name: 'drop_table',
      env: agent.env,
      message: 'Drop the orders table',
    });

    // Toggle off and on again; the server agrees each time.
    const off = page.waitForResponse(
      (r) => r.url().includes('/api/v1/notifications/channels/') && r.request().method() === 'PUT',
    );
    await toggle.click();
    expect((await off).status()).toBe(200);
    expect(JSON.parse((await off).request().postData() ?? '{}')).toEqual({ enabled: false });
    await row.getByRole('switch', { name: `${name} enabled`, checked: false }).waitFor();
    const stored = await s.admin.request<{ name: string; enabled: boolean }[]>('GET', '/notifications/channels');
    expect(stored.find((c) => c.name === name)?.enabled).toBe(false);
    const on = page.waitForResponse((r) => r.url().includes('/api/v1/notifications/channels/') && r.request().method() === 'PUT');
    await toggle.click();
    expect((await on).status()).toBe(200);
    await row.getByRole('switch', { name: `${name} enabled`, checked: true }).waitFor();
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('light theme: rotate the signing key and purge old events, each behind a typed confirmation', async () => {
    // Purge goes by when the console received an event (created_at, as the reference does), so
    // events posted now must survive a purge of everything older than 30 days.
    const agent = await newAgent('settings-purge');
    await agent.sendEvents([
      agent.event('archive_logs', 'call_allowed'),
      agent.event('archive_logs', 'call_denied', { contract: 'retention' }),
    ]);
    const { public_key: before } = await s.admin.request<{ public_key: string }>('GET', '/settings/signing-key');

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session, theme: 'light' });
    const page = await trackedPage(context, 'settings-danger-zone');
    await page.goto('/dashboard/settings?tab=danger');
    await page.getByText(before, { exact: true }).waitFor();
    expect(await currentTheme(page)).toBe('light');

    // Rotate: the button stays disabled until the exact word is typed.
    await page.getByRole('button', { name: 'Rotate signing key' }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate the signing key?' });
    await rotate.waitFor();
    const rotateButton = rotate.getByRole('button', { name: 'Rotate key' });
    expect(await rotateButton.isDisabled()).toBe(true);
    await rotate.getByRole('textbox', { name: 'Type “rotate” to confirm' }).fill('rotat');
    expect(await rotateButton.isDisabled()).toBe(true);
    await rotate.getByRole('textbox', { name: 'Type “rotate” to confirm' }).fill('rotate');
    const rotated = page.waitForResponse((r) => r.url().endsWith('/api/v1/settings/rotate-signing-key'));
    await rotateButton.click();
    const rotateRes = await rotated;
    expect(rotateRes.status()).toBe(201);
    const { public_key: after } = (await rotateRes.json()) as { public_key: string };
    expect(after).not.toBe(before);
    await rotate.waitFor({ state: 'detached' });
    await page.getByText(after, { exact: true }).waitFor();
    expect(await page.getByText(before, { exact: true }).count()).toBe(0);

    // Purge events older than 30 days: the two 40-day-old events go, today's stays.
    await page.getByRole('combobox', { name: 'Older than' }).selectOption('30');
    await page.getByRole('button', { name: 'Purge events' }).click();
    const purge = page.getByRole('dialog', { name: 'Purge events older than 30 days?' });
    await purge.waitFor();
    const purgeButton = purge.getByRole('button', { name: 'Purge events' });
    expect(await purgeButton.isDisabled()).toBe(true);
    await purge.getByRole('textbox', { name: 'Type “purge events” to confirm' }).fill('purge events');
    const purged = page.waitForResponse((r) => r.url().includes('/api/v1/settings/purge-events'));
    await purgeButton.click();
    const purgeRes = await purged;
    expect(purgeRes.status()).toBe(200);
    expect(new URL(purgeRes.url()).searchParams.get('older_than_days')).toBe('30');
    const { deleted_count: deleted, cutoff } = (await purgeRes.json()) as { deleted_count: number; cutoff: string };
    expect(deleted).toBe(0);
    expect(Math.abs(Date.parse(cutoff) - (Date.now() - 30 * 86_400_000))).toBeLessThan(120_000);
    await purge.waitFor({ state: 'detached' });
    await page
      .getByRole('status')
      .filter({ hasText: /^Deleted 0 events older than/ })
      .waitFor();
    expect(await s.admin.request<unknown[]>('GET', `/events?agent_id=${agent.agentId}`)).toHaveLength(2);
    expect(page.uncaughtErrors).toEqual([]);
  });
});

// Chat approvals set up from the dashboard alone: the channel form validates with the API's
// own schema (a Telegram @channel, SMTP without credentials, a PEM check), and once a chat
// channel exists the dialog shows what the platform needs: the channel id, its own callback
// URL, the Telegram setWebhook call, the Slack manifest with this channel's URL filled in.
import type { Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { testContext, trackedPage, uniqueSuffix, useConsole } from './harness.js';

const s = useConsole({ EDICTUM_OUTBOUND_ALLOW: '127.0.0.1' });

interface Channel {
  id: string;
  name: string;
  channel_type: string;
  config: Record<string, unknown>;
}

async function openAddChannel(page: Page): Promise<Locator> {
  await page.goto('/dashboard/settings?tab=notifications');
  await page.getByRole('button', { name: 'Add channel' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Add notification channel' });
  await dialog.waitFor();
  return dialog;
}

async function chooseType(page: Page, dialog: Locator, name: RegExp): Promise<void> {
  const radio = dialog.getByRole('radio', { name });
  await radio.focus();
  await page.keyboard.press('Space');
  expect(await radio.isChecked()).toBe(true);
}

/** Adds one chip to a TagInput labelled `label`. */
async function addChip(dialog: Locator, label: string, value: string): Promise<void> {
  const input = dialog.getByRole('combobox', { name: label }).or(dialog.getByRole('textbox', { name: label }));
  await input.fill(value);
  await input.press('Enter');
}

/** The base URL the console builds callback URLs from (EDICTUM_BASE_URL, else localhost:PORT). */
async function consoleBase(): Promise<string> {
  const res = await fetch(`${s.server.baseUrl}/api/v1/slack/manifest`);
  const m = (await res.json()) as { settings: { interactivity: { request_url: string } } };
  return m.settings.interactivity.request_url.replace(/\/api\/v1\/slack\/interactions$/, '');
}

async function channelNamed(name: string): Promise<Channel> {
  const list = await s.admin.request<Channel[]>('GET', '/notifications/channels');
  const c = list.find((x) => x.name === name);
  if (!c) throw new Error(`no channel ${name}`);
  return c;
}

describe('chat approvals set up from the dashboard', () => {
  test('telegram: an @channel is accepted, and the set-up shows the webhook URL and the setWebhook call', async () => {
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session, clipboard: true });
    const page = await trackedPage(context, 'notifications-telegram');
    const dialog = await openAddChannel(page);
    await chooseType(page, dialog, /^Telegram\b/);
    const name = `Ops Telegram ${uniqueSuffix()}`;
    const token = `123456789:AA${'x'.repeat(33)}`;
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await dialog.getByLabel('Bot token').fill(token);

    // Refused as the API refuses it, with the API's message, before any request.
    await dialog.getByRole('textbox', { name: 'Chat ID' }).fill('ops channel');
    await dialog.getByRole('button', { name: 'Create channel' }).click();
    await dialog.getByText('Must be a numeric chat id or @channelname.').waitFor();

    await dialog.getByRole('textbox', { name: 'Chat ID' }).fill('@edictum_ops');
    await addChip(dialog, 'Allowed approvers (optional)', '424242');
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/notifications/channels') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Create channel' }).click();
    expect((await created).status()).toBe(201);

    const stored = await channelNamed(name);
    expect(stored.config).toMatchObject({ chat_id: '@edictum_ops', allowed_approvers: ['424242'] });
    const setup = page.getByRole('dialog', { name: `Set up ${name}` });
    await setup.waitFor();
    const webhookUrl = `${await consoleBase()}/api/v1/telegram/webhook/${stored.id}`;
    await setup.getByText(stored.id, { exact: true }).waitFor();
    await setup.getByText(webhookUrl, { exact: true }).waitFor();
    const call = (await setup.getByRole('region', { name: "Connect Telegram's buttons" }).getByLabel('Telegram setWebhook call', { exact: true }).textContent()) ?? '';
    expect(call).toContain(`https://api.telegram.org/bot${token}/setWebhook`);
    expect(call).toContain(`url=${webhookUrl}`);
    const secret = /secret_token=([A-Za-z0-9_-]+)/.exec(call)?.[1] ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9_-]{16,256}$/);
    // The secret in the call is the one the console stored (the API only shows it masked).
    expect(stored.config.webhook_secret).toBe(`${secret.slice(0, 4)}••••${secret.slice(-4)}`);
    await setup.getByRole('button', { name: 'Copy telegram setwebhook call' }).click();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(call);
    await setup.getByRole('button', { name: 'Done' }).click();
    await setup.waitFor({ state: 'detached' });
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('slack app: the manifest names the interactivity URL, shared before saving and the channel’s own after', async () => {
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session, theme: 'light' });
    const page = await trackedPage(context, 'notifications-slack');
    const dialog = await openAddChannel(page);
    await chooseType(page, dialog, /^Slack app\b/);
    const before = (await dialog.getByLabel('Slack app manifest', { exact: true }).textContent()) ?? '';
    expect(JSON.parse(before).settings.interactivity.request_url).toBe(`${await consoleBase()}/api/v1/slack/interactions`);

    const name = `Ops Slack ${uniqueSuffix()}`;
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await dialog.getByLabel('Bot token').fill('xoxb-1111-2222-abcdef');
    await dialog.getByLabel('Signing secret').fill('8f14e45fceea167a5a36dedd4bea2543');
    await dialog.getByRole('textbox', { name: 'Channel', exact: true }).fill('C0123ABCD');
    await addChip(dialog, 'Allowed approvers (optional)', 'U024BE7LH');
    await dialog.getByRole('button', { name: 'Create channel' }).click();
    const setup = page.getByRole('dialog', { name: `Set up ${name}` });
    await setup.waitFor();
    const stored = await channelNamed(name);
    expect(stored.config).toMatchObject({ slack_channel: 'C0123ABCD', allowed_approvers: ['U024BE7LH'] });
    const own = `${await consoleBase()}/api/v1/slack/interactions/${stored.id}`;
    await setup.getByText(own, { exact: true }).waitFor();
    await page.waitForFunction(
      ([el, url]) => ((el as unknown as { textContent: string }).textContent ?? '').includes(url),
      [await setup.getByLabel('Slack app manifest', { exact: true }).elementHandle(), own] as const,
    );
    const after = JSON.parse((await setup.getByLabel('Slack app manifest', { exact: true }).textContent()) ?? '{}');
    expect(after.settings.interactivity.request_url).toBe(own);
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('break-glass admins: the API refuses linking another admin, and the form says so at the field', async () => {
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'notifications-breakglass-admins');
    const dialog = await openAddChannel(page);
    await chooseType(page, dialog, /^Slack app\b/);
    const name = `Break-glass ${uniqueSuffix()}`;
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await dialog.getByLabel('Bot token').fill('xoxb-1111-2222-abcdef');
    await dialog.getByLabel('Signing secret').fill('8f14e45fceea167a5a36dedd4bea2543');
    await dialog.getByRole('textbox', { name: 'Channel', exact: true }).fill('C0BREAKGL');
    const field = 'Break-glass admins (optional)';
    await dialog.getByText(/each admin links their own chat account/i).waitFor();
    const mine = `U0MINE1=${s.admin.email}`;
    const theirs = 'U0EVIL9=someone-else@example.com';
    await addChip(dialog, field, mine);
    await addChip(dialog, field, theirs);
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/notifications/channels') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Create channel' }).click();
    expect((await refused).status()).toBe(422);
    // The server's sentence is the field's own error (its accessible description).
    const input = dialog.getByRole('combobox', { name: field }).or(dialog.getByRole('textbox', { name: field }));
    await dialog.getByText(/names someone-else@example\.com, not you: each admin links their own chat account/i).waitFor();
    const described = (await input.getAttribute('aria-describedby')) ?? '';
    expect(await dialog.locator(`[id="${described}"]`).textContent()).toMatch(/names someone-else@example\.com, not you: each admin links their own chat account/i);
    const list = await s.admin.request<Channel[]>('GET', '/notifications/channels');
    expect(list.some((c) => c.name === name)).toBe(false);

    await dialog.getByRole('button', { name: `Remove ${theirs}` }).click();
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/notifications/channels') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Create channel' }).click();
    expect((await created).status()).toBe(201);
    expect((await channelNamed(name)).config).toMatchObject({ breakglass_admins: [mine] });
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('discord: the Interactions Endpoint URL of the channel; email without SMTP credentials, a CA certificate checked as the API does', async () => {
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'notifications-discord-email');
    let dialog = await openAddChannel(page);
    await chooseType(page, dialog, /^Discord\b/);
    const discord = `Ops Discord ${uniqueSuffix()}`;
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(discord);
    await dialog.getByLabel('Bot token').fill('discord-bot-token-value');
    await dialog.getByRole('textbox', { name: 'Application public key' }).fill('a'.repeat(64));
    await dialog.getByRole('textbox', { name: 'Channel ID' }).fill('112233445566778899');
    await dialog.getByRole('button', { name: 'Create channel' }).click();
    const setup = page.getByRole('dialog', { name: `Set up ${discord}` });
    await setup.waitFor();
    const stored = await channelNamed(discord);
    await setup.getByText(`${await consoleBase()}/api/v1/discord/interactions/${stored.id}`, { exact: true }).waitFor();
    await setup.getByRole('button', { name: 'Done' }).click();
    await setup.waitFor({ state: 'detached' });

    dialog = await openAddChannel(page);
    await chooseType(page, dialog, /^Email\b/);
    const email = `Ops mail ${uniqueSuffix()}`;
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(email);
    await dialog.getByRole('textbox', { name: 'SMTP host' }).fill('127.0.0.1');
    await dialog.getByRole('textbox', { name: 'SMTP port' }).fill('2525');
    await dialog.getByRole('textbox', { name: 'From address' }).fill('edictum@example.com');
    await addChip(dialog, 'Recipients', 'oncall@example.com');
    await dialog.getByRole('textbox', { name: 'CA certificate (optional)' }).fill('not a certificate');
    await dialog.getByRole('button', { name: 'Create channel' }).click();
    await dialog.getByText('Must be a PEM certificate.').waitFor();
    await dialog.getByRole('textbox', { name: 'CA certificate (optional)' }).fill('');
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/notifications/channels') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Create channel' }).click();
    expect((await created).status()).toBe(201);
    await dialog.waitFor({ state: 'detached' });
    const mail = await channelNamed(email);
    expect(mail.config).not.toHaveProperty('smtp_user');
    expect(mail.config).not.toHaveProperty('smtp_password');
    expect(page.uncaughtErrors).toEqual([]);
  });
});

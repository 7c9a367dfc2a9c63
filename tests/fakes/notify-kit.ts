import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from '../helpers/test-app.js';
import { FakeDiscord } from './fake-discord.js';
import { FakeSlack, slackForm, slackSignature } from './fake-slack.js';
import { FakeTelegram } from './fake-telegram.js';
import { WebhookReceiver } from './webhook-receiver.js';
import { FakeSmtp, SMTP_CERT } from './fake-smtp.js';

/** Valid-looking credentials the fakes accept. */
export const TG_TOKEN = `123456789:${'A'.repeat(35)}`;
export const SLACK_TOKEN = 'xoxb-test-token-0001';
export const SLACK_SIGNING = 'slack-signing-secret-0123456789';
export const DISCORD_TOKEN = 'discord-bot-token-0123456789';
export const TG_CHAT = -100123;

/** Every fake a console test may talk to, started on loopback. */
export interface Fakes {
  telegram: FakeTelegram;
  slack: FakeSlack;
  discord: FakeDiscord;
  webhook: WebhookReceiver;
  smtp: FakeSmtp;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startFakes(): Promise<Fakes> {
  const telegram = await new FakeTelegram().start();
  telegram.tokens.add(TG_TOKEN);
  const slack = await new FakeSlack().start();
  slack.tokens.add(SLACK_TOKEN);
  const discord = await new FakeDiscord().start();
  discord.tokens.add(DISCORD_TOKEN);
  const webhook = await new WebhookReceiver().start();
  const smtp = await new FakeSmtp().start();
  return {
    telegram,
    slack,
    discord,
    webhook,
    smtp,
    env: {
      EDICTUM_TELEGRAM_API_BASE: telegram.url,
      EDICTUM_SLACK_API_BASE: slack.apiBase,
      EDICTUM_DISCORD_API_BASE: discord.apiBase,
      EDICTUM_OUTBOUND_ALLOW: '127.0.0.1',
      EDICTUM_OUTBOUND_TIMEOUT_MS: '10000',
    },
    async close() {
      await Promise.all([telegram.close(), slack.close(), discord.close(), webhook.close(), smtp.close()]);
    },
  };
}

export function channelConfigs(f: Fakes): Record<string, Record<string, unknown>> {
  return {
    telegram: { bot_token: TG_TOKEN, chat_id: TG_CHAT },
    slack: { webhook_url: `${f.slack.url}/hooks/T000/B000/XXXXXXXX` },
    slack_app: { bot_token: SLACK_TOKEN, signing_secret: SLACK_SIGNING, slack_channel: 'C0APPROVALS' },
    discord: { bot_token: DISCORD_TOKEN, public_key: f.discord.publicKeyHex, discord_channel_id: '111222333' },
    webhook: { url: `${f.webhook.url}/edictum`, secret: 'webhook-secret-0123456789abcdef' },
    email: {
      smtp_host: '127.0.0.1',
      smtp_port: f.smtp.port,
      smtp_user: f.smtp.user,
      smtp_password: f.smtp.password,
      from_address: 'edictum@example.com',
      to_addresses: 'ops@example.com, sec@example.com',
      smtp_ca_cert: SMTP_CERT,
    },
  };
}

export async function createChannel(t: TestApp, cookie: string, type: string, config: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<{ id: string; config: Record<string, unknown> }> {
  const res = await t.request({ method: 'POST', url: '/api/v1/notifications/channels', cookie, payload: { name: `${type} ${randomBytes(2).toString('hex')}`, channel_type: type, config, ...extra } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; config: Record<string, unknown> };
}

/** Arguments an attacker-controlled agent might send: markup for every channel. */
export const HOSTILE_ARGS = {
  path: '/etc/<passwd>',
  note: '<!channel> <http://evil.example|click here> @everyone <@123> **bold** `tick` ```fence``` <b>html</b> & "quotes" \'single\'',
};

export async function createApproval(
  t: TestApp,
  key: string,
  body: Partial<{ tool_name: string; tool_args: Record<string, unknown> | null; message: string; timeout: number; timeout_effect: string; contract_name: string }> = {},
  agentId = `agent-${randomBytes(3).toString('hex')}`,
): Promise<string> {
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/approvals',
    apiKey: key,
    agentId,
    payload: { agent_id: agentId, tool_name: 'shell.exec', tool_args: HOSTILE_ARGS, message: 'Agent <wants> to run & <!here>', timeout: 300, timeout_effect: 'deny', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

/** What the agent's SDK sees when it polls. */
export async function poll(t: TestApp, key: string, id: string): Promise<Record<string, unknown>> {
  const res = await t.request({ url: `/api/v1/approvals/${id}`, apiKey: key });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Record<string, unknown>;
}

/** Run the delivery job to completion (it is also kicked on enqueue; this waits for it). */
export async function deliver(t: TestApp): Promise<void> {
  const job = t.jobs.find((j) => j.name === 'notification-delivery');
  if (!job) throw new Error('no notification-delivery job');
  await job.run();
}

export async function deliveries(t: TestApp, cookie: string, approvalId: string): Promise<{ channel_id: string; channel_type: string; kind: string; status: string; attempts: number; last_error: string | null }[]> {
  const res = await t.request({ url: `/api/v1/approvals/${approvalId}/deliveries`, cookie });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { channel_id: string; channel_type: string; kind: string; status: string; attempts: number; last_error: string | null }[];
}

// ---------- signed callbacks ----------

export function telegramPost(t: TestApp, channelId: string, secret: string | null, update: unknown) {
  return t.request({
    method: 'POST',
    url: `/api/v1/telegram/webhook/${channelId}`,
    csrf: false,
    headers: { 'content-type': 'application/json', ...(secret !== null ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
    payload: JSON.stringify(update),
  });
}

export function slackPost(t: TestApp, path: string, payload: unknown, opts: { secret?: string; ts?: number; signature?: string | null } = {}) {
  const body = slackForm(payload);
  const ts = String(opts.ts ?? Math.floor(t.deps.now().getTime() / 1000));
  const sig = opts.signature === undefined ? slackSignature(opts.secret ?? SLACK_SIGNING, ts, body) : opts.signature;
  return t.request({
    method: 'POST',
    url: path,
    csrf: false,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, ...(sig !== null ? { 'x-slack-signature': sig } : {}) },
    payload: body,
  });
}

export function discordPost(t: TestApp, path: string, fake: FakeDiscord, interaction: unknown, opts: { ts?: number; secretKey?: Uint8Array; headers?: boolean } = {}) {
  const body = JSON.stringify(interaction);
  const ts = String(opts.ts ?? Math.floor(t.deps.now().getTime() / 1000));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.headers !== false) {
    headers['x-signature-timestamp'] = ts;
    headers['x-signature-ed25519'] = fake.sign(ts, body, opts.secretKey);
  }
  return t.request({ method: 'POST', url: path, csrf: false, headers, payload: body });
}

export function slackPress(approvalId: string, channelId: string, verb: 'approve' | 'deny', user = { id: 'U100', username: 'alice' }) {
  return {
    type: 'block_actions',
    user: { id: user.id, username: user.username, name: user.username },
    trigger_id: `trig-${randomBytes(3).toString('hex')}`,
    channel: { id: 'C0APPROVALS' },
    actions: [{ type: 'button', action_id: `edictum_${verb}:${approvalId}`, value: channelId, block_id: 'edictum_actions' }],
  };
}

export function discordPress(approvalId: string, channelId: string, verb: 'approve' | 'deny', user = { id: '555', username: 'carol' }) {
  return { type: 3, id: '1', token: 'tok', application_id: '1', member: { user }, data: { component_type: 2, custom_id: `edictum_${verb}:${approvalId}:${channelId}` } };
}

/** Moves the app's clock (the outbox backoff and callback freshness read `deps.now`). */
export function advanceClock(t: TestApp, ms: number): void {
  const base = t.deps.now;
  t.deps.now = () => new Date(base().getTime() + ms);
}

/**
 * Waits for a background step the test cannot await directly (the approvals module notifies in
 * the background), re-checking on every turn of the event loop; bounded, no timed sleeps.
 */
export async function waitUntil(cond: () => Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { DISCORD_TOKEN, SLACK_SIGNING, SLACK_TOKEN, TG_TOKEN, channelConfigs, createChannel, startFakes, telegramPost, type Fakes } from '../fakes/notify-kit.js';

const URL_BASE = '/api/v1/notifications/channels';
type Channel = { id: string; name: string; channel_type: string; config: Record<string, unknown>; enabled: boolean; filters: unknown; last_test_at: string | null; last_test_ok: boolean | null };

describe('notification channels: CRUD, masking, encryption, tests', () => {
  let f: Fakes;
  let t: TestApp;
  beforeAll(async () => {
    f = await startFakes();
    t = await createTestApp({ env: f.env });
  });
  afterAll(async () => {
    await t?.close();
    await f?.close();
  });

  const locs = (body: string) => (JSON.parse(body) as { detail: { loc: (string | number)[]; msg: string }[] }).detail.map((d) => d.loc.join('.'));

  it('refuses strangers (401), API keys (403) and non-admin writes (403); members may read', async () => {
    const a = await t.admin();
    expect((await t.request({ url: URL_BASE })).statusCode).toBe(401);
    const key = await t.apiKey(a.cookie);
    expect((await t.request({ url: URL_BASE, apiKey: key })).statusCode).toBe(403);
    const m = await t.member();
    expect((await t.request({ url: URL_BASE, cookie: m.cookie })).statusCode).toBe(200);
    const res = await t.request({ method: 'POST', url: URL_BASE, cookie: m.cookie, payload: { name: 'x', channel_type: 'webhook', config: channelConfigs(f).webhook } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ detail: 'Admin access required.' });
    expect((await t.request({ method: 'POST', url: URL_BASE, payload: { name: 'x', channel_type: 'webhook', config: {} } })).statusCode).toBe(401);
  });

  it('creates all six types with secrets masked in every response', async () => {
    const a = await t.admin();
    const configs = channelConfigs(f);
    for (const type of Object.keys(configs)) {
      const created = await createChannel(t, a.cookie, type, configs[type]!);
      const text = JSON.stringify(created);
      for (const secret of [TG_TOKEN, SLACK_TOKEN, SLACK_SIGNING, DISCORD_TOKEN, f.smtp.password, 'webhook-secret-0123456789abcdef', `${f.slack.url}/hooks/T000/B000/XXXXXXXX`]) {
        expect(text).not.toContain(secret);
      }
    }
    const list = (await t.request({ url: URL_BASE, cookie: a.cookie })).json() as Channel[];
    const byType = Object.fromEntries(list.map((c) => [c.channel_type, c]));
    expect(byType.telegram!.config.bot_token).toBe(`${TG_TOKEN.slice(0, 4)}••••${TG_TOKEN.slice(-4)}`);
    expect(byType.telegram!.config.chat_id).toBe(-100123);
    // A generated webhook secret exists and is masked.
    expect(byType.telegram!.config.webhook_secret).toMatch(/^.{4}••••.{4}$/);
    expect(byType.slack_app!.config.signing_secret).toMatch(/••••/);
    expect(byType.slack_app!.config.slack_channel).toBe('C0APPROVALS');
    expect(byType.discord!.config.bot_token).toMatch(/••••/);
    expect(byType.discord!.config.public_key).toBe(f.discord.publicKeyHex);
    expect(byType.email!.config.smtp_password).toMatch(/••••/);
    expect(byType.email!.config.smtp_user).toBe('mailer');
    expect(byType.slack!.config.webhook_url).toMatch(/^http••••XXXX$/);
    expect(JSON.stringify(list)).not.toContain(TG_TOKEN);
  });

  it('stores config only encrypted: no plaintext secret in the row', async () => {
    const a = await t.admin();
    const ch = await createChannel(t, a.cookie, 'slack_app', channelConfigs(f).slack_app!);
    const rows = await t.deps.database.rows<{ config: unknown; config_encrypted: Uint8Array | Buffer }>(sql`SELECT config, config_encrypted FROM notification_channels WHERE id = ${ch.id}`);
    expect(rows[0]!.config).toBeNull();
    const bytes = Buffer.from(rows[0]!.config_encrypted);
    expect(bytes.length).toBeGreaterThan(40);
    for (const s of [SLACK_TOKEN, SLACK_SIGNING, 'C0APPROVALS', 'bot_token']) expect(bytes.includes(Buffer.from(s))).toBe(false);
  });

  it('keeps the stored secret when an update sends back the masked value', async () => {
    const a = await t.admin();
    const ch = await createChannel(t, a.cookie, 'telegram', channelConfigs(f).telegram!);
    const masked = ch.config;
    const put = await t.request({ method: 'PUT', url: `${URL_BASE}/${ch.id}`, cookie: a.cookie, payload: { name: 'renamed', config: { ...masked, chat_id: -100999 } } });
    expect(put.statusCode, put.body).toBe(200);
    expect((put.json() as Channel).config.webhook_secret).toBe(masked.webhook_secret);
    // The real token is still there: the channel test reaches the fake with it.
    const test = await t.request({ method: 'POST', url: `${URL_BASE}/${ch.id}/test`, cookie: a.cookie });
    expect(test.json()).toMatchObject({ success: true });
    const sent = f.telegram.messages.at(-1)!;
    expect(sent.chat_id).toBe('-100999');
    expect(f.telegram.calls.at(-1)!.path).toBe(`/bot${TG_TOKEN}/sendMessage`);
  });

  it('names the field on bad input (422)', async () => {
    const a = await t.admin();
    let res = await t.request({ method: 'POST', url: URL_BASE, cookie: a.cookie, payload: { name: 'tg', channel_type: 'telegram', config: { chat_id: 1 } } });
    expect(res.statusCode).toBe(422);
    expect(locs(res.body)).toContain('body.config.bot_token');
    res = await t.request({ method: 'POST', url: URL_BASE, cookie: a.cookie, payload: { name: 'x', channel_type: 'pager', config: {} } });
    expect(res.statusCode).toBe(422);
    expect(locs(res.body)).toContain('body.channel_type');
    res = await t.request({ method: 'POST', url: URL_BASE, cookie: a.cookie, payload: { name: 'x'.repeat(101), channel_type: 'webhook', config: channelConfigs(f).webhook } });
    expect(locs(res.body)).toContain('body.name');
    res = await t.request({ method: 'POST', url: URL_BASE, cookie: a.cookie, payload: { name: 'd', channel_type: 'discord', config: { bot_token: 'x', public_key: 'zz', discord_channel_id: '1' } } });
    expect(locs(res.body)).toEqual(expect.arrayContaining(['body.config.public_key', 'body.config.discord_channel_id']));
    res = await t.request({ method: 'POST', url: URL_BASE, cookie: a.cookie, payload: { name: 'e', channel_type: 'email', config: { ...channelConfigs(f).email, to_addresses: 'ops@example.com, not-an-address' } } });
    expect(locs(res.body)).toContain('body.config.to_addresses');
    res = await t.request({ method: 'POST', url: URL_BASE, cookie: a.cookie, payload: { name: 'w', channel_type: 'webhook', config: { url: 'ftp://example.com/x' } } });
    expect(res.statusCode).toBe(422);
    expect(locs(res.body)).toContain('body.config.url');
  });

  it("answers 404 for another tenant's channel and lists only one's own", async () => {
    const a = await t.admin();
    const other = await t.otherTenant();
    const ch = await createChannel(t, a.cookie, 'webhook', channelConfigs(f).webhook!);
    for (const req of [
      { method: 'PUT' as const, url: `${URL_BASE}/${ch.id}`, payload: { name: 'stolen' } },
      { method: 'DELETE' as const, url: `${URL_BASE}/${ch.id}` },
      { method: 'POST' as const, url: `${URL_BASE}/${ch.id}/test` },
    ]) {
      const res = await t.request({ ...req, cookie: other.cookie });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ detail: 'Notification channel not found.' });
    }
    expect((await t.request({ url: URL_BASE, cookie: other.cookie })).json()).toEqual([]);
    expect((await t.request({ method: 'PUT', url: `${URL_BASE}/not-a-uuid`, cookie: a.cookie, payload: {} })).statusCode).toBe(422);
  });

  it('updates filters (explicit null clears), toggles enabled, deletes', async () => {
    const a = await t.admin();
    const ch = await createChannel(t, a.cookie, 'webhook', channelConfigs(f).webhook!, { filters: { environments: ['production'], agent_patterns: ['billing-*'] } });
    let res = await t.request({ url: URL_BASE, cookie: a.cookie });
    expect((res.json() as Channel[]).find((c) => c.id === ch.id)!.filters).toEqual({ environments: ['production'], agent_patterns: ['billing-*'] });
    res = await t.request({ method: 'PUT', url: `${URL_BASE}/${ch.id}`, cookie: a.cookie, payload: { filters: null, enabled: false } });
    expect(res.json()).toMatchObject({ filters: null, enabled: false });
    expect((await t.request({ method: 'DELETE', url: `${URL_BASE}/${ch.id}`, cookie: a.cookie })).statusCode).toBe(204);
    expect((await t.request({ method: 'DELETE', url: `${URL_BASE}/${ch.id}`, cookie: a.cookie })).statusCode).toBe(404);
  });

  it('reports test failures in words a person can act on, without echoing the remote body', async () => {
    const a = await t.admin();
    const test = async (type: string, config: Record<string, unknown>) => {
      const ch = await createChannel(t, a.cookie, type, config);
      const res = await t.request({ method: 'POST', url: `${URL_BASE}/${ch.id}/test`, cookie: a.cookie });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { success: boolean; message: string };
      expect(body.message).not.toMatch(/REMOTE-BODY-MUST-NOT-LEAK|<script>|chat not found/);
      const list = (await t.request({ url: URL_BASE, cookie: a.cookie })).json() as Channel[];
      const row = list.find((c) => c.id === ch.id)!;
      expect(row.last_test_ok).toBe(body.success);
      expect(row.last_test_at).not.toBeNull();
      return body;
    };
    const c = channelConfigs(f);
    expect(await test('telegram', { ...c.telegram, bot_token: `987654321:${'B'.repeat(35)}` })).toEqual({
      success: false,
      message: 'Telegram rejected the bot token (401 Unauthorized) — check the token from @BotFather',
    });
    expect((await test('telegram', { ...c.telegram, chat_id: -404 })).message).toMatch(/check chat_id -404 and that the bot is a member/);
    expect((await test('slack_app', { ...c.slack_app, bot_token: 'xoxb-wrong' })).message).toMatch(/^Slack rejected the bot token \(invalid_auth\)/);
    expect((await test('slack_app', { ...c.slack_app, slack_channel: 'C404' })).message).toMatch(/channel_not_found.*invite the app/);
    expect((await test('discord', { ...c.discord, bot_token: 'nope-nope-nope' })).message).toMatch(/^Discord rejected the bot token \(401 Unauthorized\)/);
    expect((await test('discord', { ...c.discord, discord_channel_id: '404404' })).message).toMatch(/could not find channel 404404/);
    f.webhook.failNext(1);
    expect(await test('webhook', c.webhook!)).toEqual({ success: false, message: 'The receiver failed (500 Internal Server Error) — will retry' });
    expect((await test('email', { ...c.email, smtp_password: 'wrong-password' })).message).toMatch(/rejected the login \(EAUTH 535\).*smtp_user and smtp_password/);
    // And the happy path of each.
    for (const type of Object.keys(c)) expect(await test(type, c[type]!)).toMatchObject({ success: true });
    const signed = f.webhook.calls.at(-1)!;
    expect(JSON.parse(signed.body)).toMatchObject({ event: 'test' });
    expect(signed.headers['x-edictum-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('tests an unsaved channel (the dashboard dialog) without storing it', async () => {
    const a = await t.admin();
    const c = channelConfigs(f);
    const url = `${URL_BASE}/test`;
    const before = ((await t.request({ url: URL_BASE, cookie: a.cookie })).json() as Channel[]).length;
    let res = await t.request({ method: 'POST', url, cookie: a.cookie, payload: { name: 'draft', channel_type: 'slack_app', config: c.slack_app } });
    expect(res.json()).toEqual({ success: true, message: 'Sent a test message to C0APPROVALS.' });
    res = await t.request({ method: 'POST', url, cookie: a.cookie, payload: { channel_type: 'telegram', config: { ...c.telegram, bot_token: `55555:${'C'.repeat(35)}` } } });
    expect(res.json()).toEqual({ success: false, message: 'Telegram rejected the bot token (401 Unauthorized) — check the token from @BotFather' });
    res = await t.request({ method: 'POST', url, cookie: a.cookie, payload: { channel_type: 'webhook', config: { url: 'http://169.254.169.254/' } } });
    expect(res.statusCode).toBe(422);
    expect(locs(res.body)).toEqual(['body.config.url']);
    // Editing a saved channel: masked secrets are filled in from it.
    const saved = await createChannel(t, a.cookie, 'discord', c.discord!);
    res = await t.request({ method: 'POST', url, cookie: a.cookie, payload: { id: saved.id, channel_type: 'discord', config: saved.config } });
    expect(res.json()).toMatchObject({ success: true });
    expect(f.discord.calls.at(-1)!.headers.authorization).toBe(`Bot ${DISCORD_TOKEN}`);
    const other = await t.otherTenant();
    res = await t.request({ method: 'POST', url, cookie: other.cookie, payload: { id: saved.id, channel_type: 'discord', config: saved.config } });
    expect(res.statusCode).toBe(404);
    const m = await t.member();
    expect((await t.request({ method: 'POST', url, cookie: m.cookie, payload: { channel_type: 'webhook', config: c.webhook } })).statusCode).toBe(403);
    expect(((await t.request({ url: URL_BASE, cookie: a.cookie })).json() as Channel[]).length).toBe(before + 1);
  });

  it('the Slack manifest names the per-channel interactivity URL', async () => {
    const res = await t.request({ url: '/api/v1/slack/manifest?channel_id=6f1c4a52-6f55-4c3e-9a55-0d6f3f6b7a11' });
    expect(res.statusCode).toBe(200);
    const m = res.json() as { settings: { interactivity: { request_url: string } }; oauth_config: { scopes: { bot: string[] } } };
    expect(m.settings.interactivity.request_url).toBe(`${t.config.baseUrl}/api/v1/slack/interactions/6f1c4a52-6f55-4c3e-9a55-0d6f3f6b7a11`);
    expect(m.oauth_config.scopes.bot).toEqual(['chat:write']);
    expect((await t.request({ url: '/api/v1/slack/manifest?channel_id=bad' })).statusCode).toBe(422);
  });
});

describe('telegram webhook registration', () => {
  it('registers the per-channel webhook with its secret on save when the base URL is https', async () => {
    const f = await startFakes();
    const t = await createTestApp({ env: { ...f.env, EDICTUM_BASE_URL: 'https://console.example.test' } });
    try {
      const a = await t.admin();
      const ch = await createChannel(t, a.cookie, 'telegram', channelConfigs(f).telegram!);
      const call = await f.telegram.waitFor((r) => r.path.endsWith('/setWebhook'));
      const body = call.json as { url: string; secret_token: string; allowed_updates: string[]; drop_pending_updates: boolean };
      expect(body.url).toBe(`https://console.example.test/api/v1/telegram/webhook/${ch.id}`);
      expect(body.allowed_updates).toEqual(['callback_query', 'message']);
      expect(body.secret_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // The registered secret is the one the webhook checks.
      expect((await telegramPost(t, ch.id, body.secret_token, { update_id: 1 })).statusCode).toBe(200);
      expect((await telegramPost(t, ch.id, `${body.secret_token}x`, { update_id: 1 })).statusCode).toBe(403);
    } finally {
      await t.close();
      await f.close();
    }
  });
});

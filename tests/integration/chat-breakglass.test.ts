import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema.js';
import { escapeDiscord, escapeHtml, escapeSlack } from '../../src/modules/notifications/escape.js';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { callbackUpdate, type TgMessage } from '../fakes/fake-telegram.js';
import { DISCORD_TOKEN, SLACK_SIGNING, SLACK_TOKEN, TG_CHAT, TG_TOKEN, createChannel, discordPost, slackPost, startFakes, telegramPost, type Fakes } from '../fakes/notify-kit.js';
import { arm, breakGlassId, decisions, uploadDeploy } from './breakglass-kit.js';

/**
 * Break-glass from chat (docs/rollouts.md): the buttons on a switch's chat message go through each
 * channel's verified callback, act as the console admin the chat user is mapped to, and run the
 * dashboard's own service steps (two-admin rule, push to agents, activity log with source chat).
 */
const TG_SECRET = 'tg-webhook-secret-bg-0123456789';
const HOSTILE_REASON = 'incident <!channel> <b>x</b> @everyone **y** & `z` <@123>';

/** What the pressed message shows afterwards, and the private answer (refusal or acknowledgement). */
interface Pressed {
  status: number;
  answer: string | null;
  text: string | null;
  buttons: string[] | null;
}

interface Adapter {
  kind: 'slack' | 'telegram' | 'discord';
  label: string;
  users: { admin1: string; admin2: string; member: string; stranger: string };
  esc(s: string): string;
  create(t: TestApp, f: Fakes, cookie: string, admins: string[], secret?: string): Promise<string>;
  /** The message posted for the switch (waits until it is there). */
  message(f: Fakes, switchId: string): Promise<unknown>;
  shown(msg: unknown): { text: string; buttons: string[] };
  press(t: TestApp, f: Fakes, channelId: string, msg: unknown, switchId: string, action: string, user: string, secret?: string): Promise<Pressed>;
}

const bgButtons = (ids: string[]) => ids.filter((x) => x.includes('bg_')).map((x) => /bg_([a-z]+):/.exec(x)![1]!);

const slack: Adapter = {
  kind: 'slack',
  label: 'Slack',
  users: { admin1: 'U0AAA1', admin2: 'U0BBB2', member: 'U0MEM3', stranger: 'U0XXX9' },
  esc: escapeSlack,
  async create(t, _f, cookie, admins, secret = SLACK_SIGNING) {
    return (await createChannel(t, cookie, 'slack_app', { bot_token: SLACK_TOKEN, signing_secret: secret, slack_channel: 'C0BREAK', breakglass_admins: admins })).id;
  },
  async message(f, id) {
    await f.slack.waitFor((r) => r.path === '/api/chat.postMessage' && r.body.includes(id));
    return f.slack.messages.find((m) => JSON.stringify(m.blocks).includes(`:${id}`))!;
  },
  shown(msg) {
    const m = msg as { blocks: { type: string; text?: { text: string }; elements?: { action_id: string }[] }[] };
    const section = m.blocks.find((b) => b.type === 'section')!;
    return { text: section.text!.text, buttons: bgButtons(m.blocks.flatMap((b) => (b.elements ?? []).map((e) => e.action_id))) };
  },
  async press(t, f, channelId, msg, id, action, user, secret) {
    const m = msg as { channel: string; ts: string };
    const before = f.slack.ephemerals.length;
    const payload = {
      type: 'block_actions',
      user: { id: user, username: `u-${user}` },
      trigger_id: `trig-${randomBytes(3).toString('hex')}`,
      channel: { id: m.channel },
      container: { type: 'message', channel_id: m.channel, message_ts: m.ts },
      message: { ts: m.ts },
      actions: [{ type: 'button', action_id: `edictum_bg_${action}:${id}`, value: channelId }],
    };
    const res = await slackPost(t, `/api/v1/slack/interactions/${channelId}`, payload, secret ? { secret } : {});
    const eph = f.slack.ephemerals.slice(before).find((e) => e.user === user);
    return { status: res.statusCode, answer: eph?.text ?? null, ...slack.shown(msg) };
  },
};

const telegram: Adapter = {
  kind: 'telegram',
  label: 'Telegram',
  users: { admin1: '1001', admin2: '1002', member: '1003', stranger: '1009' },
  esc: escapeHtml,
  async create(t, _f, cookie, admins, secret = TG_SECRET) {
    return (await createChannel(t, cookie, 'telegram', { bot_token: TG_TOKEN, chat_id: TG_CHAT, webhook_secret: secret, breakglass_admins: admins })).id;
  },
  async message(f, id) {
    await f.telegram.waitFor((r) => r.path.endsWith('/sendMessage') && r.body.includes(id));
    return f.telegram.messages.find((m) => JSON.stringify(m.reply_markup ?? {}).includes(`:${id}`))!;
  },
  shown(msg) {
    const m = msg as TgMessage;
    return { text: m.text, buttons: bgButtons((m.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data ?? '')) };
  },
  async press(t, f, channelId, msg, id, action, user, secret = TG_SECRET) {
    const update = callbackUpdate(msg as TgMessage, `bg_${action}:${id}`, { id: Number(user), username: `u${user}` });
    const res = await telegramPost(t, channelId, secret, update);
    const qid = (update.callback_query as { id: string }).id;
    const answer = f.telegram.answers.find((a) => a.callback_query_id === qid);
    return { status: res.statusCode, answer: answer?.text ?? null, ...telegram.shown(msg) };
  },
};

const discord: Adapter = {
  kind: 'discord',
  label: 'Discord',
  users: { admin1: '5001', admin2: '5002', member: '5003', stranger: '5009' },
  esc: escapeDiscord,
  async create(t, f, cookie, admins) {
    return (await createChannel(t, cookie, 'discord', { bot_token: DISCORD_TOKEN, public_key: f.discord.publicKeyHex, discord_channel_id: '777888999', breakglass_admins: admins })).id;
  },
  async message(f, id) {
    await f.discord.waitFor((r) => r.method === 'POST' && r.body.includes(id));
    return f.discord.messages.find((m) => JSON.stringify(m.body.components ?? []).includes(`:${id}:`))!.body;
  },
  shown(body) {
    const b = body as { embeds: { description: string }[]; components: { components: { custom_id?: string }[] }[] };
    return { text: b.embeds[0]!.description, buttons: bgButtons(b.components.flatMap((r) => r.components.map((c) => c.custom_id ?? ''))) };
  },
  async press(t, f, channelId, _msg, id, action, user) {
    const interaction = { type: 3, id: '1', token: 'tok', application_id: '1', member: { user: { id: user, username: `u${user}` } }, data: { component_type: 2, custom_id: `edictum_bg_${action}:${id}:${channelId}` } };
    const res = await discordPost(t, `/api/v1/discord/interactions/${channelId}`, f.discord, interaction);
    if (res.statusCode !== 200) return { status: res.statusCode, answer: null, text: null, buttons: null };
    const body = res.json() as { type: number; data: Record<string, unknown> & { content?: string } };
    if (body.type === 7) return { status: 200, answer: null, ...discord.shown(body.data) };
    return { status: 200, answer: body.data.content ?? null, text: null, buttons: null };
  },
};

describe.each([slack, telegram, discord])('break-glass from $kind', (a) => {
  let f: Fakes;
  let t: TestApp;
  let admin1: Principal;
  let admin2: Principal;
  let key: string;
  let channelId: string;
  let dep: { revision: string };

  const status = async (id: string) =>
    ((await t.request({ url: '/api/v1/break-glass', cookie: admin1.cookie })).json() as { switches: { id: string; status: string; confirmed_by: string | null; expires_at: string }[] }).switches.find((s) => s.id === id)!;
  const served = async () => {
    const res = await t.request({ url: '/api/v1/bundles/bg-chat/current?env=production', apiKey: key, agentId: 'bg-chat-agent' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { revision_hash: string; yaml_bytes: string };
    return { revision: body.revision_hash, bytes: new Uint8Array(Buffer.from(body.yaml_bytes, 'base64')) };
  };

  const channelConfig = async (id: string) =>
    ((await t.request({ url: '/api/v1/notifications/channels', cookie: admin1.cookie })).json() as { id: string; config: Record<string, unknown> }[]).find((c) => c.id === id)!.config;

  /** Adds one `breakglass_admins` entry to a channel as `who`, the way the dashboard saves it. */
  const link = async (id: string, who: Principal, entry: string) => {
    const config = await channelConfig(id);
    const res = await t.request({ method: 'PUT', url: `/api/v1/notifications/channels/${id}`, cookie: who.cookie, payload: { config: { ...config, breakglass_admins: [...((config.breakglass_admins as string[] | undefined) ?? []), entry] } } });
    expect(res.statusCode, res.body).toBe(200);
  };

  beforeAll(async () => {
    f = await startFakes();
    t = await createTestApp({ env: f.env });
    admin1 = await t.admin();
    admin2 = await t.secondAdmin();
    key = await t.apiKey(admin1.cookie, 'production');
    dep = await uploadDeploy(t, admin1.cookie, 'bg-chat', 'production');
    const u = a.users;
    // Each admin links their own chat account, with their own session (the API refuses the rest).
    channelId = await a.create(t, f, admin1.cookie, [`${u.admin1}=${admin1.email}`]);
    await link(channelId, admin2, `${u.admin2}=${admin2.email.toUpperCase()}`);
    // "member": linked while an admin, no longer one since.
    const former = await t.secondAdmin();
    await link(channelId, former, `${u.member}=${former.email}`);
    await t.deps.database.db.update(users).set({ isAdmin: false }).where(eq(users.email, former.email));
  });
  afterAll(async () => {
    await t?.close();
    await f?.close();
  });

  it('API arm by admin 1 → Confirm in chat by admin 2 → active and served; Extend; Disarm restores; stale presses are told why', async () => {
    const sw = await arm(t, admin1.cookie, { kind: 'freeze_tool', tool: 'send_email', reason: HOSTILE_REASON });
    expect(sw.status).toBe('pending');
    const msg = await a.message(f, sw.id);
    const posted = a.shown(msg);
    expect(posted.buttons).toEqual(['confirm', 'cancel']);
    // Everything an admin typed is escaped for the channel.
    expect(posted.text).toContain(a.esc(`Reason: ${HOSTILE_REASON}`));
    expect(posted.text).toContain(a.esc(`Armed by ${admin1.email} from the dashboard`));
    const u = a.users;

    // The arming admin, an unmapped chat user and a user mapped to a non-admin are refused; nothing changes.
    const self = await a.press(t, f, channelId, msg, sw.id, 'confirm', u.admin1);
    expect(self.answer).toBe('The admin who armed a switch cannot confirm it; another admin must.');
    const stranger = await a.press(t, f, channelId, msg, sw.id, 'confirm', u.stranger);
    expect(stranger.answer).toContain('not mapped to a console admin');
    const member = await a.press(t, f, channelId, msg, sw.id, 'confirm', u.member);
    expect(member.answer).toBe('Your chat user is mapped to a console user who is not an admin of this tenant.');
    expect((await status(sw.id)).status).toBe('pending');
    expect((await served()).revision).toBe(dep.revision);

    // The other admin confirms: active, the served bundle carries the deny overlay.
    const ok = await a.press(t, f, channelId, msg, sw.id, 'confirm', u.admin2);
    expect(ok.status).toBe(200);
    expect(await status(sw.id)).toMatchObject({ status: 'active', confirmed_by: admin2.email });
    const overlaid = await served();
    expect(overlaid.revision).not.toBe(dep.revision);
    expect(decisions(overlaid.bytes, 'send_email')).toEqual([
      { outcome: 'denied', by: breakGlassId(sw.id) },
      { outcome: 'denied', by: breakGlassId(sw.id) },
    ]);
    // The pressed message now says who did what, and carries the active switch's buttons.
    expect(ok.text).toContain(a.esc(`Confirmed by ${admin2.email} from ${a.label}`));
    expect(ok.buttons).toEqual(['disarm', 'extend']);
    // The pressed channel's message was edited, not followed by a second post.
    const posts = { slack: f.slack, telegram: f.telegram, discord: f.discord }[a.kind].calls.filter((r) => r.method === 'POST' && !r.path.includes('answerCallbackQuery') && !r.path.includes('postEphemeral') && !r.path.includes('chat.update') && !r.path.includes('editMessageText') && r.body.includes(sw.id));
    expect(posts).toHaveLength(1);
    const confirmRow = (
      (await t.request({ url: `/api/v1/activity?action=breakglass.confirm&target=switch:${sw.id}`, cookie: admin1.cookie })).json() as {
        items: { actor: string; actor_id: string; source: string; detail: { via: Record<string, string> } }[];
      }
    ).items;
    expect(confirmRow).toHaveLength(1);
    expect(confirmRow[0]).toMatchObject({ actor: admin2.email, source: 'chat', detail: { via: { channel: a.kind, channel_id: channelId, chat_user: `${a.kind}:${u.admin2}` } } });

    // A second Confirm (the old button) is stale.
    expect((await a.press(t, f, channelId, msg, sw.id, 'confirm', u.admin2)).answer).toBe('Switch is active, not pending.');

    const before = Date.parse((await status(sw.id)).expires_at);
    const ext = await a.press(t, f, channelId, msg, sw.id, 'extend', u.admin1);
    expect(Date.parse((await status(sw.id)).expires_at) - before).toBe(30 * 60_000);
    expect(ext.text).toContain(a.esc(`Extended by ${admin1.email} from ${a.label}`));

    const off = await a.press(t, f, channelId, msg, sw.id, 'disarm', u.admin1);
    expect((await status(sw.id)).status).toBe('disarmed');
    expect(off.text).toContain(a.esc(`Disarmed by ${admin1.email} from ${a.label}`));
    expect(off.buttons).toEqual([]);
    expect((await served()).revision).toBe(dep.revision);
    const disarmRow = ((await t.request({ url: `/api/v1/activity?action=breakglass.disarm&target=switch:${sw.id}`, cookie: admin1.cookie })).json() as { items: { source: string; detail: { via: { channel: string } } }[] }).items;
    expect(disarmRow[0]).toMatchObject({ source: 'chat', detail: { via: { channel: a.kind } } });

    // Stale buttons: disarm and extend of an ended switch.
    expect((await a.press(t, f, channelId, msg, sw.id, 'disarm', u.admin2)).answer).toBe('Switch is already disarmed.');
    expect((await a.press(t, f, channelId, msg, sw.id, 'extend', u.admin2)).answer).toBe('Only an active switch can be extended (this one is disarmed).');
  });

  it('Cancel withdraws a pending request', async () => {
    const sw = await arm(t, admin1.cookie, { kind: 'stop_side_effects' });
    const msg = await a.message(f, sw.id);
    const cancelled = await a.press(t, f, channelId, msg, sw.id, 'cancel', a.users.admin2);
    expect((await status(sw.id)).status).toBe('disarmed');
    expect(cancelled.text).toContain(a.esc(`Withdrawn by ${admin2.email} from ${a.label}`));
    expect(cancelled.buttons).toEqual([]);
  });

  it('a press with a bad signature is refused and changes nothing', async () => {
    const sw = await arm(t, admin1.cookie, { kind: 'freeze_tool', tool: 'write_file' });
    const msg = await a.message(f, sw.id);
    if (a.kind === 'discord') {
      const body = JSON.stringify({ type: 3, member: { user: { id: a.users.admin2, username: 'x' } }, data: { custom_id: `edictum_bg_confirm:${sw.id}:${channelId}` } });
      const ts = String(Math.floor(t.deps.now().getTime() / 1000));
      const res = await t.request({ method: 'POST', url: `/api/v1/discord/interactions/${channelId}`, csrf: false, headers: { 'content-type': 'application/json', 'x-signature-timestamp': ts, 'x-signature-ed25519': 'ab'.repeat(64) }, payload: body });
      expect(res.statusCode).toBe(401);
    } else {
      const res = await a.press(t, f, channelId, msg, sw.id, 'confirm', a.users.admin2, 'wrong-secret-wrong-secret-0000');
      expect(res.status).toBe(403);
    }
    expect((await status(sw.id)).status).toBe('pending');
    await t.request({ method: 'POST', url: `/api/v1/break-glass/${sw.id}/disarm`, cookie: admin1.cookie, payload: {} });
  });

  it('a mapped admin who is not on the channel\'s allowed_approvers is refused', async () => {
    const sw = await arm(t, admin1.cookie, { kind: 'freeze_tool', tool: 'db_*' });
    const msg = await a.message(f, sw.id);
    const locked = await a.create(t, f, admin2.cookie, [`${a.users.admin2}=${admin2.email}`]);
    // Admin 1 saves the mapping back unchanged (as read) with a new allowed_approvers.
    const put = await t.request({ method: 'PUT', url: `/api/v1/notifications/channels/${locked}`, cookie: admin1.cookie, payload: { config: { ...(await channelConfig(locked)), allowed_approvers: ['someone-else'] } } });
    expect(put.statusCode, put.body).toBe(200);
    const res = await a.press(t, f, locked, msg, sw.id, 'confirm', a.users.admin2);
    expect(res.answer).toContain('not mapped to a console admin');
    expect((await status(sw.id)).status).toBe('pending');
    await t.request({ method: 'DELETE', url: `/api/v1/notifications/channels/${locked}`, cookie: admin1.cookie });
  });

  it("another tenant's channel cannot touch this tenant's switch", async () => {
    const sw = await arm(t, admin1.cookie, { kind: 'freeze_tool', tool: 'read_file' });
    const msg = await a.message(f, sw.id);
    const other = await t.otherTenant();
    const secret = 'their-secret-their-secret-0123';
    const theirs = await a.create(t, f, other.cookie, [`${a.users.admin2}=${other.email}`], secret);
    const res = await a.press(t, f, theirs, msg, sw.id, 'confirm', a.users.admin2, secret);
    expect(res.answer).toBe('Switch not found.');
    expect((await status(sw.id)).status).toBe('pending');
  });
});

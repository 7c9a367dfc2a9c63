import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hmacSha256Hex, safeEqual } from '../../../platform/crypto.js';
import type { SlackAppConfigT } from '../channel-config.js';
import type { NotificationsRuntime } from '../notifications.runtime.js';
import { slackApi, slackAppDriver } from '../providers/slack.js';
import { bgPress, breakGlassFromChat } from './breakglass.callbacks.js';
import {
  FRESHNESS_SECONDS,
  type LoadedChannel,
  NOT_ALLOWED,
  REASON_MAX,
  type Reply,
  approverAllowed,
  decideFromChat,
  failureText,
  header,
  isObj,
  loadChannel,
  logRefusal,
  openApproval,
  rawBody,
  rawBodyRoutes,
  resultText,
  str,
} from './callback-common.js';

/**
 * Slack interactivity: POST /api/v1/slack/interactions/{channel_id}, and the reference's shared
 * POST /api/v1/slack/interactions where the channel id travels in the button's `value` (or the
 * modal's private_metadata) — so either way exactly one channel's signing secret is checked.
 * Verification: v0 = hex HMAC-SHA256(signing_secret, "v0:<ts>:<raw body>"), |now - ts| ≤ 300 s.
 * Deny opens a modal (views.open with the trigger_id); its view_submission carries the reason.
 */
type Channel = LoadedChannel<SlackAppConfigT>;
const MODAL_CALLBACK = 'edictum_deny_reason';

function payloadOf(raw: Buffer | undefined): Record<string, unknown> | null {
  if (!raw) return null;
  const json = new URLSearchParams(raw.toString('utf8')).get('payload');
  if (!json) return null;
  try {
    const v: unknown = JSON.parse(json);
    return isObj(v) ? v : null;
  } catch {
    return null;
  }
}

function metadataOf(payload: Record<string, unknown>): { c?: string; a?: string; ch?: string } {
  const view = payload.view;
  if (!isObj(view)) return {};
  try {
    const v: unknown = JSON.parse(str(view.private_metadata) ?? '{}');
    return isObj(v) ? { c: str(v.c), a: str(v.a), ch: str(v.ch) } : {};
  } catch {
    return {};
  }
}

/** Which channel an unverified payload names (used only to pick the one secret to check). */
function namedChannel(payload: Record<string, unknown>): string | undefined {
  if (payload.type === 'view_submission') return metadataOf(payload).c;
  const actions = payload.actions;
  return Array.isArray(actions) && isObj(actions[0]) ? str(actions[0].value) : undefined;
}

function verified(rt: NotificationsRuntime, request: FastifyRequest, raw: Buffer, secret: string): boolean {
  const ts = header(request, 'x-slack-request-timestamp');
  const sig = header(request, 'x-slack-signature');
  if (!ts || !sig || !/^\d{1,12}$/.test(ts)) return false;
  if (Math.abs(rt.ctx.deps.now().getTime() / 1000 - Number(ts)) > FRESHNESS_SECONDS) return false;
  const expected = `v0=${hmacSha256Hex(secret, Buffer.concat([Buffer.from(`v0:${ts}:`, 'utf8'), raw]))}`;
  return safeEqual(sig, expected);
}

export function slackCallbacks(app: FastifyInstance, rt: NotificationsRuntime): void {
  const handle = async (request: FastifyRequest, reply: Reply, fromUrl: string | undefined) => {
    const raw = rawBody(request) ?? Buffer.alloc(0);
    const payload = payloadOf(raw);
    const channelId = fromUrl ?? (payload ? namedChannel(payload) : undefined);
    const ch = await loadChannel<SlackAppConfigT>(rt, channelId, 'slack_app');
    if (!ch) return reply.code(fromUrl ? 404 : 403).send({ detail: fromUrl ? 'Not Found' : 'Invalid signature.' });
    if (!verified(rt, request, raw, ch.config.signing_secret)) return reply.code(403).send({ detail: 'Invalid signature.' });
    if (!payload) return reply.code(200).send();
    if (payload.type === 'block_actions') return blockAction(rt, ch, payload, reply);
    if (payload.type === 'view_submission') return viewSubmission(rt, ch, payload, reply);
    return reply.code(200).send();
  };
  rawBodyRoutes(app, (scope) => {
    scope.post('/api/v1/slack/interactions/:channel_id', (request, reply) => handle(request, reply, (request.params as { channel_id: string }).channel_id));
    scope.post('/api/v1/slack/interactions', (request, reply) => handle(request, reply, undefined));
  });
}

function userOf(payload: Record<string, unknown>): { id: string; name: string } | null {
  const u = payload.user;
  if (!isObj(u)) return null;
  const id = str(u.id);
  return id ? { id, name: str(u.username) ?? str(u.name) ?? id } : null;
}

async function ephemeral(rt: NotificationsRuntime, ch: Channel, slackChannel: string | undefined, user: string, text: string): Promise<void> {
  try {
    await slackApi(rt.io(ch.row.id), ch.config.bot_token, 'chat.postEphemeral', { channel: slackChannel ?? ch.config.slack_channel, user, text }, ch.config.slack_channel);
  } catch (err) {
    rt.log.warn({ channel: ch.row.id, err: (err as Error).message }, 'slack chat.postEphemeral failed');
  }
}

async function blockAction(rt: NotificationsRuntime, ch: Channel, payload: Record<string, unknown>, reply: Reply): Promise<Reply> {
  const action = Array.isArray(payload.actions) && isObj(payload.actions[0]) ? payload.actions[0] : null;
  const bg = /^edictum_bg_([a-z]{1,10}):(.{1,40})$/.exec(str(action?.action_id) ?? '');
  if (bg) return breakGlassAction(rt, ch, payload, bgPress(bg[1], bg[2]), reply);
  const m = /^edictum_(approve|deny):([0-9a-f-]{36})$/i.exec(str(action?.action_id) ?? '');
  const user = userOf(payload);
  // The "Open in dashboard" link button also reports here; nothing to do.
  if (!m || !user) return reply.code(200).send();
  const [, verb, approvalId] = m as unknown as [string, 'approve' | 'deny', string];
  const slackChannel = isObj(payload.channel) ? str(payload.channel.id) : undefined;
  if (!approverAllowed(ch.config, user.id)) {
    logRefusal(rt, ch.row, 'slack', user.id, approvalId);
    await ephemeral(rt, ch, slackChannel, user.id, NOT_ALLOWED);
    return reply.code(200).send();
  }
  if (verb === 'approve') {
    const result = await decideFromChat(rt, ch.row, approvalId, { approved: true, reason: null, decidedBy: `slack:${user.name}`, decidedVia: 'slack' });
    // Success shows as the edited message (chat.update through the outbox); failures privately.
    if (!result?.ok) await ephemeral(rt, ch, slackChannel, user.id, resultText(result, true));
    return reply.code(200).send();
  }
  const state = await openApproval(rt, ch.row, approvalId);
  if (state !== 'pending') {
    await ephemeral(rt, ch, slackChannel, user.id, failureText(state));
    return reply.code(200).send();
  }
  await openReasonModal(rt, ch, str(payload.trigger_id), approvalId, slackChannel, user.id);
  return reply.code(200).send();
}

/** A break-glass button: the pressed message is updated to the switch's new state; refusals are private. */
async function breakGlassAction(rt: NotificationsRuntime, ch: Channel, payload: Record<string, unknown>, press: ReturnType<typeof bgPress>, reply: Reply): Promise<Reply> {
  const user = userOf(payload);
  if (!user) return reply.code(200).send();
  const container = isObj(payload.container) ? payload.container : {};
  const message = isObj(payload.message) ? payload.message : {};
  const slackChannel = str(container.channel_id) ?? (isObj(payload.channel) ? str(payload.channel.id) : undefined);
  if (!press) {
    await ephemeral(rt, ch, slackChannel, user.id, 'Unknown action.');
    return reply.code(200).send();
  }
  const out = await breakGlassFromChat(rt, ch, 'slack', user, press);
  if (!out.ok) {
    await ephemeral(rt, ch, slackChannel, user.id, out.text);
    return reply.code(200).send();
  }
  const ts = str(container.message_ts) ?? str(message.ts);
  try {
    await slackAppDriver.breakGlass!(ch.config, out.view, rt.io(ch.row.id), ts ? { channel: slackChannel ?? ch.config.slack_channel, ts } : null);
  } catch (err) {
    rt.log.warn({ channel: ch.row.id, err: (err as Error).message }, 'slack break-glass message update failed');
  }
  return reply.code(200).send();
}

async function openReasonModal(rt: NotificationsRuntime, ch: Channel, triggerId: string | undefined, approvalId: string, slackChannel: string | undefined, userId: string): Promise<void> {
  const view = {
    type: 'modal',
    callback_id: MODAL_CALLBACK,
    private_metadata: JSON.stringify({ c: ch.row.id, a: approvalId, ch: slackChannel }),
    title: { type: 'plain_text', text: 'Deny request' },
    submit: { type: 'plain_text', text: 'Deny' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: 'reason',
        optional: true,
        label: { type: 'plain_text', text: 'Reason (optional)' },
        element: { type: 'plain_text_input', action_id: 'reason_input', multiline: true, max_length: REASON_MAX },
      },
    ],
  };
  try {
    if (!triggerId) throw new Error('no trigger_id');
    await slackApi(rt.io(ch.row.id), ch.config.bot_token, 'views.open', { trigger_id: triggerId, view }, ch.config.slack_channel);
  } catch (err) {
    rt.log.warn({ channel: ch.row.id, err: (err as Error).message }, 'slack views.open failed');
    await ephemeral(rt, ch, slackChannel, userId, 'Could not open the reason dialog — use the dashboard to deny.');
  }
}

async function viewSubmission(rt: NotificationsRuntime, ch: Channel, payload: Record<string, unknown>, reply: Reply): Promise<Reply> {
  const view = isObj(payload.view) ? payload.view : {};
  const meta = metadataOf(payload);
  const user = userOf(payload);
  if (view.callback_id !== MODAL_CALLBACK || !user || !meta.a || meta.c !== ch.row.id) return reply.code(200).send();
  const errors = (text: string) => reply.code(200).send({ response_action: 'errors', errors: { reason: text } });
  if (!approverAllowed(ch.config, user.id)) {
    logRefusal(rt, ch.row, 'slack', user.id, meta.a);
    return errors(NOT_ALLOWED);
  }
  const values = isObj(view.state) && isObj(view.state.values) ? view.state.values : {};
  const block = isObj(values.reason) ? values.reason : {};
  const input = isObj(block.reason_input) ? block.reason_input : {};
  const reason = str(input.value) ?? null;
  const result = await decideFromChat(rt, ch.row, meta.a, { approved: false, reason, decidedBy: `slack:${user.name}`, decidedVia: 'slack' });
  // An empty 200 closes the modal; errors keep it open with the message under the field.
  return result?.ok ? reply.code(200).send() : errors(resultText(result, false));
}

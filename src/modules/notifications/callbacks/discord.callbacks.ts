import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fromHex, verifyDetached } from '../../../platform/crypto.js';
import { approvalView } from '../approval-view.js';
import type { DiscordConfigT } from '../channel-config.js';
import type { NotificationsRuntime } from '../notifications.runtime.js';
import { NO_MENTIONS, customId, discordBreakGlass, discordMessage } from '../providers/discord.js';
import { bgPress, breakGlassFromChat } from './breakglass.callbacks.js';
import type { DecideResult } from '../../../context.js';
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
  parseJson,
  rawBody,
  rawBodyRoutes,
  resultText,
  str,
} from './callback-common.js';

/**
 * Discord interactions: POST /api/v1/discord/interactions/{channel_id} (and the shared
 * /api/v1/discord/interactions, where the channel id is the last part of the button's
 * custom_id). Ed25519 over timestamp ‖ raw body with that one channel's public_key, and the
 * timestamp must be within 5 minutes (the reference had no freshness check). Anything that
 * fails verification is a 401, which is what Discord's endpoint check expects.
 * PING → {type:1}; Deny → a modal (type 9); its submit (interaction type 5) carries the reason.
 */
type Channel = LoadedChannel<DiscordConfigT>;
const ID_RE = /^edictum_(approve|deny|reason):([0-9a-f-]{36})(?::([0-9a-f-]{36}))?$/i;
/** Break-glass buttons: `edictum_bg_<action>:<switch>:<channel>`. */
const BG_RE = /^edictum_bg_([a-z]{1,10}):([0-9a-f-]{36})(?::([0-9a-f-]{36}))?$/i;

function verified(rt: NotificationsRuntime, request: FastifyRequest, raw: Buffer, publicKeyHex: string): boolean {
  const sig = header(request, 'x-signature-ed25519');
  const ts = header(request, 'x-signature-timestamp');
  if (!sig || !ts || !/^[0-9a-fA-F]{128}$/.test(sig) || !/^\d{1,12}$/.test(ts)) return false;
  if (Math.abs(rt.ctx.deps.now().getTime() / 1000 - Number(ts)) > FRESHNESS_SECONDS) return false;
  const message = Buffer.concat([Buffer.from(ts, 'utf8'), raw]);
  return verifyDetached(fromHex(publicKeyHex), new Uint8Array(message), fromHex(sig));
}

function sharedChannelId(raw: Buffer): string | undefined {
  const body = parseJson(raw);
  const data = isObj(body) && isObj(body.data) ? body.data : null;
  const id = str(data?.custom_id) ?? '';
  return (ID_RE.exec(id) ?? BG_RE.exec(id))?.[3];
}

export function discordCallbacks(app: FastifyInstance, rt: NotificationsRuntime): void {
  const handle = async (request: FastifyRequest, reply: Reply, fromUrl: string | undefined) => {
    const raw = rawBody(request) ?? Buffer.alloc(0);
    if (!header(request, 'x-signature-ed25519') || !header(request, 'x-signature-timestamp')) return reply.code(401).send({ detail: 'Missing signature headers.' });
    const ch = await loadChannel<DiscordConfigT>(rt, fromUrl ?? sharedChannelId(raw), 'discord');
    if (!ch) return fromUrl ? reply.code(404).send({ detail: 'Not Found' }) : reply.code(401).send({ detail: 'Invalid request signature.' });
    if (!verified(rt, request, raw, ch.config.public_key)) return reply.code(401).send({ detail: 'Invalid request signature.' });
    const body = parseJson(raw);
    if (!isObj(body)) return reply.code(400).send({ detail: 'Invalid JSON.' });
    if (body.type === 1) return reply.send({ type: 1 });
    if (body.type === 3 || body.type === 5) return reply.send(await interaction(rt, ch, body));
    return reply.send({ type: 1 });
  };
  rawBodyRoutes(app, (scope) => {
    scope.post('/api/v1/discord/interactions/:channel_id', (request, reply) => handle(request, reply, (request.params as { channel_id: string }).channel_id));
    scope.post('/api/v1/discord/interactions', (request, reply) => handle(request, reply, undefined));
  });
}

const ephemeral = (content: string) => ({ type: 4, data: { content, flags: 64, allowed_mentions: NO_MENTIONS } });

function userOf(body: Record<string, unknown>): { id: string; name: string } | null {
  const u = isObj(body.member) && isObj(body.member.user) ? body.member.user : body.user;
  if (!isObj(u)) return null;
  const id = str(u.id);
  return id ? { id, name: str(u.username) ?? id } : null;
}

function modalReason(data: Record<string, unknown>): string | null {
  const rows = Array.isArray(data.components) ? data.components : [];
  for (const row of rows) {
    const items = isObj(row) && Array.isArray(row.components) ? row.components : [];
    for (const item of items) if (isObj(item) && item.custom_id === 'reason') return str(item.value) ?? null;
  }
  return null;
}

async function interaction(rt: NotificationsRuntime, ch: Channel, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const data = isObj(body.data) ? body.data : {};
  const user = userOf(body);
  const bg = BG_RE.exec(str(data.custom_id) ?? '');
  if (bg) return breakGlassInteraction(rt, ch, body, user, bgPress(bg[1], bg[2]));
  const m = ID_RE.exec(str(data.custom_id) ?? '');
  if (!m || !user) return ephemeral('Unknown action.');
  const [, action, approvalId] = m as unknown as [string, 'approve' | 'deny' | 'reason', string];
  // Buttons are approve/deny; only the modal submit carries `reason`.
  if ((body.type === 5) !== (action === 'reason')) return ephemeral('Unknown action.');
  if (!approverAllowed(ch.config, user.id)) {
    logRefusal(rt, ch.row, 'discord', user.id, approvalId);
    return ephemeral(NOT_ALLOWED);
  }
  if (action === 'deny' && body.type === 3) {
    const state = await openApproval(rt, ch.row, approvalId);
    return state === 'pending' ? reasonModal(approvalId, ch.row.id) : ephemeral(failureText(state));
  }
  const approved = action === 'approve';
  const reason = body.type === 5 ? modalReason(data) : null;
  const result = await decideFromChat(rt, ch.row, approvalId, { approved, reason, decidedBy: `discord:${user.name}`, decidedVia: 'discord' });
  return updated(rt, ch, result, approved);
}

/** A break-glass button: UPDATE_MESSAGE with the switch's new state; refusals are ephemeral. */
async function breakGlassInteraction(rt: NotificationsRuntime, ch: Channel, body: Record<string, unknown>, user: { id: string; name: string } | null, press: ReturnType<typeof bgPress>): Promise<Record<string, unknown>> {
  if (body.type !== 3 || !user || !press) return ephemeral('Unknown action.');
  const out = await breakGlassFromChat(rt, ch, 'discord', user, press);
  return out.ok ? { type: 7, data: discordBreakGlass(out.view, ch.row.id) } : ephemeral(out.text);
}

/** UPDATE_MESSAGE (7): the clicked message shows the outcome and loses its buttons at once. */
function updated(rt: NotificationsRuntime, ch: Channel, result: DecideResult | null, approved: boolean): Record<string, unknown> {
  if (!result?.ok) return ephemeral(resultText(result, approved));
  return { type: 7, data: discordMessage(approvalView(result.approval, rt.ctx.deps.config.baseUrl), ch.row.id) };
}

function reasonModal(approvalId: string, channelId: string): Record<string, unknown> {
  return {
    type: 9,
    data: {
      custom_id: customId('reason', approvalId, channelId),
      title: 'Deny request',
      components: [
        {
          type: 1,
          components: [{ type: 4, custom_id: 'reason', label: 'Reason (optional)', style: 2, required: false, max_length: Math.min(REASON_MAX, 4000) }],
        },
      ],
    },
  };
}

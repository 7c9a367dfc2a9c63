import type { BreakGlassStep } from '../../../context.js';
import { AppError } from '../../../platform/errors.js';
import type { Actor, ChatVia } from '../../activity/activity.service.js';
import { breakglassAdminOf } from '../channel-config.schemas.js';
import { type BgAction, type BreakGlassView, EXTEND_MINUTES, breakGlassView } from '../breakglass-view.js';
import type { NotificationsRuntime } from '../notifications.runtime.js';
import { type LoadedChannel, UUID_RE, approverAllowed } from './callback-common.js';

/**
 * Break-glass buttons from chat (docs/rollouts.md, "Break-glass from chat"). The callback is
 * verified by its channel's own check (Slack v0 signature, Telegram secret token, Discord
 * Ed25519) before anything here runs; the channel's tenant is the only tenant it may touch.
 *
 * Who: the verified chat user id must pass the channel's `allowed_approvers` (as for approvals)
 * and be mapped by `breakglass_admins` to an e-mail that is an admin of that tenant. The step then
 * runs as that admin through the same service functions the dashboard calls, so the two-admin
 * rule (the confirmer is not the armer) and the push to agents are exactly the dashboard's.
 */
export type ChatKind = ChatVia['channel'];
export type BgOutcome = { ok: true; view: BreakGlassView; text: string } | { ok: false; text: string };

interface BgConfig {
  allowed_approvers?: string[] | undefined;
  breakglass_admins?: string[] | undefined;
}

export const BG_NOT_ALLOWED = 'You may not act on break-glass switches from this channel: your chat user is not mapped to a console admin (breakglass_admins).';
export const BG_NOT_ADMIN = 'Your chat user is mapped to a console user who is not an admin of this tenant.';
const DONE: Record<BgAction, string> = { confirm: 'Confirmed ✅ — the switch is active.', cancel: 'Request withdrawn.', disarm: 'Disarmed ✅', extend: `Extended by ${EXTEND_MINUTES} min.` };
const STEP: Record<BgAction, BreakGlassStep> = { confirm: 'confirm', cancel: 'disarm', disarm: 'disarm', extend: 'extend' };

/** `confirm|cancel|disarm|extend` and a well-formed switch id, or null. */
export function bgPress(action: string | undefined, switchId: string | undefined): { action: BgAction; switchId: string } | null {
  if (!action || !switchId || !UUID_RE.test(switchId)) return null;
  return ['confirm', 'cancel', 'disarm', 'extend'].includes(action) ? { action: action as BgAction, switchId } : null;
}

/** Runs one pressed button; never throws (a stale or refused press is words for the chat). */
export async function breakGlassFromChat(
  rt: NotificationsRuntime,
  ch: LoadedChannel<BgConfig>,
  kind: ChatKind,
  user: { id: string; name: string },
  press: { action: BgAction; switchId: string },
): Promise<BgOutcome> {
  const log = { channel: ch.row.id, tenant: ch.row.tenantId, platform: kind, user: user.id, switch: press.switchId, action: press.action };
  const email = approverAllowed(ch.config, user.id) ? breakglassAdminOf(ch.config, user.id) : null;
  if (!email) {
    rt.log.warn(log, 'chat break-glass press refused: user is not a mapped break-glass admin');
    return { ok: false, text: BG_NOT_ALLOWED };
  }
  try {
    const admin = await rt.ctx.breakGlass.adminByEmail(ch.row.tenantId, email);
    if (!admin) {
      rt.log.warn(log, 'chat break-glass press refused: the mapped console user is not an admin of the tenant');
      return { ok: false, text: BG_NOT_ADMIN };
    }
    const actor: Actor & { actorId: string } = {
      tenantId: ch.row.tenantId,
      actor: admin.email,
      actorType: 'user',
      actorId: admin.id,
      source: 'chat',
      ip: null,
      userAgent: null,
      via: { channel: kind, channel_id: ch.row.id, chat_user: `${kind}:${user.id}`.slice(0, 100) },
    };
    const api = rt.ctx.breakGlass;
    const { action, switchId } = press;
    const sw =
      action === 'confirm'
        ? await api.confirm(actor, switchId)
        : action === 'extend'
          ? await api.extend(actor, switchId, EXTEND_MINUTES)
          : await api.disarm(actor, switchId, null);
    const view = breakGlassView(sw, STEP[action], actor, rt.ctx.deps.config.baseUrl, rt.ctx.deps.now());
    return { ok: true, view, text: DONE[action] };
  } catch (err) {
    // 403 (own arm), 404 (unknown or another tenant's switch), 409 (already confirmed, ended...):
    // the service's own sentences, which hold nothing but the switch's state.
    if (err instanceof AppError && [403, 404, 409].includes(err.statusCode)) return { ok: false, text: err.message };
    rt.log.error({ ...log, err }, 'chat break-glass step could not be recorded');
    return { ok: false, text: 'Could not do that — please use the dashboard.' };
  }
}

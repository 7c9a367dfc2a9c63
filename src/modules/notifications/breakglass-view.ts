import type { BreakGlassStep } from '../../context.js';
import type { Actor } from '../activity/activity.service.js';
import type { SwitchResponseT } from '../breakglass/breakglass.schemas.js';
import { utc } from './approval-view.js';

/** What a chat button does to a switch (docs/rollouts.md, "Break-glass from chat"). */
export type BgAction = 'confirm' | 'cancel' | 'disarm' | 'extend';
export const BG_ACTIONS: readonly BgAction[] = ['confirm', 'cancel', 'disarm', 'extend'];
/** "Extend 30 min": the one extension a button offers (the dashboard takes any amount). */
export const EXTEND_MINUTES = 30;

/**
 * A switch as every chat channel renders it. Strings are raw (agent ids, tool globs, reasons and
 * e-mails included): each channel escapes them. `actions` are the buttons for the current state.
 */
export interface BreakGlassView {
  id: string;
  status: string;
  title: string;
  lines: string[];
  actions: { action: BgAction; label: string }[];
  link: string;
}

const VERB: Record<BreakGlassStep, string> = {
  arm: 'Armed',
  confirm: 'Confirmed',
  extend: `Extended`,
  disarm: 'Disarmed',
  expire: 'Expired at its deadline',
  lapse: 'Lapsed: nobody confirmed it in time',
};

const FROM: Record<string, string> = { slack: 'Slack', telegram: 'Telegram', discord: 'Discord' };

/** "by bob@example.com from Slack" — who and from where, as the activity log has it. */
export function byLine(actor: Actor): string {
  if (actor.source === 'system') return '';
  const where = actor.via ? `from ${FROM[actor.via.channel] ?? actor.via.channel}` : actor.source === 'api' ? 'through the API' : 'from the dashboard';
  return ` by ${actor.actor} ${where}`;
}

function what(sw: SwitchResponseT): string {
  const scope = sw.agent_id ? `agent ${sw.agent_id}` : 'all agents';
  if (sw.kind === 'freeze_tool') return `Freeze tool ${sw.tool ?? '?'} for ${scope}`;
  if (sw.kind === 'stop_side_effects') return `Stop side-effecting tools for ${scope}`;
  return `Quarantine agent ${sw.agent_id ?? '?'}`;
}

function titleOf(sw: SwitchResponseT): string {
  switch (sw.status) {
    case 'pending':
      return '🚨 Break-glass requested: a second admin must confirm';
    case 'active':
      return '🚨 Break-glass active';
    case 'disarmed':
      return sw.confirmed_at ? '✅ Break-glass disarmed' : '✅ Break-glass request withdrawn';
    case 'expired':
      return '⏰ Break-glass ended at its deadline';
    default:
      return '⌛ Break-glass request lapsed';
  }
}

export function breakGlassView(sw: SwitchResponseT, step: BreakGlassStep, actor: Actor, baseUrl: string, at: Date): BreakGlassView {
  const verb = step === 'disarm' && !sw.confirmed_at ? 'Withdrawn' : VERB[step];
  const lines = [
    `${verb}${byLine(actor)} at ${utc(at)}.`,
    '',
    `What: ${what(sw)}`,
    `Reason: ${sw.reason}`,
    `Armed by: ${sw.armed_by}`,
    ...(sw.confirmed_by ? [`Confirmed by: ${sw.confirmed_by}`] : []),
  ];
  if (sw.status === 'pending') lines.push(`Lapses unless confirmed by ${utc(new Date(sw.expires_at))}. The arming admin cannot confirm.`);
  if (sw.status === 'active') lines.push(`Active until ${utc(new Date(sw.expires_at))}.`);
  if (sw.ended_by && sw.ended_at) lines.push(`Ended by ${sw.ended_by} at ${utc(new Date(sw.ended_at))}.`);
  const actions: BreakGlassView['actions'] =
    sw.status === 'pending'
      ? [
          { action: 'confirm', label: 'Confirm' },
          { action: 'cancel', label: 'Cancel' },
        ]
      : sw.status === 'active'
        ? [
            { action: 'disarm', label: 'Disarm' },
            { action: 'extend', label: `Extend ${EXTEND_MINUTES} min` },
          ]
        : [];
  return { id: sw.id, status: sw.status, title: titleOf(sw), lines, actions, link: `${baseUrl.replace(/\/$/, '')}/dashboard/break-glass` };
}

/** The view as plain text, for one-way channels (webhook, e-mail, Slack incoming webhook). */
export function breakGlassNotice(v: BreakGlassView): { title: string; lines: string[]; url: string } {
  return { title: v.title, lines: v.lines, url: v.link };
}

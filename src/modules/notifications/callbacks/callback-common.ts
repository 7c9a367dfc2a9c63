import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DecideResult } from '../../../context.js';
import { clip } from '../approval-view.js';
import type { ChannelType } from '../channel-config.js';
import { channelsRepository, type ChannelRow } from '../channels.repository.js';
import type { NotificationsRuntime } from '../notifications.runtime.js';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Bounded like the dashboard's reason (approvals schema: 2,000 characters). */
export const REASON_MAX = 2000;
/** Slack's and our Discord freshness window: a signed request older or newer than this is refused. */
export const FRESHNESS_SECONDS = 300;

export interface LoadedChannel<C> {
  row: ChannelRow;
  config: C;
}

/**
 * The one channel a callback names: it must exist, be enabled, be of the expected type and have
 * a readable config. Its tenant is the only tenant the callback may act in.
 */
export async function loadChannel<C>(rt: NotificationsRuntime, id: string | undefined, type: ChannelType): Promise<LoadedChannel<C> | null> {
  if (!id || !UUID_RE.test(id)) return null;
  const row = await channelsRepository.getById(rt.ctx.deps.database.db, id);
  if (!row || !row.enabled || row.channelType !== type) return null;
  const read = rt.readConfig(row);
  if (!read) return null;
  return { row, config: read.config as C };
}

/** `allowed_approvers` empty or absent: anyone in the chat may decide (the reference's rule). */
export function approverAllowed(config: { allowed_approvers?: string[] | undefined }, userId: string): boolean {
  const list = config.allowed_approvers ?? [];
  return list.length === 0 || list.includes(userId);
}

export const NOT_ALLOWED = 'You are not on the list of approvers for this channel.';

export function logRefusal(rt: NotificationsRuntime, channel: ChannelRow, platform: string, userId: string, approvalId: string): void {
  rt.log.warn({ channel: channel.id, tenant: channel.tenantId, platform, user: userId, approval: approvalId }, 'chat decision refused: user is not an allowed approver');
}

/** The decision through the same conditional update as the dashboard's; never throws. */
export async function decideFromChat(
  rt: NotificationsRuntime,
  channel: ChannelRow,
  approvalId: string,
  d: { approved: boolean; reason: string | null; decidedBy: string; decidedVia: string },
): Promise<DecideResult | null> {
  try {
    const reason = d.reason && d.reason.trim() !== '' ? clip(d.reason.trim(), REASON_MAX) : null;
    return await rt.ctx.approvals.decide(channel.tenantId, approvalId, { ...d, reason, decidedBy: clip(d.decidedBy, 255) });
  } catch (err) {
    rt.log.error({ err, channel: channel.id, approval: approvalId }, 'chat decision could not be recorded');
    return null;
  }
}

/** Is the approval still open (for "deny with reason", before asking for the reason)? */
export async function openApproval(rt: NotificationsRuntime, channel: ChannelRow, approvalId: string): Promise<'pending' | 'already_decided' | 'expired' | 'not_found'> {
  try {
    const row = await rt.ctx.approvals.get(channel.tenantId, approvalId);
    if (!row) return 'not_found';
    if (row.status === 'pending' && row.expiresAt.getTime() > rt.ctx.deps.now().getTime()) return 'pending';
    return row.status === 'approved' || row.status === 'denied' ? 'already_decided' : 'expired';
  } catch (err) {
    rt.log.error({ err, approval: approvalId }, 'approval lookup failed');
    return 'not_found';
  }
}

export function resultText(result: DecideResult | null, approved: boolean): string {
  if (!result) return 'Could not record the decision — please use the dashboard.';
  if (result.ok) return approved ? 'Approved ✅' : 'Denied ❌';
  return failureText(result.reason);
}

export function failureText(reason: 'already_decided' | 'expired' | 'not_found'): string {
  if (reason === 'already_decided') return 'Already decided.';
  if (reason === 'expired') return 'This approval has expired.';
  return 'Approval not found.';
}

export function parseJson(raw: Buffer | undefined): unknown {
  if (!raw || raw.length === 0) return null;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

export const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

export function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Inbound callbacks verify signatures over the exact bytes received, so these routes live in an
 * encapsulated plugin whose only content-type parser keeps the raw body as a Buffer (Slack sends
 * form-encoded, Telegram and Discord JSON). No other route is affected.
 * These routes have no zod response schemas: each answers in its provider's own shapes.
 */
export function rawBodyRoutes(app: FastifyInstance, register: (scope: FastifyInstance) => void): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
    register(scope);
  });
}

export function rawBody(request: FastifyRequest): Buffer | undefined {
  return Buffer.isBuffer(request.body) ? request.body : undefined;
}

export type Reply = FastifyReply;

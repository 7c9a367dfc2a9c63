import type { FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../db/client.js';
import { forbidden, unauthorized } from '../../platform/errors.js';
import { appendChain } from '../audit-chain/chain.append.js';
import { activityRepository, type ActivityRow } from './activity.repository.js';

export type ActivitySource = 'dashboard' | 'api' | 'chat' | 'system';
export type ActorType = 'user' | 'api_key' | 'chat' | 'system';

/** Who did something and from where: built from the request (or a chat callback, or a worker). */
export interface Actor {
  tenantId: string;
  /** E-mail, `key:<prefix>`, `slack:<user>` / `telegram:<user>` / `discord:<user>`, or `system`. */
  actor: string;
  actorType: ActorType;
  actorId: string | null;
  source: ActivitySource;
  ip: string | null;
  userAgent: string | null;
  /** A console admin acting from a chat button: the channel kind and id, and the verified chat user. */
  via?: ChatVia;
}

export interface ChatVia {
  channel: 'slack' | 'telegram' | 'discord';
  channel_id: string;
  /** `<kind>:<chat user id>` as the signed callback named it. */
  chat_user: string;
}

/** One admin action, as recorded. */
export interface ActivityEntry {
  action: string;
  target?: string | null;
  detail?: Record<string, unknown>;
}

const clip = (s: string | null | undefined, n: number): string | null => (s ? s.slice(0, n) : null);

/** The actor behind an authenticated request: a dashboard session or an API key. */
export function actorOf(request: FastifyRequest): Actor {
  const p = request.principal;
  if (!p) throw unauthorized();
  const ua = request.headers['user-agent'];
  const common = { tenantId: p.tenantId, ip: clip(request.ip, 64), userAgent: clip(typeof ua === 'string' ? ua : null, 512) };
  if (p.kind === 'session') return { ...common, actor: p.email, actorType: 'user', actorId: p.userId, source: 'dashboard' };
  return { ...common, actor: `key:${p.prefix}`, actorType: 'api_key', actorId: p.keyId, source: 'api' };
}

/** A session actor that must be an admin (break-glass and the log itself are admin-only). */
export function adminActorOf(request: FastifyRequest): Actor & { actorType: 'user'; actorId: string } {
  const p = request.principal;
  if (!p) throw unauthorized();
  if (p.kind !== 'session' || !p.isAdmin) throw forbidden('Admin access required.', 'auth.admin_required');
  return actorOf(request) as Actor & { actorType: 'user'; actorId: string };
}

/** A verified chat identity (`slack:U123`), from a signed callback. */
export function chatActor(tenantId: string, identity: string): Actor {
  return { tenantId, actor: identity.slice(0, 255), actorType: 'chat', actorId: null, source: 'chat', ip: null, userAgent: null };
}

/** Background work (expiry of a switch at its deadline). */
export function systemActor(tenantId: string): Actor {
  return { tenantId, actor: 'system', actorType: 'system', actorId: null, source: 'system', ip: null, userAgent: null };
}

/** What the audit chain commits to for one activity row (verification rebuilds it from the row). */
export function activityContent(r: ActivityRow): Record<string, unknown> {
  return {
    id: r.id,
    actor: r.actor,
    actor_type: r.actorType,
    actor_id: r.actorId,
    action: r.action,
    target: r.target,
    detail: r.detail,
    source: r.source,
    ip: r.ip,
    user_agent: r.userAgent,
    at: r.at.toISOString(),
  };
}

/**
 * THE one write into the admin activity log. It takes the caller's transaction so the row
 * commits or rolls back with the change it records, and appends the row to the tenant's audit
 * hash chain in that same transaction (kind `admin.activity`, docs/audit.md).
 */
export async function recordActivity(tx: DbOrTx, actor: Actor, entry: ActivityEntry): Promise<void> {
  const row = await activityRepository.insert(tx, {
    tenantId: actor.tenantId,
    actor: actor.actor.slice(0, 255),
    actorType: actor.actorType,
    actorId: actor.actorId,
    action: entry.action,
    target: clip(entry.target, 512),
    // From chat, which channel and which chat user (source alone says only "chat").
    detail: actor.via ? { ...(entry.detail ?? {}), via: actor.via } : (entry.detail ?? {}),
    source: actor.source,
    ip: actor.ip,
    userAgent: actor.userAgent,
    // Millisecond precision (a JS Date), so a keyset cursor carries the exact value back.
    at: new Date(),
  });
  await appendChain(tx, actor.tenantId, { kind: 'admin.activity', refId: row.id, content: activityContent(row) });
}

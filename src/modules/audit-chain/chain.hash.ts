import { createHash } from 'node:crypto';
import { canonicalJson, dedupHash } from '../events/events.canonical.js';

/**
 * The chain's hash formulas (pure, no I/O). scripts/verify-evidence.mjs implements the same
 * formulas with node:crypto only, so an auditor can check a pack offline; a test checks that
 * the two agree on a pack this console made. Changing anything here is a new format version.
 *
 * - content hash  = sha256(canonical JSON of the content)
 * - entry hash    = sha256("edictum.audit.v1|tenant|kind|ref_id|recorded_at|content_hash|prev_hash")
 *   (computed in SQL at append time, under the head lock; `entryHash` below is the same formula)
 * - event leaf    = sha256("edictum.event.v1|id|env|dedup_hash|call_id"), where dedup_hash is
 *   recomputed from the event's fields (agent, tool, verdict, mode, timestamp, payload)
 * - events batch content = {"count":n,"env":env,"leaves":sha256 of "id:leaf\n" per event}
 * - checkpoint message = "edictum.audit.checkpoint.v1|tenant|seq|head_hash|signed_at"
 *
 * kind and ref_id are restricted (KIND_RE, REF_RE) so the '|' separators are unambiguous; the
 * other fields are fixed-format (uuid, hex, timestamp).
 */

export const GENESIS_HASH = '0'.repeat(64);
export const KIND_RE = /^[a-z][a-z0-9._-]{0,63}$/;
export const REF_RE = /^[A-Za-z0-9._:@-]{0,255}$/;

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export function canonical(content: unknown): string {
  return canonicalJson(content);
}

export function entryHash(e: { tenantId: string; kind: string; refId: string; recordedAt: string; contentHash: string; prevHash: string }): string {
  return sha256Hex(['edictum.audit.v1', e.tenantId, e.kind, e.refId, e.recordedAt, e.contentHash, e.prevHash].join('|'));
}

export interface EventLeafInput {
  id: string;
  env: string | null;
  callId: string;
  agentId: string;
  toolName: string;
  verdict: string;
  mode: string;
  /** Normalised: `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  timestamp: string;
  payload: unknown;
}

/** The leaf from the event's stored fields (payload as parsed JSON, or null). */
export function eventLeaf(e: EventLeafInput): string {
  const payloadJson = e.payload == null ? null : canonicalJson(e.payload);
  const d = dedupHash({ agentId: e.agentId, toolName: e.toolName, verdict: e.verdict, mode: e.mode, timestamp: e.timestamp, payloadJson });
  return leafFromDedup(e.id, e.env, d, e.callId);
}

/** The leaf when the dedup hash was just computed from the same fields (ingest). */
export function leafFromDedup(id: string, env: string | null, dedup: string, callId: string): string {
  return sha256Hex(`edictum.event.v1|${id}|${env ?? ''}|${dedup}|${callId}`);
}

export function leavesDigest(ids: readonly string[], leaves: readonly string[]): string {
  const h = createHash('sha256');
  for (let i = 0; i < ids.length; i++) h.update(`${ids[i]}:${leaves[i]}\n`, 'utf8');
  return h.digest('hex');
}

export function eventsContent(env: string, ids: readonly string[], leaves: readonly string[]): string {
  return canonicalJson({ count: ids.length, env, leaves: leavesDigest(ids, leaves) });
}

export function checkpointMessage(c: { tenantId: string; seq: number; headHash: string; signedAt: string }): string {
  return ['edictum.audit.checkpoint.v1', c.tenantId, String(c.seq), c.headHash, c.signedAt].join('|');
}

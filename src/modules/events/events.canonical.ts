import { createHash } from 'node:crypto';

/**
 * Pure helpers for event ingest: timestamp normalisation, the canonical JSON of a payload, and
 * the dedup hash (ARCHITECTURE.md decision 7). No I/O.
 *
 * Why normalise here and not in Postgres: the dedup hash must be computed over exactly the value
 * the row stores, so the normalised text is what we hash AND what we send as the timestamp.
 * JavaScript's Date keeps milliseconds only, while the Python SDK sends microseconds, so the
 * normalisation works on the text, never through Date.
 */

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/** Oldest and newest instants accepted (Postgres handles far more; nothing real needs it). */
const MIN_YEAR = 1970;
const MAX_YEAR = 9999;

export interface NormalisedTimestamp {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, always UTC, always six fraction digits. */
  iso: string;
  /** Milliseconds since the epoch (for comparisons; loses the microseconds). */
  epochMs: number;
}

/**
 * Parses an ISO-8601 date-time and returns it in UTC with microsecond precision (digits beyond
 * the sixth are truncated, so two spellings of one instant always normalise alike).
 * `requireOffset`: event timestamps must carry `Z` or an offset; query parameters may be naive
 * (read as UTC). Returns null when the text is not a real date-time in range.
 */
export function normaliseTimestamp(text: string, requireOffset = true): NormalisedTimestamp | null {
  const m = ISO_RE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  const hasOffset = z !== undefined || sign !== undefined;
  if (requireOffset && !hasOffset) return null;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const offH = Number(oh ?? 0);
  const offM = Number(om ?? 0);
  if (offH > 23 || offM > 59) return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls Feb 30 over into March: reject dates that do not exist.
  if (new Date(local).getUTCDate() !== day) return null;
  const offsetMs = (sign === '-' ? -1 : 1) * (offH * 60 + offM) * 60_000;
  const utcSeconds = local - offsetMs;
  const dt = new Date(utcSeconds);
  const utcYear = dt.getUTCFullYear();
  if (utcYear < MIN_YEAR || utcYear > MAX_YEAR) return null;
  const micros = (frac ?? '').padEnd(6, '0').slice(0, 6);
  const iso = `${dt.toISOString().slice(0, 19)}.${micros}Z`;
  return { iso, epochMs: utcSeconds + Math.floor(Number(micros) / 1000) };
}

/** The value Postgres prints back for a normalised timestamp (to_char with `.US"Z"`). */
export const TIMESTAMP_SQL_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

// ---------- canonical JSON ----------

/** Deepest nesting a payload may have; Postgres's jsonb parser would fail with a 500 far deeper. */
export const MAX_PAYLOAD_DEPTH = 64;
/** Largest serialised payload accepted, per event. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

// NUL cannot be stored by Postgres (text or jsonb) and an unpaired surrogate cannot be encoded
// as UTF-8: both are replaced by U+FFFD rather than refused, so an agent whose tool arguments
// carry such bytes does not resend the same rejected batch forever (sdk-contract.md section 6).
// eslint-disable-next-line no-control-regex -- NUL is exactly what must be found
const NEEDS_REPAIR = /[\u0000\uD800-\uDFFF]/;
const UNPAIRED = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The string with NUL and unpaired surrogates replaced by U+FFFD (identity for clean text). */
export function repairText(s: string): string {
  if (!NEEDS_REPAIR.test(s)) return s;
  return s.replaceAll('\u0000', '\uFFFD').replace(UNPAIRED, '\uFFFD');
}

export class PayloadTooDeep extends Error {}

function canonicalValue(v: unknown, depth: number, out: string[]): void {
  if (v === null || v === undefined) {
    out.push('null');
  } else if (typeof v === 'string') {
    out.push(JSON.stringify(repairText(v)));
  } else if (typeof v === 'number') {
    // JSON.parse turns 1e400 into Infinity; JSON has no such number.
    out.push(Number.isFinite(v) ? JSON.stringify(v) : 'null');
  } else if (typeof v === 'boolean') {
    out.push(v ? 'true' : 'false');
  } else if (Array.isArray(v)) {
    if (depth >= MAX_PAYLOAD_DEPTH) throw new PayloadTooDeep();
    out.push('[');
    v.forEach((item, i) => {
      if (i > 0) out.push(',');
      canonicalValue(item, depth + 1, out);
    });
    out.push(']');
  } else if (typeof v === 'object') {
    if (depth >= MAX_PAYLOAD_DEPTH) throw new PayloadTooDeep();
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    out.push('{');
    keys.forEach((k, i) => {
      if (i > 0) out.push(',');
      out.push(JSON.stringify(repairText(k)), ':');
      canonicalValue(obj[k], depth + 1, out);
    });
    out.push('}');
  } else {
    out.push('null');
  }
}

/**
 * Canonical JSON: object keys sorted (code-unit order), no whitespace, text repaired. The same
 * content always gives the same text whatever key order or spacing the agent used, so it is both
 * what we hash and what we store (jsonb keeps no key order anyway). Throws PayloadTooDeep.
 */
export function canonicalJson(v: unknown): string {
  const out: string[] = [];
  canonicalValue(v, 0, out);
  return out.join('');
}

export interface DedupInput {
  agentId: string;
  toolName: string;
  verdict: string;
  mode: string;
  /** Normalised timestamp (normaliseTimestamp().iso). */
  timestamp: string;
  /** canonicalJson(payload), or null when the event has no payload. */
  payloadJson: string | null;
}

/**
 * sha256 over the event's content. With (tenant_id, call_id, timestamp) it forms the unique key:
 * a retried event (same content) collides, while call_allowed and call_executed of one call, or
 * two observe-mode shadow events with different payloads, do not.
 */
export function dedupHash(e: DedupInput): string {
  const text = `[${JSON.stringify(e.agentId)},${JSON.stringify(e.toolName)},${JSON.stringify(e.verdict)},${JSON.stringify(e.mode)},${JSON.stringify(e.timestamp)},${e.payloadJson ?? 'null'}]`;
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A payload string lifted to its own column: strings only, cut to the column size. */
function lift(payload: Record<string, unknown> | null, key: string, max: number): string | null {
  const v = payload?.[key];
  if (typeof v !== 'string' || v.length === 0) return null;
  return repairText(v.slice(0, max));
}

/** `payload.decision_name` -> decision_name (varchar 255): the contract filter and stats. */
export const liftDecisionName = (payload: Record<string, unknown> | null) => lift(payload, 'decision_name', 255);
/** `payload.policy_version` -> policy_version (varchar 128): drift history reads only the index. */
export const liftPolicyVersion = (payload: Record<string, unknown> | null) => lift(payload, 'policy_version', 128);

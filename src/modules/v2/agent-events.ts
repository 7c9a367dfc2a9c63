import { createHash } from 'node:crypto';

/**
 * One audit log for every producer (ARCHITECTURE.md decision 16, sdk-contract-v2.md 2.3 and 6).
 * Whatever an agent posts is turned into the stored shape the pre-rename SDKs already send:
 * `{call_id, agent_id, tool_name, verdict, mode, timestamp, payload}`, with the verdict in the
 * console's one vocabulary (the pre-rename words, which the stored events and the dashboard use)
 * and the agent's own word kept in `payload.agent_verdict`.
 *
 * Shapes recognised, by their keys:
 * - pre-rename nested: `verdict` + `payload` (passed through unchanged);
 * - in-between nested (Python 0.17.0, TS server 0.1.2/0.2.0, Go v0.3.0): `decision` + `payload`;
 * - current flat (Py/TS 0.3.0, Go 0.4.0): `action` and the fields at the top level;
 * - Go gate CLI: `decision` = allow|block, no `call_id`, no `payload`.
 */

/** Current and in-between wire words -> the console's vocabulary (the pre-rename `verdict`). */
export const VERDICT_OF: Readonly<Record<string, string>> = {
  call_blocked: 'call_denied',
  call_would_block: 'call_would_deny',
  call_asked: 'call_approval_requested',
  call_approval_blocked: 'call_approval_denied',
  // The gate CLI's decisions.
  allow: 'call_allowed',
  block: 'call_denied',
};

export const canonicalVerdict = (word: string): string => VERDICT_OF[word] ?? word;

/** Keys of the stored envelope; everything else of a flat event goes into `payload`. */
const ENVELOPE = new Set(['call_id', 'agent_id', 'tool_name', 'action', 'mode', 'timestamp']);
/** Go sends `""` where Py and TS send null (sdk-contract-v2.md 4). */
const EMPTY_IS_NULL = ['decision_source', 'decision_name', 'reason', 'policy_version', 'session_id', 'parent_session_id'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function tidy(payload: Obj): Obj {
  for (const k of EMPTY_IS_NULL) if (payload[k] === '') payload[k] = null;
  // Shown by the dashboard as the contracts evaluated: the same list under its pre-rename name.
  if ('rules_evaluated' in payload && !('contracts_evaluated' in payload)) {
    payload.contracts_evaluated = payload.rules_evaluated;
    delete payload.rules_evaluated;
  }
  return payload;
}

/** A stable id for an event that has none (the gate CLI resends its whole log: retries must collide). */
function derivedCallId(raw: Obj): string {
  const parts = ['timestamp', 'tool_name', 'decision', 'assistant', 'user', 'reason'].map((k) => JSON.stringify(raw[k] ?? null));
  return `gate-${createHash('sha256').update(parts.join(','), 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * The stored shape of one posted event, or the input unchanged when it is not an object or
 * already has the pre-rename shape (the schema then reports what is wrong with it).
 * `fallbackAgentId`: the X-Edictum-Agent-Id header (the gate CLI sends none).
 */
export function normaliseAgentEvent(raw: unknown, fallbackAgentId = 'unknown'): unknown {
  if (!isObj(raw) || 'verdict' in raw) return raw;
  if (typeof raw.action === 'string') {
    const payload: Obj = { agent_verdict: raw.action };
    for (const [k, v] of Object.entries(raw)) if (!ENVELOPE.has(k)) payload[k] = v;
    return {
      call_id: raw.call_id,
      agent_id: raw.agent_id ?? fallbackAgentId,
      tool_name: raw.tool_name,
      verdict: canonicalVerdict(raw.action),
      mode: raw.mode ?? 'enforce',
      timestamp: raw.timestamp,
      payload: tidy(payload),
    };
  }
  if (typeof raw.decision !== 'string') return raw;
  if ('payload' in raw || 'call_id' in raw) {
    // In-between nested shape: `decision` in place of `verdict`.
    const { decision, payload, ...rest } = raw;
    return { ...rest, verdict: canonicalVerdict(decision), payload: tidy({ ...(isObj(payload) ? payload : {}), agent_verdict: decision }) };
  }
  // The Go gate CLI (sdk-contract-v2.md 2.3): allow|block, optional assistant/user/reason.
  const { decision, timestamp, tool_name, ...rest } = raw;
  return {
    call_id: derivedCallId(raw),
    agent_id: fallbackAgentId,
    tool_name,
    verdict: canonicalVerdict(decision),
    mode: 'enforce',
    timestamp,
    payload: tidy({ ...rest, agent_verdict: decision, decision_source: 'gate' }),
  };
}

/** `request.body` of POST /events with every event normalised in place (a preValidation step). */
export function normaliseIngestBody(body: unknown, fallbackAgentId: string): void {
  if (!isObj(body) || !Array.isArray(body.events)) return;
  body.events = body.events.map((e) => normaliseAgentEvent(e, fallbackAgentId));
}

/**
 * A current SDK reports the hash of the Ruleset rendering as `policy_version`. Drift, coverage
 * and history compare against the ContractBundle hash, so it is stored mapped (the agent's own
 * value is kept as `agent_policy_version`). `lookup` answers ruleset hash -> canonical hash.
 */
export async function mapPolicyVersions(
  events: { payload?: Obj | null | undefined }[],
  lookup: (hashes: string[]) => Promise<Map<string, string>>,
): Promise<void> {
  const hashes = new Set<string>();
  for (const e of events) {
    const v = e.payload?.policy_version;
    if (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)) hashes.add(v);
  }
  if (hashes.size === 0) return;
  const map = await lookup([...hashes]);
  if (map.size === 0) return;
  for (const e of events) {
    const v = e.payload?.policy_version;
    const canonical = typeof v === 'string' ? map.get(v) : undefined;
    if (canonical && e.payload) {
      e.payload.agent_policy_version = v;
      e.payload.policy_version = canonical;
    }
  }
}

/** Remembered answers of a ruleset-hash lookup; a hash that is no alias is asked again after this. */
const UNMAPPED_TTL_MS = 60_000;
const MAX_REMEMBERED = 10_000;

/**
 * `lookup` with memory, for the ingest path: without it every batch that carries a
 * `policy_version` (old agents too: theirs is already canonical) costs a query. A ruleset hash
 * names fixed bytes, so its canonical hash never changes and is kept; a hash that is no alias is
 * kept for a minute only, since a bundle stored before renderings existed gets its Ruleset hash
 * on first use.
 */
export function rememberedLookup(
  lookup: (tenantId: string, hashes: string[]) => Promise<Map<string, string>>,
  now: () => number = Date.now,
): (tenantId: string, hashes: string[]) => Promise<Map<string, string>> {
  // Keyed by tenant and hash: a tenant's answer never serves another.
  const known = new Map<string, { canonical: string | null; until: number }>();
  return async (tenantId, hashes) => {
    const at = now();
    const out = new Map<string, string>();
    const ask: string[] = [];
    for (const h of hashes) {
      const k = known.get(`${tenantId}:${h}`);
      if (k && k.until > at) {
        if (k.canonical) out.set(h, k.canonical);
      } else ask.push(h);
    }
    if (ask.length === 0) return out;
    const found = await lookup(tenantId, ask);
    if (known.size + ask.length > MAX_REMEMBERED) known.clear();
    for (const h of ask) {
      const canonical = found.get(h) ?? null;
      known.set(`${tenantId}:${h}`, { canonical, until: canonical ? Number.POSITIVE_INFINITY : at + UNMAPPED_TTL_MS });
      if (canonical) out.set(h, canonical);
    }
    return out;
  };
}

import type { Sdk } from '../../engine/engine.js';
import { fixedPair, replayPair, type Decision, type ReplayBundles } from '../evaluate/evaluation-core.js';
import { ReplayAccumulator, classify, type AccumulatorState, type ReplayRowView } from './replay-summary.js';
import type { ChangeKind, ReplaySummaryT } from './replay.schemas.js';
import type { ReplayFilter } from './replay.repository.js';

/**
 * Replay on server Postgres, the part that runs in a slice worker (replay.worker.ts): each worker
 * holds its own connection and reads a time slice of the window through one cursor, in big
 * fetches, as raw text (no Date or JSON parsing by the driver); evaluates each distinct call
 * once (a bounded cache across the slice: fleets repeat calls); and counts. The main thread only
 * merges the slices' states (replay-runner.ts), so it never holds the event loop for a page.
 */

/** One time slice of the window, newest first: [since, until). */
export interface Slice {
  index: number;
  since: string;
  until: string;
}

/** Splits [since, until) into `n` equal slices, the newest first (index 0). */
export function sliceWindow(since: string, until: string, n: number): Slice[] {
  const from = Date.parse(since);
  const to = Date.parse(until);
  const count = Math.max(1, Math.min(n, Math.floor((to - from) / 1000) || 1));
  const out: Slice[] = [];
  for (let i = 0; i < count; i++) {
    const hi = i === 0 ? until : new Date(to - Math.round(((to - from) * i) / count)).toISOString();
    const lo = i === count - 1 ? since : new Date(to - Math.round(((to - from) * (i + 1)) / count)).toISOString();
    out.push({ index: i, since: lo, until: hi });
  }
  return out;
}

const DECISION_VERDICTS = ['call_allowed', 'call_denied', 'call_would_deny', 'call_approval_requested'];

/**
 * The cursor of one slice, as text with its parameters. Only the columns replay needs; the
 * arguments and principal come out of the payload as JSON text, parsed only for a call not seen
 * before. Ordered by time alone (the index order of `ix_events_tenant_env_ts`: no sort step).
 */
export function sliceQuery(f: ReplayFilter, s: Slice): { text: string; values: string[] } {
  const values: string[] = [f.tenantId, f.env, s.since, s.until, ...DECISION_VERDICTS];
  let text = `DECLARE replay_slice NO SCROLL CURSOR FOR
    SELECT id, call_id, agent_id, tool_name, "timestamp", payload->'tool_args', payload->'principal', coalesce(payload->>'environment', env, '')
    FROM events
    WHERE tenant_id = $1::uuid AND env = $2 AND "timestamp" >= $3::timestamptz AND "timestamp" < $4::timestamptz
      AND verdict IN ($5, $6, $7, $8)`;
  if (f.agentId !== undefined) {
    values.push(f.agentId);
    text += ` AND agent_id = $${values.length}`;
  }
  if (f.toolName !== undefined) {
    values.push(f.toolName);
    text += ` AND tool_name = $${values.length}`;
  }
  return { text: `${text}\n    ORDER BY "timestamp" DESC`, values };
}

/** A fetched row: [id, call_id, agent_id, tool_name, timestamp text, args JSON, principal JSON, environment]. */
export type SliceRow = [string, string, string, string, string, string | null, string | null, string];

/** Postgres' text form of a UTC timestamptz (`2026-12-02 11:38:39.66+00`) as the API's ISO form. */
export function pgTimestampToIso(t: string): string {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/.exec(t);
  return m ? `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(6, '0')}Z` : t;
}

/** Distinct calls remembered per slice worker; past it the cache starts again (a fleet's hot calls return at once). */
const CACHE_ENTRIES = 100_000;
/** Tool names whose fixed decisions are remembered; past it the map starts again. */
const TOOL_ENTRIES = 10_000;
const NOT_FIXED = 0;
/** Lookups per trial of the cache; a trial that saves under 1 call in 10 turns it off for 10 trials' worth. */
const TRIAL = 20_000;
const MIN_HIT_RATE = 0.1;

/**
 * Decisions per distinct (tool, args, principal, environment), evaluated once under the candidate
 * and the baseline (the baseline not at all for a tool whose contracts it shares with the
 * candidate; neither for a tool no pre rule or sandbox applies to: see replay-tool-plans.ts).
 * The key is the whole input of a replayed call: replay passes no session counts, result, env or
 * metadata, so nothing else can change a decision. `hits` counts the calls answered from the cache.
 * When calls hardly repeat, the cache costs more than it saves (hashing long keys, old-generation
 * garbage), so it measures itself: after a trial with few hits it stays off for a while, then
 * tries again.
 */
export class DecisionCache {
  private readonly map = new Map<string, [Decision, Decision, ChangeKind]>();
  /** Per tool name: its calls' fixed decisions, or NOT_FIXED. */
  private readonly fixed = new Map<string, [Decision, Decision, ChangeKind] | typeof NOT_FIXED>();
  /** Calls answered by their tool alone (no key, no evaluation). */
  fixedHits = 0;
  hits = 0;
  misses = 0;
  private trialLookups = 0;
  private trialHits = 0;
  private offFor = 0;

  constructor(
    private readonly bundles: ReplayBundles,
    private readonly deadlineMs: number,
    private readonly limit = CACHE_ENTRIES,
  ) {}

  get(tool: string, args: string, principal: string, environment: string): [Decision, Decision, ChangeKind] {
    // A tool whose decisions do not depend on the call needs no key (nor JSON parsing).
    const fixed = this.fixed.get(tool) ?? this.fixTool(tool);
    if (fixed !== NOT_FIXED) {
      this.fixedHits += 1;
      return fixed;
    }
    if (this.offFor > 0) {
      this.offFor -= 1;
      this.misses += 1;
      return this.evaluate(tool, args, principal, environment);
    }
    const key = `${tool}\u0000${environment}\u0000${principal}\u0000${args}`;
    const hit = this.map.get(key);
    this.trialLookups += 1;
    if (hit) {
      this.hits += 1;
      this.trialHits += 1;
      this.endTrial();
      return hit;
    }
    this.misses += 1;
    const out = this.evaluate(tool, args, principal, environment);
    if (this.map.size >= this.limit) this.map.clear();
    this.map.set(key, out);
    this.endTrial();
    return out;
  }

  private fixTool(tool: string): [Decision, Decision, ChangeKind] | typeof NOT_FIXED {
    const pair = fixedPair(this.bundles, tool);
    const out = pair ? ([pair[0], pair[1], classify(pair[0], pair[1])] as [Decision, Decision, ChangeKind]) : NOT_FIXED;
    if (this.fixed.size >= TOOL_ENTRIES) this.fixed.clear();
    this.fixed.set(tool, out);
    return out;
  }

  private endTrial(): void {
    if (this.trialLookups < TRIAL) return;
    if (this.trialHits < this.trialLookups * MIN_HIT_RATE) {
      this.offFor = TRIAL * 10;
      this.map.clear();
    }
    this.trialLookups = 0;
    this.trialHits = 0;
  }

  private evaluate(tool: string, args: string, principal: string, environment: string): [Decision, Decision, ChangeKind] {
    const [c, b] = replayPair(this.bundles, tool, args, principal, environment, this.deadlineMs);
    return [c, b, classify(c, b)];
  }
}

/** Counts one slice, page by page; lifecycle events of one call (same call id, adjacent) count once. */
export class SliceCounter {
  readonly acc: ReplayAccumulator;
  private seenBefore = new Set<string>();

  constructor(
    private readonly cache: DecisionCache,
    maxExamples: number,
  ) {
    // The head is the main thread's business; a slice only counts.
    this.acc = new ReplayAccumulator(HEADLESS, maxExamples, pgTimestampToIso);
  }

  page(rows: SliceRow[]): void {
    const seen = new Set<string>();
    for (const r of rows) {
      const callId = r[1];
      if (seen.has(callId) || this.seenBefore.has(callId)) continue;
      seen.add(callId);
      const [c, b, kind] = this.cache.get(r[3], r[5] ?? '{}', r[6] ?? '', r[7]);
      if (this.acc.count(r[2], r[3], c, b, kind)) {
        const view: ReplayRowView = { id: r[0], call_id: callId, agent_id: r[2], tool_name: r[3], ts: r[4] };
        this.acc.keepExample(view, c, b, kind);
      }
    }
    this.seenBefore = seen;
    this.acc.eventsRead += rows.length;
  }

  state(): AccumulatorState {
    return this.acc.state();
  }
}

const HEADLESS: Pick<ReplaySummaryT, 'candidate' | 'baseline' | 'env' | 'since' | 'until' | 'sdk'> = {
  candidate: { bundle_name: null, version: null },
  baseline: null,
  env: '',
  since: '',
  until: '',
  sdk: 'python' satisfies Sdk,
};

// ---------- messages between the main thread and a slice worker ----------

export interface SliceStart {
  op: 'start';
  url: string;
  filter: ReplayFilter;
  candidateYaml: string;
  baselineYaml: string | null;
  sdk: Sdk;
  maxExamples: number;
  fetchSize: number;
  deadlineMs: number;
  progressEveryMs: number;
}

export type ToSliceWorker = SliceStart | { op: 'slice'; slice: Slice } | { op: 'cancel' } | { op: 'end' };

export type FromSliceWorker =
  | { type: 'ready' }
  | { type: 'progress'; index: number; state: AccumulatorState }
  /** A slice is counted (or stopped by a cancel): its final state; the worker then waits for the next. */
  | { type: 'slice-done'; index: number; state: AccumulatorState; cancelled: boolean; hits: number; misses: number }
  | { type: 'failed'; error: string; compile?: boolean };

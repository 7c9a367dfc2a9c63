import type { Decision } from '../evaluate/evaluation-core.js';
import type { ReplayEventRow } from './replay.repository.js';
import { CHANGE_KINDS, type ChangeKind, type CountsT, type ExampleT, type ReplaySummaryT } from './replay.schemas.js';

/** Breakdowns keep this many keys (most changed first); the counts stay exact. */
const BREAKDOWN_KEYS = 25;

const BLOCKING = new Set(['denied', 'approval_required', 'error']);

/**
 * How a call's decision changes from baseline to candidate. Exclusive, in this order: a call that
 * becomes denied is "newly denied" even if it also gains an observed failure.
 */
export function classify(candidate: Decision, baseline: Decision): ChangeKind {
  const [c, b] = [candidate[0], baseline[0]];
  if ((c === 'denied' || c === 'error') && b !== 'denied' && b !== 'error') return 'newly_denied';
  if (c === 'approval_required' && b !== 'approval_required') return 'newly_approval';
  if (!BLOCKING.has(c) && BLOCKING.has(b)) return 'newly_allowed';
  if (candidate[2] !== null && baseline[2] === null) return 'newly_observed';
  return 'unchanged';
}

const zero = (): CountsT => ({ newly_denied: 0, newly_allowed: 0, newly_approval: 0, newly_observed: 0, unchanged: 0 });

type Examples = ReplaySummaryT['examples'];

/** What `add` reads of an event (the main thread's page rows and the slice worker's rows alike). */
export type ReplayRowView = Pick<ReplayEventRow, 'id' | 'call_id' | 'agent_id' | 'tool_name' | 'ts'>;

/**
 * An accumulator's whole state as plain data: what a slice worker sends the main thread, which
 * merges the slices (newest slice first) into one summary.
 */
export interface AccumulatorState {
  eventsRead: number;
  calls: number;
  counts: CountsT;
  agents: [string, CountsT][];
  tools: [string, CountsT][];
  contracts: [string, CountsT][];
  examples: Examples;
}

/** The change summary of one replay, built batch by batch on the main thread (cheap counting only). */
export class ReplayAccumulator {
  readonly counts = zero();
  private readonly agents = new Map<string, CountsT>();
  private readonly tools = new Map<string, CountsT>();
  private readonly contracts = new Map<string, CountsT>();
  private readonly examples: Examples = { newly_denied: [], newly_allowed: [], newly_approval: [], newly_observed: [] };
  eventsRead = 0;
  calls = 0;

  constructor(
    private readonly head: Pick<ReplaySummaryT, 'candidate' | 'baseline' | 'env' | 'since' | 'until' | 'sdk'>,
    private readonly maxExamples: number,
    /** The rows' timestamp as the API shows it (slice workers read Postgres' text form). */
    private readonly formatTs: (ts: string) => string = (ts) => ts,
  ) {}

  /** Rows arrive newest first, so the first examples kept are the newest. */
  add(row: ReplayRowView, candidate: Decision, baseline: Decision, kind: ChangeKind = classify(candidate, baseline)): void {
    if (this.count(row.agent_id, row.tool_name, candidate, baseline, kind)) this.keepExample(row, candidate, baseline, kind);
  }

  /** Counts one call; true when it is a change whose example is still wanted (then call `keepExample`). */
  count(agent: string, tool: string, candidate: Decision, baseline: Decision, kind: ChangeKind): boolean {
    this.calls += 1;
    this.counts[kind] += 1;
    bump(this.agents, agent, kind);
    bump(this.tools, tool, kind);
    // The contract that makes the difference: the candidate's for what it now stops or observes,
    // the baseline's for what it no longer stops.
    const contract = kind === 'newly_allowed' ? baseline[1] : kind === 'newly_observed' ? candidate[2] : candidate[1];
    if (contract) bump(this.contracts, contract, kind);
    return kind !== 'unchanged' && this.examples[kind].length < this.maxExamples;
  }

  keepExample(row: ReplayRowView, candidate: Decision, baseline: Decision, kind: ChangeKind): void {
    if (kind !== 'unchanged') this.examples[kind].push(example(row, candidate, baseline, this.formatTs));
  }

  state(): AccumulatorState {
    return {
      eventsRead: this.eventsRead,
      calls: this.calls,
      counts: { ...this.counts },
      agents: [...this.agents],
      tools: [...this.tools],
      contracts: [...this.contracts],
      examples: this.examples,
    };
  }

  /**
   * Adds another accumulator's state. Merge the states of time slices newest first: each slice
   * kept its newest examples, so the first `maxExamples` of the concatenation are the newest overall.
   */
  merge(s: AccumulatorState): void {
    this.eventsRead += s.eventsRead;
    this.calls += s.calls;
    for (const k of CHANGE_KINDS) this.counts[k] += s.counts[k];
    for (const [map, entries] of [
      [this.agents, s.agents],
      [this.tools, s.tools],
      [this.contracts, s.contracts],
    ] as const) {
      for (const [key, c] of entries) {
        let into = map.get(key);
        if (!into) map.set(key, (into = zero()));
        for (const k of CHANGE_KINDS) into[k] += c[k];
      }
    }
    for (const k of ['newly_denied', 'newly_allowed', 'newly_approval', 'newly_observed'] as const) {
      const room = this.maxExamples - this.examples[k].length;
      if (room > 0) this.examples[k].push(...s.examples[k].slice(0, room));
    }
  }

  summary(): ReplaySummaryT {
    return {
      ...this.head,
      events_read: this.eventsRead,
      calls: this.calls,
      counts: { ...this.counts },
      by_agent: top(this.agents),
      by_tool: top(this.tools),
      by_contract: top(this.contracts),
      examples: {
        newly_denied: [...this.examples.newly_denied],
        newly_allowed: [...this.examples.newly_allowed],
        newly_approval: [...this.examples.newly_approval],
        newly_observed: [...this.examples.newly_observed],
      },
    };
  }
}

function bump(map: Map<string, CountsT>, key: string, kind: ChangeKind): void {
  let c = map.get(key);
  if (!c) map.set(key, (c = zero()));
  c[kind] += 1;
}

const changed = (c: CountsT) => c.newly_denied + c.newly_allowed + c.newly_approval + c.newly_observed;

function top(map: Map<string, CountsT>): (CountsT & { key: string })[] {
  return [...map]
    .map(([key, c]) => ({ key, ...c }))
    .sort((a, b) => changed(b) - changed(a) || b.unchanged - a.unchanged || a.key.localeCompare(b.key))
    .slice(0, BREAKDOWN_KEYS);
}

function example(row: ReplayRowView, candidate: Decision, baseline: Decision, formatTs: (ts: string) => string): ExampleT {
  const side = (d: Decision) => ({ outcome: d[0], contract: d[1] ?? d[2], message: d[3] });
  return {
    event_id: row.id,
    call_id: row.call_id,
    agent_id: row.agent_id,
    tool_name: row.tool_name,
    timestamp: formatTs(row.ts),
    baseline: side(baseline),
    candidate: side(candidate),
    link: `/dashboard/events?event=${row.id}`,
  };
}

export { CHANGE_KINDS };

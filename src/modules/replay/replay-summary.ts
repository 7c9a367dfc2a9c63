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
  ) {}

  /** Rows arrive newest first, so the first examples kept are the newest. */
  add(row: ReplayEventRow, candidate: Decision, baseline: Decision): void {
    const kind = classify(candidate, baseline);
    this.calls += 1;
    this.counts[kind] += 1;
    bump(this.agents, row.agent_id, kind);
    bump(this.tools, row.tool_name, kind);
    // The contract that makes the difference: the candidate's for what it now stops or observes,
    // the baseline's for what it no longer stops.
    const contract = kind === 'newly_allowed' ? baseline[1] : kind === 'newly_observed' ? candidate[2] : candidate[1];
    if (contract) bump(this.contracts, contract, kind);
    if (kind !== 'unchanged' && this.examples[kind].length < this.maxExamples) this.examples[kind].push(example(row, candidate, baseline));
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

function example(row: ReplayEventRow, candidate: Decision, baseline: Decision): ExampleT {
  const side = (d: Decision) => ({ outcome: d[0], contract: d[1] ?? d[2], message: d[3] });
  return {
    event_id: row.id,
    call_id: row.call_id,
    agent_id: row.agent_id,
    tool_name: row.tool_name,
    timestamp: row.ts,
    baseline: side(baseline),
    candidate: side(candidate),
    link: `/dashboard/events?event=${row.id}`,
  };
}

export { CHANGE_KINDS };

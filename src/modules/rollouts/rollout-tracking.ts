/**
 * The rules of deploy tracking, without I/O (docs/rollouts.md "How an agent counts as activated").
 * An agent has activated a rollout once the console sees it running the rollout's revision:
 * - `connect`: it (re)connected after the deploy reporting that revision (either rendering's hash);
 * - `event`: an event received after the deploy carries that revision as `policy_version`.
 * Until then it is `pending`; past the straggler delay after its push it is a `straggler`, with
 * the most specific reason the console can observe.
 */

export type AgentState = 'pending' | 'activated' | 'straggler';
export type StragglerReason = 'offline' | 'old_revision' | 'refused';

export interface AgentObservation {
  /** When the agent's newest live stream opened (any process); undefined when it holds none. */
  connectedAt?: Date | undefined;
  /** Its registration: the revision it reported on its last connect, and when. */
  reportedRevision?: string | null | undefined;
  reportedAt?: Date | null | undefined;
  /** From events received since the deploy: the first carrying the revision, and the newest one. */
  firstEventWithRevision?: Date | null | undefined;
  latestEventAt?: Date | undefined;
  latestEventRevision?: string | null | undefined;
}

export interface TrackedAgent {
  state: AgentState;
  reason: StragglerReason | null;
  activatedVia: 'connect' | 'event' | null;
  pushedAt: Date | null;
  activatedAt: Date | null;
  lastRevision: string | null;
  lastContactAt: Date | null;
}

export interface RolloutTarget {
  createdAt: Date;
  revisions: string[];
  stragglerAfterMs: number;
}

const same = (a: string | null | undefined, revisions: string[]) =>
  !!a && revisions.some((r) => r.trim().toLowerCase() === a.trim().toLowerCase());

const later = (a: Date | null | undefined, b: Date | null | undefined): Date | null => {
  if (!a) return b ?? null;
  if (!b) return a;
  return a > b ? a : b;
};

/** The next state of one not-yet-activated agent, given what the console observes now. */
export function track(r: RolloutTarget, prev: TrackedAgent, o: AgentObservation, now: Date): TrackedAgent {
  if (prev.state === 'activated') return prev;
  let pushedAt = prev.pushedAt;
  // Offline at the deploy, it got the bundle on its reconnect (push on connect, decision 4).
  if (!pushedAt && o.connectedAt) pushedAt = o.connectedAt > r.createdAt ? o.connectedAt : r.createdAt;
  const lastContactAt = later(later(prev.lastContactAt, o.reportedAt), later(o.latestEventAt, o.connectedAt ? now : null));
  const reportedAfter = o.reportedAt && o.reportedAt >= r.createdAt;
  let lastRevision = prev.lastRevision;
  if (reportedAfter && o.reportedRevision) lastRevision = o.reportedRevision;
  if (o.latestEventAt && (!reportedAfter || o.latestEventAt >= o.reportedAt!)) lastRevision = o.latestEventRevision ?? lastRevision;

  const floor = pushedAt ?? r.createdAt;
  const candidates: { at: Date; via: 'connect' | 'event' }[] = [];
  if (reportedAfter && same(o.reportedRevision, r.revisions)) candidates.push({ at: o.reportedAt!, via: 'connect' });
  if (o.firstEventWithRevision) candidates.push({ at: o.firstEventWithRevision, via: 'event' });
  if (candidates.length > 0) {
    candidates.sort((a, b) => a.at.getTime() - b.at.getTime());
    const first = candidates[0]!;
    // Agent clocks drift; an activation is never before the push that made it possible.
    const at = first.at < floor ? floor : first.at;
    return { state: 'activated', reason: null, activatedVia: first.via, pushedAt: pushedAt ?? r.createdAt, activatedAt: at, lastRevision: r.revisions[0]!, lastContactAt };
  }
  const overdue = now.getTime() - floor.getTime() >= r.stragglerAfterMs;
  if (!overdue) return { ...prev, pushedAt, lastRevision, lastContactAt, state: 'pending', reason: null };
  let reason: StragglerReason = 'old_revision';
  if (!o.connectedAt) reason = 'offline';
  else if (pushedAt && o.latestEventAt && o.latestEventAt > pushedAt && o.latestEventRevision && !same(o.latestEventRevision, r.revisions)) {
    // It kept reporting another revision after the bundle reached it: it did not load it
    // (a signature it could not verify, a pinned key, a bundle it refused to parse).
    reason = 'refused';
  }
  return { ...prev, pushedAt, lastRevision, lastContactAt, state: 'straggler', reason };
}

export interface LatencySummary {
  p50Ms: number | null;
  p99Ms: number | null;
  /** Bucket upper bounds in ms (the last bucket has `leMs: null`: everything slower). */
  histogram: { leMs: number | null; count: number }[];
}

export const LATENCY_BUCKETS_MS = [1_000, 5_000, 15_000, 30_000, 60_000, 300_000, 900_000, 3_600_000];

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Deploy-to-activation latency of the activated agents: p50, p99 and a fixed-bucket histogram. */
export function latencySummary(latenciesMs: number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const histogram: LatencySummary['histogram'] = [...LATENCY_BUCKETS_MS.map((leMs) => ({ leMs, count: 0 })), { leMs: null, count: 0 }];
  for (const v of sorted) {
    const i = LATENCY_BUCKETS_MS.findIndex((le) => v <= le);
    histogram[i === -1 ? histogram.length - 1 : i]!.count++;
  }
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), histogram };
}

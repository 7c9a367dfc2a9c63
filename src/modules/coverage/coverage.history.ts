import type { Database } from '../../db/client.js';
import { notFound } from '../../platform/errors.js';
import { coverageRepository } from './coverage.repository.js';
import { COVERAGE_CACHE_MS, TtlCache } from './coverage.service.js';
import type { AgentHistoryT, HistoryEventT } from './coverage.schemas.js';

/** A run of consecutive events reporting one policy version. */
export interface PolicyRun {
  pv: string;
  start: string;
  last: string;
}

interface Deployment {
  bundle_name: string;
  bundle_version: number;
  deployed_by: string;
  created: string;
  revision_hash: string | null;
}

const blank = (type: HistoryEventT['type'], timestamp: string): HistoryEventT => ({
  type,
  timestamp,
  bundle_name: null,
  bundle_version: null,
  deployed_by: null,
  revision_hash: null,
  policy_version: null,
  drift_duration_seconds: null,
  expected_version: null,
  actual_version: null,
  environment: null,
});

/** Whole seconds from `a` to `b` (normalised ISO timestamps, microseconds kept). */
export function secondsBetween(a: string, b: string): number {
  const whole = (Date.parse(`${b.slice(0, 19)}Z`) - Date.parse(`${a.slice(0, 19)}Z`)) / 1000;
  const frac = (Number(b.slice(20, 26)) - Number(a.slice(20, 26))) / 1e6;
  return Math.trunc(whole + frac);
}

/** The version of the agent's last event before `t`: the last run that started before it. */
export function versionBefore(runs: PolicyRun[], t: string): string | null {
  let out: string | null = null;
  for (const r of runs) {
    if (r.start < t) out = r.pv;
    else break;
  }
  return out;
}

/**
 * The timeline (console-api.md 1.12): for each deployment in the agent's env, newest first, a
 * `deployment` entry; when the agent takes part in console versioning (some event ever reported
 * a deployed hash), `drift_detected` at the deployment unless the agent already reported the
 * hash at that instant, and `drift_resolved` when it first did; then `first_seen`.
 * `firstAt(run, from)` finds the first event at or after `from` within a run that straddles it.
 */
export async function buildTimeline(
  deployments: Deployment[],
  runs: PolicyRun[],
  firstAt: (run: PolicyRun, from: string) => Promise<string | null>,
): Promise<HistoryEventT[]> {
  const known = new Set(deployments.map((d) => d.revision_hash).filter((h): h is string => h !== null));
  const tracks = runs.some((r) => known.has(r.pv));
  const out: HistoryEventT[] = [];
  for (const d of deployments) {
    out.push({ ...blank('deployment', d.created), bundle_name: d.bundle_name, bundle_version: d.bundle_version, deployed_by: d.deployed_by, revision_hash: d.revision_hash });
    if (d.revision_hash === null || !tracks) continue;
    const hash = d.revision_hash;
    let sync: string | null = null;
    for (const r of runs) {
      if (r.pv !== hash || r.last < d.created) continue;
      sync = r.start >= d.created ? r.start : await firstAt(r, d.created);
      if (sync !== null) break;
    }
    const detected = { ...blank('drift_detected', d.created), expected_version: hash, actual_version: versionBefore(runs, d.created) };
    if (sync === null) {
      out.push(detected);
      continue;
    }
    const secs = secondsBetween(d.created, sync);
    if (secs > 0) {
      out.push(detected, { ...blank('drift_resolved', sync), policy_version: hash, drift_duration_seconds: secs });
    }
  }
  return out;
}

export async function agentHistory(database: Database, tenantId: string, agentId: string, limit: number): Promise<AgentHistoryT> {
  const [latest] = await coverageRepository.latestEvents(database, tenantId, [agentId], null);
  const first = latest ? await coverageRepository.firstEvent(database, tenantId, agentId) : null;
  if (!latest || !first) throw notFound('No events found for this agent', 'history.no_events');
  const env = latest.env;
  const firstSeen: HistoryEventT = { ...blank('first_seen', first.ts), environment: first.env ?? env ?? 'unknown' };
  if (!env) return { agent_id: agentId, environment: null, events: [firstSeen] };
  const deployments = await coverageRepository.deploymentHistory(database, tenantId, env, limit);
  if (deployments.length === 0) return { agent_id: agentId, environment: env, events: [firstSeen] };
  const runs = await coverageRepository.policyRuns(database, tenantId, agentId);
  const timeline = await buildTimeline(deployments, runs, (run, from) =>
    coverageRepository.firstWithVersion(database, tenantId, agentId, run.pv, from, run.last),
  );
  timeline.push(firstSeen);
  // Stable: entries sharing a timestamp keep their order (deployment before its drift_detected).
  timeline.sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
  return { agent_id: agentId, environment: env, events: timeline };
}

/**
 * History is rebuilt from every event of the agent that reports a policy version (one ordered
 * pass over them: ~1-2 s for an agent with 100k events on a busy 2-core machine), so answers are
 * kept 60 s per (tenant, agent, limit), like coverage.
 */
export function createHistoryService(database: Database, now: () => Date) {
  const cache = new TtlCache<AgentHistoryT>(COVERAGE_CACHE_MS, 1000, () => now().getTime());
  return {
    async history(tenantId: string, agentId: string, limit: number): Promise<AgentHistoryT> {
      const key = `${tenantId}:${agentId}:${limit}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const out = await agentHistory(database, tenantId, agentId, limit);
      cache.set(key, out);
      return out;
    },
  };
}

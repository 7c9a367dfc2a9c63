import type { Database } from '../../db/client.js';
import { notFound } from '../../platform/errors.js';
import { coverageRepository } from './coverage.repository.js';
import { COVERAGE_CACHE_MS, TtlCache } from './coverage.service.js';
import type { AgentHistoryT, HistoryEventT } from './coverage.schemas.js';
import { canonicalRevision, sameRevision } from '../fleet/drift.js';

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
 * The agent's bundle for drift (fleet/drift.ts: drift is per bundle): what its newest event or
 * its registration names, else the bundle of the newest deployed revision it ever reported.
 */
export function agentBundle(named: string | null, deployments: Deployment[], runs: PolicyRun[]): string | null {
  if (named) return named;
  for (let i = runs.length - 1; i >= 0; i--) {
    const d = deployments.find((x) => x.revision_hash !== null && sameRevision(x.revision_hash, runs[i]!.pv));
    if (d) return d.bundle_name;
  }
  return null;
}

/**
 * The timeline (console-api.md 1.12): for each deployment in the agent's env, newest first, a
 * `deployment` entry; when the agent takes part in console versioning (some event ever reported
 * a deployed hash) and the deployment is of the agent's bundle, `drift_detected` at the
 * deployment unless the agent was already running that revision then (identical revisions never
 * drift), and `drift_resolved` at its first event reporting it afterwards; then `first_seen`.
 */
export function buildTimeline(deployments: Deployment[], runs: PolicyRun[], bundle: string | null = null): HistoryEventT[] {
  const known = deployments.map((d) => d.revision_hash).filter((h): h is string => h !== null);
  const tracks = runs.some((r) => known.some((h) => sameRevision(h, r.pv)));
  const out: HistoryEventT[] = [];
  for (const d of deployments) {
    out.push({ ...blank('deployment', d.created), bundle_name: d.bundle_name, bundle_version: d.bundle_version, deployed_by: d.deployed_by, revision_hash: d.revision_hash });
    if (d.revision_hash === null || !tracks) continue;
    if (bundle !== null && d.bundle_name !== bundle) continue; // another bundle's deployment
    const hash = d.revision_hash;
    const running = versionBefore(runs, d.created);
    if (running !== null && sameRevision(running, hash)) continue;
    // Runs are consecutive and this one was not running at d.created: its first event is later.
    const sync = runs.find((r) => sameRevision(r.pv, hash) && r.start >= d.created)?.start ?? null;
    const detected = { ...blank('drift_detected', d.created), expected_version: hash, actual_version: running };
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
  const [reported, [reg], aliases] = await Promise.all([
    coverageRepository.policyRuns(database, tenantId, agentId),
    coverageRepository.registrations(database, tenantId, [agentId]),
    coverageRepository.revisionAliases(database, tenantId),
  ]);
  // A current-generation agent reports its Ruleset rendering's hash: the same deployment (fleet/drift.ts).
  const runs = aliases.size === 0 ? reported : reported.map((r) => ({ ...r, pv: canonicalRevision(r.pv, aliases) ?? r.pv }));
  const timeline = buildTimeline(deployments, runs, agentBundle(latest.bundle_name ?? reg?.bundle_name ?? null, deployments, runs));
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

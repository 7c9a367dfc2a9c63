/**
 * Drift, one definition for every view (the fleet card and table, the agent page, its history;
 * docs/api.md "Drift"): an agent drifts when the revision it runs differs from the revision of
 * the current deployment of ITS bundle in ITS env (decision 10, per bundle, never "whatever was
 * deployed last in the env").
 *
 * The revision it runs: while it holds a stream, the one on its live connection (reported on
 * connect, then each revision the console delivered on it), unless an event newer than the
 * connection reports another (the SDK stamps the revision it enforces on every event, so an
 * agent that refused a delivery, e.g. one pinning an old signing key, shows it); when offline,
 * its newest event's policy_version, else its registration's last report.
 * Unknown when the bundle, the revision or a deployment of that bundle in that env is missing.
 *
 * Canary: an agent in the slice of a live canary of its bundle in its env (docs/rollouts.md) is
 * meant to run the canary's version, not the deployment's: running it is `canary`, not drift.
 */

export type DriftStatus = 'current' | 'drift' | 'canary' | 'unknown';

export interface LiveRevision {
  env: string;
  bundleName: string | null;
  policyVersion: string | null;
  connectedAt?: Date;
}

export interface EventRevision {
  /** The event's timestamp (ISO). */
  ts?: string;
  env: string | null;
  bundle_name: string | null;
  policy_version: string | null;
}

export interface RegistrationRevision {
  bundle_name: string | null;
  last_policy_version: string | null;
}

export interface RunningRevision {
  env: string | null;
  bundle: string | null;
  revision: string | null;
  source: 'live' | 'event' | 'registration' | 'none';
}

/** What the agent runs, by the rule above. */
export function runningRevision(
  live: LiveRevision | undefined,
  latest: EventRevision | undefined,
  reg: RegistrationRevision | undefined,
): RunningRevision {
  if (live) {
    const newer = latest?.policy_version && latest.ts && live.connectedAt && Date.parse(latest.ts) > live.connectedAt.getTime();
    if (newer) return { env: live.env, bundle: live.bundleName, revision: latest.policy_version, source: 'event' };
    return { env: live.env, bundle: live.bundleName, revision: live.policyVersion, source: 'live' };
  }
  if (latest?.policy_version) {
    return { env: latest.env, bundle: latest.bundle_name ?? reg?.bundle_name ?? null, revision: latest.policy_version, source: 'event' };
  }
  if (reg?.last_policy_version) {
    return { env: latest?.env ?? null, bundle: latest?.bundle_name ?? reg.bundle_name, revision: reg.last_policy_version, source: 'registration' };
  }
  return { env: latest?.env ?? null, bundle: latest?.bundle_name ?? reg?.bundle_name ?? null, revision: null, source: 'none' };
}

/** Revision hashes are hex: case and surrounding space never make two of them differ. */
export function sameRevision(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export function driftStatus(running: string | null, deployed: string | null): DriftStatus {
  if (!running || !deployed) return 'unknown';
  return sameRevision(running, deployed) ? 'current' : 'drift';
}

/** Several streams of one agent: the newest connection speaks for it. */
export function newestLive<T extends { agentId: string; connectedAt: Date }>(rows: T[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const r of rows) {
    const seen = out.get(r.agentId);
    if (!seen || seen.connectedAt < r.connectedAt) out.set(r.agentId, r);
  }
  return out;
}

/**
 * A current-generation agent reports the revision of the `Ruleset` rendering it was served
 * (decision 16: each rendering has its own hash). Drift compares against the canonical
 * (`ContractBundle`) revision, so every reported revision is first mapped through the tenant's
 * rendering aliases (ruleset hash -> bundle hash); a hash that is no alias is kept as is.
 */
export type RevisionAliases = ReadonlyMap<string, string>;

export function canonicalRevision(revision: string | null, aliases: RevisionAliases): string | null {
  if (revision === null) return null;
  return aliases.get(revision.trim().toLowerCase()) ?? revision;
}

/** Both renderings' hashes of the version a live canary delivers to its slice. */
export interface CanaryRevision {
  revision: string;
  ruleset: string | null;
}

/** Live canary slices by env, bundle and agent (canaryRepository.liveSlices rows). */
export type CanarySlices = ReadonlyMap<string, CanaryRevision>;

export const sliceKey = (env: string, bundle: string, agentId: string) => `${env}\u0000${bundle}\u0000${agentId}`;

export function canarySlices(rows: { env: string; bundleName: string; agentId: string; revisionHash: string; rulesetRevisionHash: string | null }[]): CanarySlices {
  return new Map(rows.map((r) => [sliceKey(r.env, r.bundleName, r.agentId), { revision: r.revisionHash, ruleset: r.rulesetRevisionHash }]));
}

/**
 * A drifted agent that runs the version its live canary slice delivers is `canary` (intended);
 * any other status, or a slice agent on a third revision, is left as it is.
 */
export function withCanary(status: DriftStatus, running: string | null, canary: CanaryRevision | undefined): DriftStatus {
  if (status !== 'drift' || !canary || !running) return status;
  return sameRevision(running, canary.revision) || (canary.ruleset !== null && sameRevision(running, canary.ruleset)) ? 'canary' : status;
}

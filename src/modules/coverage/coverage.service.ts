import type { Database } from '../../db/client.js';
import { badRequest, notFound } from '../../platform/errors.js';
import { normaliseTimestamp } from '../events/events.canonical.js';
import { bundleMatchers, classifyTools, manifestMatchers, parseSince, summarise, type Matcher, type ToolRow } from './coverage.matching.js';
import { coverageRepository, type DeployedBundle } from './coverage.repository.js';
import type { AgentCoverageT, FleetAgentT, FleetCoverageT } from './coverage.schemas.js';
import { liveConnectionsRepository } from '../stream/live-connections.repository.js';
import { canaryRepository } from '../rollouts/canary.repository.js';
import {
  canarySlices,
  canonicalRevision,
  driftStatus as computeDrift,
  newestLive,
  runningRevision,
  type DriftStatus,
  type EventRevision,
  type LiveRevision,
  type RegistrationRevision,
  type RevisionAliases,
  type CanaryRevision,
  sliceKey,
  withCanary,
} from '../fleet/drift.js';

/** Coverage answers are cached this long (the reference's 60 s), per process. */
export const COVERAGE_CACHE_MS = 60_000;
const CACHE_MAX_ENTRIES = 1000;

/** A small TTL map with a size bound (oldest entries go first). */
export class TtlCache<V> {
  private readonly map = new Map<string, { at: number; value: V }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number,
  ) {}
  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (this.now() - hit.at >= this.ttlMs) {
      this.map.delete(key);
      return undefined;
    }
    return hit.value;
  }
  set(key: string, value: V): void {
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    this.map.set(key, { at: this.now(), value });
  }
}

const parseIso = (s: string) => normaliseTimestamp(s, false)?.epochMs ?? null;

export function resolveSince(since: string | undefined, now: Date): Date {
  const r = parseSince(since, now, parseIso);
  if ('error' in r) throw badRequest(r.error, 'coverage.bad_since');
  return r.at;
}

export function createCoverageService(database: Database, now: () => Date) {
  const cache = new TtlCache<AgentCoverageT>(COVERAGE_CACHE_MS, CACHE_MAX_ENTRIES, () => now().getTime());
  // Bundles are immutable per (tenant, name, version): their parsed contracts are kept.
  const matcherCache = new Map<string, Matcher[]>();

  async function matchersOf(tenantId: string, b: DeployedBundle): Promise<Matcher[]> {
    const key = `${tenantId}:${b.name}:${b.version}`;
    const hit = matcherCache.get(key);
    if (hit) return hit;
    const yaml = await coverageRepository.bundleYaml(database, tenantId, b.name, b.version);
    const matchers = yaml === null ? [] : bundleMatchers(yaml, b.name, b.version);
    if (matcherCache.size >= 256) matcherCache.clear();
    matcherCache.set(key, matchers);
    return matchers;
  }

  /** Contracts deployed to `env` (every bundle's current version, newest deployment first). */
  async function envMatchers(tenantId: string, env: string): Promise<{ matchers: Matcher[]; deployed: DeployedBundle | null }> {
    const deployed = await coverageRepository.deployedIn(database, tenantId, env);
    const matchers: Matcher[] = [];
    for (const b of deployed) matchers.push(...(await matchersOf(tenantId, b)));
    return { matchers, deployed: deployed[0] ?? null };
  }

  return {
    envMatchers,

    async agentCoverage(tenantId: string, agentId: string, sinceText: string | undefined, includeVerdicts: boolean): Promise<AgentCoverageT> {
      const at = now();
      const since = resolveSince(sinceText, at);
      const key = `${tenantId}:${agentId}:${Math.floor(since.getTime() / 60_000)}:${includeVerdicts}`;
      const cached = cache.get(key);
      if (cached) return cached;

      const rows = await coverageRepository.toolRows(database, tenantId, agentId, since.toISOString(), null);
      if (rows.length === 0) throw notFound(`No events found for agent '${agentId}'`, 'coverage.no_events');
      const tools: ToolRow[] = rows.map((r) => ({
        tool_name: r.tool_name,
        event_count: Number(r.n),
        last_used: r.last,
        ...(includeVerdicts ? { deny_count: Number(r.deny), allow_count: Number(r.allow), observe_count: Number(r.observe) } : {}),
      }));
      const [latest] = await coverageRepository.latestEvents(database, tenantId, [agentId], null);
      const time_window = { since: since.toISOString(), until: at.toISOString() };
      const env = latest?.env ?? null;
      let result: AgentCoverageT;
      if (env === null) {
        result = { agent_id: agentId, environment: 'unknown', time_window, deployed_bundle: null, tools: [], summary: summarise([]) };
      } else {
        const { matchers, deployed } = await envMatchers(tenantId, env);
        let classified;
        if (matchers.length > 0) classified = classifyTools(tools, matchers, 'console');
        else {
          const [reg] = await coverageRepository.registrations(database, tenantId, [agentId]);
          classified = classifyTools(tools, manifestMatchers(reg?.manifest ?? null), 'local');
        }
        result = {
          agent_id: agentId,
          environment: env,
          time_window,
          deployed_bundle: deployed ? { name: deployed.name, version: deployed.version, revision_hash: deployed.revision_hash } : null,
          tools: classified,
          summary: summarise(classified),
        };
      }
      cache.set(key, result);
      return result;
    },

    async fleetCoverage(tenantId: string, sinceText: string | undefined, envFilter: string | null): Promise<FleetCoverageT> {
      const at = now();
      const since = resolveSince(sinceText, at);
      const rows = await coverageRepository.fleetToolRows(database, tenantId, since.toISOString(), envFilter);
      const byAgent = new Map<string, ToolRow[]>();
      for (const r of rows) {
        const list = byAgent.get(r.agent_id) ?? [];
        list.push({ tool_name: r.tool_name, event_count: Number(r.n), last_used: r.last });
        byAgent.set(r.agent_id, list);
      }
      const agentIds = [...byAgent.keys()];
      const [latest, regs, deployments, liveRows, aliases, sliceRows] = await Promise.all([
        coverageRepository.latestEvents(database, tenantId, agentIds, envFilter),
        coverageRepository.registrations(database, tenantId, agentIds),
        coverageRepository.deployedIn(database, tenantId, null),
        liveConnectionsRepository.listTenant(database.db, tenantId),
        coverageRepository.revisionAliases(database, tenantId),
        canaryRepository.liveSlices(database.db, tenantId),
      ]);
      const slices = canarySlices(sliceRows);
      const liveBy = newestLive(liveRows);
      const latestBy = new Map(latest.map((l) => [l.agent_id, l]));
      const regBy = new Map(regs.map((r) => [r.agent_id, r]));
      const envCache = new Map<string, Matcher[]>();
      const matchersFor = async (env: string) => {
        let m = envCache.get(env);
        if (!m) envCache.set(env, (m = (await envMatchers(tenantId, env)).matchers));
        return m;
      };
      const agents: FleetAgentT[] = [];
      const ungoverned = new Map<string, Set<string>>();
      for (const [agentId, tools] of byAgent) {
        const last = latestBy.get(agentId);
        const reg = regBy.get(agentId);
        const env = envFilter ?? last?.env ?? null;
        const matchers = env === null ? [] : await matchersFor(env);
        const { agent, ungovernedTools } = fleetAgent(agentId, env, tools, matchers, reg?.manifest ?? null);
        agent.drift_status = driftStatus(env, last, reg, deployments, liveBy.get(agentId), aliases, (e, b) => slices.get(sliceKey(e, b, agentId)));
        agents.push(agent);
        for (const tool of ungovernedTools) (ungoverned.get(tool) ?? ungoverned.set(tool, new Set()).get(tool)!).add(agentId);
      }
      return { time_window: { since: since.toISOString(), until: at.toISOString() }, agents, fleet_summary: fleetSummary(agents, ungoverned) };
    },
  };
}

/** One agent's row of the fleet view (an agent without env cannot be matched: all ungoverned). */
function fleetAgent(agentId: string, env: string | null, tools: ToolRow[], matchers: Matcher[], manifest: unknown) {
  const classified =
    env === null ? classifyTools(tools, [], 'console') : matchers.length > 0 ? classifyTools(tools, matchers, 'console') : classifyTools(tools, manifestMatchers(manifest), 'local');
  const s = summarise(classified);
  const agent: FleetAgentT = {
    agent_id: agentId,
    environment: env ?? 'unknown',
    total_tools: s.total_tools,
    enforced: env === null ? 0 : s.enforced,
    observed: env === null ? 0 : s.observed,
    ungoverned: env === null ? s.total_tools : s.ungoverned,
    coverage_pct: env === null ? 0 : s.coverage_pct,
    drift_status: 'unknown',
    last_seen: tools.reduce((m, t) => (t.last_used > m ? t.last_used : m), '') || null,
    event_count_24h: tools.reduce((n, t) => n + t.event_count, 0),
  };
  return { agent, ungovernedTools: classified.filter((t) => t.status === 'ungoverned').map((t) => t.tool_name) };
}

function fleetSummary(agents: FleetAgentT[], ungoverned: Map<string, Set<string>>): FleetCoverageT['fleet_summary'] {
  const tools = [...ungoverned.entries()]
    .map(([tool_name, ids]) => ({ tool_name, agent_count: ids.size, agent_ids: [...ids].sort() }))
    .sort((a, b) => b.agent_count - a.agent_count);
  return {
    total_agents: agents.length,
    fully_enforced: agents.filter((a) => a.ungoverned === 0 && a.observed === 0).length,
    with_ungoverned: agents.filter((a) => a.ungoverned > 0).length,
    with_drift: agents.filter((a) => a.drift_status === 'drift').length,
    total_ungoverned_tools: tools.length,
    ungoverned_tools: tools,
  };
}

/**
 * Drift per bundle (decision 10), by the one definition in fleet/drift.ts: the revision the
 * agent runs (its live connection's, else its newest event's, else its registration's) against
 * the current deployment of ITS bundle in ITS env.
 */
export function driftStatus(
  env: string | null,
  latest: Omit<EventRevision, 'env'> & { env?: string | null } | undefined,
  reg: RegistrationRevision | undefined,
  deployments: DeployedBundle[],
  live?: LiveRevision,
  aliases: RevisionAliases = new Map(),
  canaryFor: (env: string, bundle: string) => CanaryRevision | undefined = () => undefined,
): DriftStatus {
  const running = runningRevision(live, latest ? { ...latest, env: latest.env ?? env } : undefined, reg);
  const runEnv = running.env ?? env;
  if (runEnv === null || running.bundle === null) return 'unknown';
  const current = deployments.find((d) => d.env === runEnv && d.name === running.bundle);
  const status = computeDrift(canonicalRevision(running.revision, aliases), current?.revision_hash ?? null);
  return withCanary(status, running.revision, canaryFor(runEnv, running.bundle));
}

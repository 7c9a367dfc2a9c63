import type { Database } from '../../db/client.js';
import type { Principal } from '../../platform/auth.js';
import { fieldError } from '../../platform/errors.js';
import { statsRepository } from './stats.repository.js';
import type { ContractStatsQueryT, ContractStatsT, StatsOverviewT } from './stats.schemas.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export function createStatsService(database: Database, now: () => Date) {
  return {
    /** console-api.md 1.11; an API key sees its own env only. */
    async overview(p: Principal): Promise<StatsOverviewT> {
      const env = p.kind === 'apiKey' ? p.env : null;
      const t = now().getTime();
      const [pending, day, total] = await Promise.all([
        statsRepository.pendingApprovals(database, p.tenantId, env),
        statsRepository.lastDay(database, p.tenantId, env, new Date(t - DAY_MS).toISOString(), new Date(t - HOUR_MS).toISOString()),
        statsRepository.distinctAgents(database, p.tenantId, env),
      ]);
      return {
        pending_approvals: pending,
        active_agents: day.active,
        total_agents: total,
        events_24h: day.events,
        denials_24h: day.denials,
        observe_findings_24h: day.observe,
        contracts_triggered_24h: day.contracts,
      };
    },

    /** Per-contract counts (grouped by decision_name) over a window, default the last 24 h. */
    async contracts(tenantId: string, q: ContractStatsQueryT): Promise<ContractStatsT> {
      const until = q.until?.iso ?? new Date(now().getTime()).toISOString();
      const since = q.since?.iso ?? new Date(Date.parse(until) - DAY_MS).toISOString();
      if (Date.parse(since) > Date.parse(until)) throw fieldError(['query', 'since'], 'must not be after until');
      const [rows, total] = await Promise.all([
        statsRepository.contracts(database, tenantId, since, until),
        statsRepository.eventsBetween(database, tenantId, since, until),
      ]);
      return {
        coverage: rows.map((r) => ({
          decision_name: r.decision_name,
          total_evaluations: Number(r.total),
          total_denials: Number(r.denials),
          total_warnings: Number(r.warnings),
          last_triggered: r.last,
        })),
        total_events: total,
        period_start: since,
        period_end: until,
      };
    },
  };
}

import { z } from 'zod';
import { queryTimestamp } from '../events/events.schemas.js';

export const StatsOverview = z.object({
  pending_approvals: z.number().int(),
  active_agents: z.number().int(),
  total_agents: z.number().int(),
  events_24h: z.number().int(),
  denials_24h: z.number().int(),
  observe_findings_24h: z.number().int(),
  contracts_triggered_24h: z.number().int(),
});
export type StatsOverviewT = z.output<typeof StatsOverview>;

export const ContractStatsQuery = z.object({ since: queryTimestamp.optional(), until: queryTimestamp.optional() });
export type ContractStatsQueryT = z.output<typeof ContractStatsQuery>;

export const ContractStats = z.object({
  coverage: z.array(
    z.object({
      decision_name: z.string(),
      total_evaluations: z.number().int(),
      total_denials: z.number().int(),
      total_warnings: z.number().int(),
      last_triggered: z.string().nullable(),
    }),
  ),
  total_events: z.number().int(),
  period_start: z.string(),
  period_end: z.string(),
});
export type ContractStatsT = z.output<typeof ContractStats>;

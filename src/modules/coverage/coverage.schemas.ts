import { z } from 'zod';
import { envName, text } from '../../platform/zod-fastify.js';

const TimeWindow = z.object({ since: z.string(), until: z.string() });
const Summary = z.object({
  total_tools: z.number().int(),
  enforced: z.number().int(),
  observed: z.number().int(),
  ungoverned: z.number().int(),
  coverage_pct: z.number().int(),
});

export const AgentIdParams = z.strictObject({ agent_id: text(255).pipe(z.string().min(1, 'must not be empty')) });

const since = text(64).optional();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'must be a boolean' })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

export const CoverageQuery = z.object({ since, include_verdicts: bool.default(false) });
export type CoverageQueryT = z.output<typeof CoverageQuery>;
export const FleetQuery = z.object({ since, env: envName.optional() });
export type FleetQueryT = z.output<typeof FleetQuery>;
export const HistoryQuery = z.object({ limit: z.coerce.number().int('must be an integer').min(1).max(200).default(50) });

export const ToolCoverage = z.object({
  tool_name: z.string(),
  status: z.enum(['enforced', 'observed', 'ungoverned']),
  contract_name: z.string().nullable(),
  contract_type: z.string().nullable(),
  mode: z.string().nullable(),
  bundle_name: z.string().nullable(),
  source: z.enum(['console', 'local']).nullable(),
  event_count: z.number().int(),
  last_used: z.string(),
  deny_count: z.number().int().optional(),
  allow_count: z.number().int().optional(),
  observe_count: z.number().int().optional(),
});

export const AgentCoverage = z.object({
  agent_id: z.string(),
  environment: z.string(),
  time_window: TimeWindow,
  deployed_bundle: z.object({ name: z.string(), version: z.number().int(), revision_hash: z.string() }).nullable(),
  tools: z.array(ToolCoverage),
  summary: Summary,
});
export type AgentCoverageT = z.output<typeof AgentCoverage>;

export const FleetAgent = Summary.extend({
  agent_id: z.string(),
  environment: z.string(),
  drift_status: z.enum(['current', 'drift', 'canary', 'unknown']),
  last_seen: z.string().nullable(),
  event_count_24h: z.number().int(),
});
export type FleetAgentT = z.output<typeof FleetAgent>;

export const FleetCoverage = z.object({
  time_window: TimeWindow,
  agents: z.array(FleetAgent),
  fleet_summary: z.object({
    total_agents: z.number().int(),
    fully_enforced: z.number().int(),
    with_ungoverned: z.number().int(),
    with_drift: z.number().int(),
    total_ungoverned_tools: z.number().int(),
    ungoverned_tools: z.array(z.object({ tool_name: z.string(), agent_count: z.number().int(), agent_ids: z.array(z.string()) })),
  }),
});
export type FleetCoverageT = z.output<typeof FleetCoverage>;

export const HistoryEvent = z.object({
  type: z.enum(['deployment', 'drift_resolved', 'drift_detected', 'first_seen']),
  timestamp: z.string(),
  bundle_name: z.string().nullable(),
  bundle_version: z.number().int().nullable(),
  deployed_by: z.string().nullable(),
  revision_hash: z.string().nullable(),
  policy_version: z.string().nullable(),
  drift_duration_seconds: z.number().int().nullable(),
  expected_version: z.string().nullable(),
  actual_version: z.string().nullable(),
  environment: z.string().nullable(),
});
export type HistoryEventT = z.output<typeof HistoryEvent>;

export const AgentHistory = z.object({ agent_id: z.string(), environment: z.string().nullable(), events: z.array(HistoryEvent) });
export type AgentHistoryT = z.output<typeof AgentHistory>;

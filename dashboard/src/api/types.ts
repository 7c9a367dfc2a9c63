// Wire types of the console API, inferred from the zod schemas the server validates and
// serialises with (src/modules/<area>/<area>.schemas.ts), so a field the server renames or
// drops breaks `typecheck` here instead of a page at run time.
//
// Type-only: every import below is `import type`, which the bundler erases, so no server code
// reaches the dashboard bundle. `@server/*` is a tsconfig path only; vite.config.ts has no such
// alias on purpose, so an accidental value import fails the build instead of bundling the server.
//
// Responses use `z.infer` (what the server sends); request bodies and queries use `z.input`
// (what the server accepts before its defaults and transforms). A few types stay hand-written
// because the server has no exported schema for them: see the notes at each.
import type { z } from 'zod';
import type { ApprovalResponse, DecideBody } from '@server/modules/approvals/approvals.schemas';
import type { LoginBody, MeResponse } from '@server/modules/auth/auth.schemas';
import type {
  BundleResponse,
  BundleSummary as BundleSummarySchema,
  BundleWithDeployments as BundleWithDeploymentsSchema,
  DeploymentResponse,
  RotateResponse,
  SigningKeyResponse,
} from '@server/modules/bundles/bundles.schemas';
import type {
  AgentCoverage as AgentCoverageSchema,
  AgentHistory as AgentHistorySchema,
  FleetAgent as FleetAgentSchema,
  FleetCoverage as FleetCoverageSchema,
  HistoryEvent,
  ToolCoverage as ToolCoverageSchema,
} from '@server/modules/coverage/coverage.schemas';
import type {
  EventOut,
  EventsQuery,
  FacetName as ServerFacetName,
  FacetsOut,
  HistogramBucket as HistogramBucketSchema,
  PurgeResult as PurgeResultSchema,
} from '@server/modules/events/events.schemas';
import type {
  AgentStatus as AgentStatusSchema,
  CreateRuleBody,
  PatchRegistrationBody,
  Registration,
  ResolutionResponse,
  Rule,
  UpdateRuleBody,
} from '@server/modules/fleet/fleet.schemas';
import type { CreatedApiKey as CreatedApiKeySchema, ApiKeySummary, CreateKeyBody } from '@server/modules/keys/keys.schemas';
import type { ChannelType as ServerChannelType } from '@server/modules/notifications/channel-config';
import type {
  ChannelResponse,
  CreateChannelBody,
  Delivery,
  TestChannelBody,
  TestResult,
  UpdateChannelBody,
} from '@server/modules/notifications/notifications.schemas';
import type { Filters } from '@server/modules/notifications/routing';
import type { AgentLabelsResponse, FleetLabels as FleetLabelsSchema, RuleLabelsResponse } from '@server/modules/rollouts/rollouts.schemas';
import type { SetupBody, SetupResponse as SetupResponseSchema } from '@server/modules/setup/setup.schemas';
import type { ContractStats as ContractStatsSchema, StatsOverview as StatsOverviewSchema } from '@server/modules/stats/stats.schemas';

export type ISODate = string;

// ---- health (1.1) ----
// Hand-written: src/modules/health/health.routes.ts declares its response schemas (`Details`,
// the public `{status, bootstrap_complete}`) inline without exporting them.
export interface Health {
  status: 'ok';
  bootstrap_complete: boolean;
}

export type WorkerState = 'running' | 'stopped' | 'crashed';

export interface HealthDetails {
  status: 'ok' | 'degraded';
  version: string;
  auth_provider: string;
  bootstrap_complete: boolean;
  base_url_https: boolean;
  database: { connected: boolean; latency_ms: number | null; kind?: string };
  /** `configured` is ours: false when the console runs without Redis */
  redis: { connected: boolean; latency_ms: number | null; configured?: boolean } | null;
  connected_agents: number;
  workers: Record<string, WorkerState | string>;
  // ours, beyond the reference
  storage_mode?: string;
  push_bus?: { kind: string; healthy: boolean };
  leader?: boolean;
  failing_channels?: { id: string; name: string; channel_type: string; last_error: string | null }[];
}

// ---- setup and auth (1.2, 1.3) ----
// `setup_token` (issue 12): the one-time token the console prints until it is claimed. Spelled
// out here too so the page compiles against a server schema with or without it.
export type SetupRequest = z.input<typeof SetupBody> & { setup_token?: string };
export type SetupResponse = z.infer<typeof SetupResponseSchema>;
export type LoginRequest = z.input<typeof LoginBody>;
export type Me = z.infer<typeof MeResponse>;

// ---- API keys (1.4) ----
export type ApiKey = z.infer<typeof ApiKeySummary>;
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;
export type CreateKeyRequest = z.input<typeof CreateKeyBody>;

// ---- bundles and deployments (1.5, 1.6) ----
export type Bundle = z.infer<typeof BundleResponse>;
export type BundleWithDeployments = z.infer<typeof BundleWithDeploymentsSchema>;
export type BundleSummary = z.infer<typeof BundleSummarySchema>;
export type Deployment = z.infer<typeof DeploymentResponse>;
export type SigningKey = z.infer<typeof SigningKeyResponse>;

// ---- events (1.8) ----
/**
 * The SDK's payload (sdk-contract.md 6). The server's schema keeps `payload` an opaque object
 * (it stores what the SDK sends), so the keys the dashboard reads are spelled out here.
 */
export interface EventPayload {
  tool_args?: Record<string, unknown> | null;
  side_effect?: string | null;
  environment?: string | null;
  principal?: Record<string, unknown> | null;
  decision_source?: string | null;
  decision_name?: string | null;
  reason?: string | null;
  policy_version?: string | null;
  bundle_name?: string | null;
  [key: string]: unknown;
}
export type AuditEvent = Omit<z.infer<typeof EventOut>, 'payload'> & { payload: EventPayload | null };
/** Filters may repeat (`verdict=a&verdict=b`): values OR within a filter, AND across filters. */
// `limit` is coerced from the query string by the server (its input type is unknown).
export type EventQuery = Omit<z.input<typeof EventsQuery>, 'limit'> & { limit?: number };
export type FacetName = ServerFacetName;
export type EventFacets = z.infer<typeof FacetsOut>;
export type HistogramBucket = z.infer<typeof HistogramBucketSchema>;

// ---- approvals (1.10) ----
export type Approval = z.infer<typeof ApprovalResponse>;
export type ApprovalStatus = Approval['status'];
export type DecideRequest = z.input<typeof DecideBody>;
/** `kind` is ours: `request` (the ask) or `outcome` (the edit/notice after a decision). */
export type ApprovalDelivery = z.infer<typeof Delivery>;

// ---- stats (1.11) ----
export type StatsOverview = z.infer<typeof StatsOverviewSchema>;
export type ContractStats = z.infer<typeof ContractStatsSchema>;

// ---- agents (1.12, 1.13, 1.14) ----
export type AgentStatus = z.infer<typeof AgentStatusSchema>;
export type DriftStatus = AgentStatus['status'];
export type FleetAgent = z.infer<typeof FleetAgentSchema>;
export type FleetCoverage = z.infer<typeof FleetCoverageSchema>;
export type ToolCoverage = z.infer<typeof ToolCoverageSchema>;
export type ToolStatus = ToolCoverage['status'];
export type AgentCoverage = z.infer<typeof AgentCoverageSchema>;
export type AgentHistoryEvent = z.infer<typeof HistoryEvent>;
export type AgentHistory = z.infer<typeof AgentHistorySchema>;
export type AgentRegistration = z.infer<typeof Registration>;
export type AgentRegistrationPatch = z.input<typeof PatchRegistrationBody>;
export type AssignmentRule = z.infer<typeof Rule>;
export type AssignmentRuleInput = z.input<typeof CreateRuleBody>;
export type AssignmentRuleUpdate = z.input<typeof UpdateRuleBody>;
export type ResolveResult = z.infer<typeof ResolutionResponse>;
/** Labels (docs/rollouts.md): set on an agent, or given by a labelled rule to the agents it matches. */
export type FleetLabels = z.infer<typeof FleetLabelsSchema>;
export type AgentLabels = z.infer<typeof AgentLabelsResponse>;
export type RuleLabels = z.infer<typeof RuleLabelsResponse>;

// ---- notifications (1.17) ----
export type ChannelType = ServerChannelType;
export type ChannelFilters = z.infer<typeof Filters>;
/**
 * The server's response schema types `channel_type` as any string (it serialises the stored
 * column); the dashboard keys its per-type forms on the closed set the server accepts on create.
 */
export type NotificationChannel = Omit<z.infer<typeof ChannelResponse>, 'channel_type'> & { channel_type: ChannelType };
export type ChannelCreate = z.input<typeof CreateChannelBody>;
export type ChannelUpdate = z.input<typeof UpdateChannelBody>;
export type ChannelTest = z.input<typeof TestChannelBody>;
export type ChannelTestResult = z.infer<typeof TestResult>;

// ---- settings (1.18) ----
export type RotateKeyResult = z.infer<typeof RotateResponse>;
export type PurgeResult = z.infer<typeof PurgeResultSchema>;

// ---- dashboard stream (2.2) ----
// Hand-written: the server publishes these payloads without a zod schema
// (src/modules/stream/dashboard-streams.ts lists only the names).
export interface LiveEventMap {
  api_key_created: { key_id: string; env: string; label: string | null };
  api_key_revoked: { key_id: string };
  approval_created: { approval_id: string; agent_id: string; tool_name: string; message: string };
  approval_decided: { approval_id: string; status: 'approved' | 'denied'; decided_by: string };
  approval_timeout: { approval_id: string; agent_id: string; tool_name: string };
  assignment_changed:
    | { agent_id: string; bundle_name: string | null; source: 'explicit' }
    | { rule_id: string; action: 'created' | 'updated' | 'deleted' };
  bundle_deployed: { bundle_name: string; version: number; env: string; deployed_by: string };
  bundle_uploaded: { bundle_name: string; version: number; revision_hash: string; uploaded_by: string };
  contract_update: { bundle_name: string; version: number; revision_hash: string };
  event_created: { accepted: number };
  signing_key_rotated: { public_key: string };
  agent_connected: { agent_id: string; env?: string; bundle_name?: string | null };
  agent_disconnected: { agent_id: string; env?: string };
  contract_created: { contract_id: string; version?: number };
  contract_updated: { contract_id: string; version?: number };
  composition_changed: { composition_name: string };
  rollout_updated: { rollout_id: string; action: string };
  /** A replay job's progress (at most twice a second) and, with another status, its end. */
  replay_progress: {
    job_id: string;
    status: 'running' | 'done' | 'failed' | 'cancelled';
    processed: number;
    total?: number;
    counts: { newly_denied: number; newly_allowed: number; newly_approval: number; newly_observed: number; unchanged: number };
  };
}
export type LiveEventName = keyof LiveEventMap;
export const LIVE_EVENT_NAMES: readonly LiveEventName[] = [
  'api_key_created',
  'api_key_revoked',
  'approval_created',
  'approval_decided',
  'approval_timeout',
  'assignment_changed',
  'bundle_deployed',
  'bundle_uploaded',
  'contract_update',
  'event_created',
  'signing_key_rotated',
  'agent_connected',
  'agent_disconnected',
  'contract_created',
  'contract_updated',
  'composition_changed',
  'rollout_updated',
  'replay_progress',
];

// Wire types of the console API, field names exactly as in the reference (console-api.md).
// Kept in one file on purpose: when the server exports its zod schemas from
// src/modules/<area>/<area>.schemas.ts, each block here becomes `z.infer<typeof …>` imports.

export type ISODate = string;

// ---- health (1.1) ----
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
export interface SetupRequest {
  email: string;
  password: string;
  tenant_name?: string;
}
export interface SetupResponse {
  message: string;
  user_id: string;
  tenant_id: string;
}
export interface LoginRequest {
  email: string;
  password: string;
}
export interface Me {
  user_id: string;
  tenant_id: string;
  email: string;
  is_admin: boolean;
}

// ---- API keys (1.4) ----
export interface ApiKey {
  id: string;
  prefix: string;
  env: string;
  label: string | null;
  created_at: ISODate;
  /** ours, beyond the reference */
  last_used_at?: ISODate | null;
}
export interface CreatedApiKey {
  id: string;
  key: string;
  prefix: string;
  env: string;
  label: string | null;
  created_at: ISODate;
}
export interface CreateKeyRequest {
  env: string;
  label?: string;
}

// ---- bundles and deployments (1.5, 1.6) ----
export interface Bundle {
  id: string;
  tenant_id: string;
  name: string;
  version: number;
  revision_hash: string;
  signature_hex: string | null;
  source_hub_slug: string | null;
  source_hub_revision: string | null;
  uploaded_by: string;
  created_at: ISODate;
}
export interface BundleWithDeployments extends Bundle {
  deployed_envs: string[];
}
export interface BundleSummary {
  name: string;
  latest_version: number;
  version_count: number;
  last_updated: ISODate;
  deployed_envs: string[];
  contract_count: number | null;
  last_deployed_at: ISODate | null;
}
export interface Deployment {
  id: string;
  env: string;
  bundle_name: string;
  bundle_version: number;
  deployed_by: string;
  created_at: ISODate;
}
export interface SigningKey {
  public_key: string;
  created_at: ISODate;
}

// ---- events (1.8) ----
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
export interface AuditEvent {
  id: string;
  call_id: string;
  agent_id: string;
  tool_name: string;
  verdict: string;
  mode: string;
  timestamp: ISODate;
  payload: EventPayload | null;
  created_at: ISODate;
  /** may be present on our server; otherwise payload.environment */
  env?: string | null;
}
/** Filters may repeat (`verdict=a&verdict=b`): values OR within a filter, AND across filters. */
export interface EventQuery {
  agent_id?: string | string[];
  tool_name?: string | string[];
  verdict?: string | string[];
  mode?: string | string[];
  env?: string | string[];
  contract?: string | string[];
  q?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}
export type FacetName = 'agent_id' | 'tool_name' | 'verdict' | 'mode' | 'env' | 'decision_name';
export interface EventFacets {
  facets: Record<FacetName, { value: string; count: number }[]>;
  /** events the counts were taken over (the newest of the window, up to scan_limit) */
  scanned: number;
  scan_limit: number;
  truncated: boolean;
}
export interface HistogramBucket {
  bucket_start: ISODate;
  allowed: number;
  denied: number;
  pending: number;
  observed: number;
}

// ---- approvals (1.10) ----
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'timeout';
export interface Approval {
  id: string;
  status: ApprovalStatus;
  agent_id: string;
  tool_name: string;
  tool_args: Record<string, unknown> | null;
  message: string;
  env: string;
  timeout_seconds: number;
  timeout_effect: 'deny' | 'allow' | string;
  decision_source: string | null;
  contract_name: string | null;
  decided_by: string | null;
  decided_at: ISODate | null;
  decision_reason: string | null;
  decided_via: string | null;
  created_at: ISODate;
  /** ours: when a pending approval stops accepting decisions */
  expires_at?: ISODate;
}
export interface DecideRequest {
  approved: boolean;
  reason?: string;
  decided_via?: string;
}
export interface ApprovalDelivery {
  channel_id: string;
  channel_name: string;
  channel_type: ChannelType | string;
  /** ours: `request` (the ask) or `outcome` (the edit/notice after a decision) */
  kind?: 'request' | 'outcome' | string;
  status: 'pending' | 'sent' | 'failed' | 'skipped' | string;
  attempts: number;
  last_error: string | null;
  updated_at: ISODate;
}

// ---- stats (1.11) ----
export interface StatsOverview {
  pending_approvals: number;
  active_agents: number;
  total_agents: number;
  events_24h: number;
  denials_24h: number;
  observe_findings_24h: number;
  contracts_triggered_24h: number;
}
export interface ContractStats {
  coverage: {
    decision_name: string;
    total_evaluations: number;
    total_denials: number;
    total_warnings: number;
    last_triggered: ISODate | null;
  }[];
  total_events: number;
  period_start: ISODate;
  period_end: ISODate;
}

// ---- agents (1.12, 1.13, 1.14) ----
export type DriftStatus = 'current' | 'drift' | 'unknown';
export interface AgentStatus {
  agent_id: string;
  env: string;
  bundle_name: string | null;
  policy_version: string | null;
  status: DriftStatus;
  connected_at: ISODate;
}
export interface FleetAgent {
  agent_id: string;
  environment: string;
  total_tools: number;
  enforced: number;
  observed: number;
  ungoverned: number;
  coverage_pct: number;
  drift_status: DriftStatus;
  last_seen: ISODate | null;
  event_count_24h: number;
}
export interface FleetCoverage {
  time_window: { since: ISODate; until: ISODate };
  agents: FleetAgent[];
  fleet_summary: {
    total_agents: number;
    fully_enforced: number;
    with_ungoverned: number;
    with_drift: number;
    total_ungoverned_tools: number;
    ungoverned_tools: { tool_name: string; agent_count: number; agent_ids: string[] }[];
  };
}
export type ToolStatus = 'enforced' | 'observed' | 'ungoverned';
export interface ToolCoverage {
  tool_name: string;
  status: ToolStatus;
  contract_name: string | null;
  contract_type: string | null;
  mode: string | null;
  bundle_name: string | null;
  source: 'console' | 'local' | null;
  event_count: number;
  last_used: ISODate | null;
  deny_count?: number;
  allow_count?: number;
  observe_count?: number;
}
export interface AgentCoverage {
  agent_id: string;
  environment: string;
  time_window: { since: ISODate; until: ISODate };
  deployed_bundle: { name: string; version: number; revision_hash: string } | null;
  tools: ToolCoverage[];
  summary: { total_tools: number; enforced: number; observed: number; ungoverned: number; coverage_pct: number };
}
export interface AgentHistoryEvent {
  type: 'deployment' | 'drift_resolved' | 'drift_detected' | 'first_seen';
  timestamp: ISODate;
  bundle_name?: string | null;
  bundle_version?: number | null;
  deployed_by?: string | null;
  revision_hash?: string | null;
  policy_version?: string | null;
  drift_duration_seconds?: number | null;
  expected_version?: string | null;
  actual_version?: string | null;
  environment?: string | null;
}
export interface AgentHistory {
  agent_id: string;
  environment: string;
  events: AgentHistoryEvent[];
}
export interface AgentRegistration {
  id: string;
  agent_id: string;
  display_name: string | null;
  tags: Record<string, unknown>;
  bundle_name: string | null;
  resolved_bundle: string | null;
  last_seen_at: ISODate | null;
  created_at: ISODate;
}
export interface AgentRegistrationPatch {
  display_name?: string;
  tags?: Record<string, unknown>;
  bundle_name?: string;
}
export interface AssignmentRule {
  id: string;
  priority: number;
  pattern: string;
  tag_match: Record<string, unknown> | null;
  bundle_name: string;
  env: string;
  created_at: ISODate;
}
export interface AssignmentRuleInput {
  priority: number;
  pattern: string;
  tag_match?: Record<string, unknown> | null;
  bundle_name: string;
  env: string;
}
export interface ResolveResult {
  bundle_name: string | null;
  source: 'explicit' | 'rule' | 'agent_provided' | 'none';
  rule_id: string | null;
  rule_pattern: string | null;
}

// ---- notifications (1.17) ----
export type ChannelType = 'telegram' | 'slack' | 'slack_app' | 'webhook' | 'email' | 'discord';
export interface ChannelFilters {
  environments?: string[] | null;
  agent_patterns?: string[] | null;
  contract_names?: string[] | null;
}
export interface NotificationChannel {
  id: string;
  name: string;
  channel_type: ChannelType;
  config: Record<string, unknown>;
  enabled: boolean;
  filters: ChannelFilters | null;
  created_at: ISODate;
  last_test_at: ISODate | null;
  last_test_ok: boolean | null;
}
export interface ChannelCreate {
  name: string;
  channel_type: ChannelType;
  config: Record<string, unknown>;
  filters?: ChannelFilters | null;
}
export interface ChannelUpdate {
  name?: string;
  config?: Record<string, unknown>;
  enabled?: boolean;
  filters?: ChannelFilters | null;
}
export interface ChannelTestResult {
  success: boolean;
  message: string;
}

// ---- settings (1.18) ----
export interface RotateKeyResult {
  public_key: string;
  rotated_at: ISODate;
  deployments_re_signed: number;
}
export interface PurgeResult {
  deleted_count: number;
  cutoff: ISODate;
}

// ---- dashboard stream (2.2) ----
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
];

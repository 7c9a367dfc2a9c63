import { api } from './client';
import { useQuery } from './query';

/** Shapes of /api/v1/rollouts (src/modules/rollouts/rollouts.schemas.ts). */
export interface RolloutCounts {
  targets: number;
  activated: number;
  pending: number;
  stragglers: number;
}
export interface CanaryThresholds {
  deny_rate_increase: number;
  approval_rate_increase: number;
  tool_error_rate_increase: number;
  failed_activations: number;
  min_decisions: number;
}
export interface RolloutSummary {
  id: string;
  kind: 'deploy' | 'canary';
  deployment_id: string | null;
  env: string;
  bundle_name: string;
  bundle_version: number;
  previous_version: number | null;
  revision_hash: string;
  deployed_by: string;
  status: 'tracking' | 'complete' | 'superseded' | 'closed' | 'canary' | 'stopped' | 'promoting' | 'promoted' | 'rolled_back';
  outcome_reason: string | null;
  straggler_after_seconds: number;
  alerted_at: string | null;
  created_at: string;
  completed_at: string | null;
  counts: RolloutCounts;
  canary: { percent: number; step: number; steps: number[]; label: string | null; bake_seconds: number; step_started_at: string | null; thresholds: CanaryThresholds } | null;
}
export interface RolloutAgent {
  agent_id: string;
  in_slice: boolean;
  state: 'pending' | 'activated' | 'straggler' | 'holdback';
  reason: 'offline' | 'old_revision' | 'refused' | null;
  activated_via: 'connect' | 'event' | null;
  pushed_at: string | null;
  activated_at: string | null;
  latency_ms: number | null;
  last_revision: string | null;
  last_contact_at: string | null;
}
export interface GroupRates {
  decisions: number;
  deny_rate: number;
  approval_rate: number;
  tool_error_rate: number;
}
export interface RolloutDetail extends RolloutSummary {
  latency: { p50_ms: number | null; p99_ms: number | null; histogram: { le_ms: number | null; count: number }[] };
  agents: RolloutAgent[];
  stragglers: RolloutAgent[];
  steps: { action: string; percent: number | null; actor: string; reason: string | null; created_at: string }[];
  comparison: { slice: GroupRates; rest: GroupRates; failed_activations: number } | null;
}
export interface CanaryInput {
  bundle_name: string;
  version: number;
  env: string;
  slice_percent?: number;
  slice_label?: string;
  steps: number[];
  bake_seconds: number;
  thresholds: Partial<CanaryThresholds>;
}

export const listRollouts = (q: { bundle_name?: string; deployment_id?: string; limit?: number } = {}) => api<RolloutSummary[]>('/rollouts', { query: q });
export const getRollout = (id: string) => api<RolloutDetail>(`/rollouts/${encodeURIComponent(id)}`);
export const createCanary = (body: CanaryInput) => api<RolloutDetail>('/rollouts/canary', { method: 'POST', body });
export const canaryAction = (id: string, action: 'promote' | 'rollback' | 'stop', body?: { reason?: string }) =>
  api<RolloutDetail>(`/rollouts/${encodeURIComponent(id)}/${action}`, { method: 'POST', body: body ?? {} });

export function useRollouts() {
  return useQuery('rollouts:list', () => listRollouts({ limit: 50 }));
}
export function useRollout(id: string) {
  return useQuery(`rollouts:one:${id}`, () => getRollout(id));
}

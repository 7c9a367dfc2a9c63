import { api } from './client';
import { useQuery } from './query';
import type {
  AgentCoverage,
  AgentHistory,
  AgentRegistration,
  AgentRegistrationPatch,
  AgentStatus,
  AssignmentRule,
  AssignmentRuleInput,
  AssignmentRuleUpdate,
  AgentLabels,
  FleetCoverage,
  FleetLabels,
  RuleLabels,
  ResolveResult,
} from './types';

const enc = encodeURIComponent;

export const getAgentStatus = () => api<{ agents: AgentStatus[] }>('/agents/status');
export const getFleetCoverage = (since: string, env?: string) => api<FleetCoverage>('/agents/fleet-coverage', { query: { since, env } });
export const getAgentCoverage = (id: string, since: string) =>
  api<AgentCoverage>(`/agents/${enc(id)}/coverage`, { query: { since, include_verdicts: true } });
export const getAgentHistory = (id: string) => api<AgentHistory>(`/agents/${enc(id)}/history`, { query: { limit: 100 } });
export const listRegistrations = () => api<AgentRegistration[]>('/agent-registrations');
export const patchRegistration = (id: string, body: AgentRegistrationPatch) =>
  api<AgentRegistration>(`/agent-registrations/${enc(id)}`, { method: 'PATCH', body });
export const listRules = () => api<AssignmentRule[]>('/assignment-rules');
export const createRule = (body: AssignmentRuleInput) => api<AssignmentRule>('/assignment-rules', { method: 'POST', body });
export const updateRule = (id: string, body: AssignmentRuleUpdate) =>
  api<AssignmentRule>(`/assignment-rules/${enc(id)}`, { method: 'PATCH', body });
export const deleteRule = (id: string) => api<void>(`/assignment-rules/${enc(id)}`, { method: 'DELETE' });
export const resolveAgent = (agentId: string, env?: string) =>
  api<ResolveResult>(`/assignment-rules/resolve/${enc(agentId)}`, { query: { env } });

export const getFleetLabels = () => api<FleetLabels>('/agent-labels');
export const putAgentLabels = (id: string, labels: string[]) =>
  api<AgentLabels>(`/agent-registrations/${enc(id)}/labels`, { method: 'PUT', body: { labels } });
export const putRuleLabels = (id: string, labels: string[]) =>
  api<RuleLabels>(`/assignment-rules/${enc(id)}/labels`, { method: 'PUT', body: { labels } });

/** The label rule the server applies (rollouts.schemas.ts), checked before a request. */
export const LABEL_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,63}$/;
export const validateLabel = (s: string) => (LABEL_PATTERN.test(s) ? undefined : 'letters, digits, . _ : - (up to 64, starting with a letter or digit)');

export function useAgentStatus() {
  return useQuery('agents:status', getAgentStatus, { refetchIntervalMs: 30_000 });
}
/** The Fleet tab's windows (?since=); anything else is the default, the last 24 hours. */
export const FLEET_WINDOWS = ['1h', '24h', '7d', '30d'] as const;
export const fleetWindow = (since: string | null): string => (since && (FLEET_WINDOWS as readonly string[]).includes(since) ? since : '24h');
export const fleetKey = (since: string, env?: string) => `agents:fleet:${since}:${env ?? ''}`;
export function useFleetCoverage(since: string, env?: string) {
  return useQuery(fleetKey(since, env), () => getFleetCoverage(since, env));
}
export function useAgentCoverage(id: string, since: string) {
  return useQuery(`agents:coverage:${id}:${since}`, () => getAgentCoverage(id, since));
}
export function useAgentHistory(id: string) {
  return useQuery(`agents:history:${id}`, () => getAgentHistory(id));
}
export function useRegistrations() {
  return useQuery('agents:registrations', listRegistrations);
}
export function useRules() {
  return useQuery('rules:list', listRules);
}
/** Under `agents:` so every change to agents or rules refreshes it. */
export function useFleetLabels() {
  return useQuery('agents:labels', getFleetLabels);
}

/** Every label in the fleet (set on agents or given by rules), optionally of rules in one env. */
export function labelNames(data: FleetLabels | undefined, env?: string): string[] {
  const out = new Set<string>();
  for (const a of data?.agents ?? []) {
    for (const l of a.labels) out.add(l);
    for (const r of a.rule_labels) if (!env || r.env === env) out.add(r.label);
  }
  return [...out].sort();
}

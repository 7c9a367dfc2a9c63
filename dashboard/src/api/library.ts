// The contract library and compositions (console-api.md 1.15–1.16; docs/contracts.md "Library").
// Query keys start with `library:` (contracts, templates) and `compositions:`; the stream events
// contract_created / contract_updated / composition_changed invalidate them (useLiveInvalidation).
import { api } from './client';
import { useQuery } from './query';
import type { ReplayJob } from './evaluate';

const enc = encodeURIComponent;

export type ContractType = 'pre' | 'post' | 'session' | 'sandbox';
export const CONTRACT_TYPES: readonly ContractType[] = ['pre', 'post', 'session', 'sandbox'];
export type Mode = 'enforce' | 'observe';
export type UpdateStrategy = 'manual' | 'auto_deploy' | 'observe_first';
export const UPDATE_STRATEGIES: readonly UpdateStrategy[] = ['manual', 'auto_deploy', 'observe_first'];

export interface ContractSummary {
  contract_id: string;
  name: string;
  type: ContractType;
  tags: string[];
  version: number;
  description: string | null;
  created_at: string;
  usage_count: number;
}

export interface ContractVersionRef {
  version: number;
  created_at: string;
  created_by: string | null;
}

export interface ContractDetail extends ContractSummary {
  id: string;
  tenant_id: string;
  definition: Record<string, unknown>;
  is_latest: boolean;
  created_by: string | null;
  versions?: ContractVersionRef[];
}

export interface ContractCreate {
  contract_id: string;
  name: string;
  description?: string | null;
  type: ContractType;
  definition: Record<string, unknown>;
  tags: string[];
}
export type ContractUpdate = Partial<Pick<ContractCreate, 'name' | 'description' | 'definition' | 'tags'>>;

/** Reference `{composition_id, composition_name}` plus which versions ship where (ours). */
export interface ContractUsage {
  composition_id: string;
  composition_name: string;
  update_strategy?: string;
  contract_version?: number;
  follow_latest?: boolean;
  deployed?: { env: string; bundle_name: string; bundle_version: number; contract_version: number | null }[];
}

export type OnClash = 'new_version' | 'skip' | 'fail';

export interface ImportResult {
  contracts_created: string[];
  contracts_updated: string[];
  bundle_composition_created: string | null;
  /** ours: ids whose content the library already holds under the same id */
  contracts_unchanged?: string[];
  /** ours: content already in the library under another id */
  duplicates?: { contract_id: string; duplicate_of: string }[];
  /** ours: ids already in the library with other content, and what was done */
  id_clashes?: { contract_id: string; library_version: number; action: 'new_version' | 'skipped' | 'refused' }[];
}

export interface TemplatePreset {
  label: string;
  tool_name: string;
  tool_args: Record<string, unknown>;
  expected_outcome: string;
  deciding_contract: string | null;
}

export interface Template {
  id: string;
  name: string;
  description: string;
  tags: string[];
  contracts: { contract_id: string; name: string; type: ContractType }[];
  yaml_content: string;
  presets: TemplatePreset[];
}

export interface CompositionSummary {
  name: string;
  description: string | null;
  defaults_mode: Mode;
  update_strategy: UpdateStrategy;
  contract_count: number;
  updated_at: string;
  created_by: string;
  /** ours: a contract it uses changed since its last deploy */
  update_available?: boolean;
}

export interface CompositionItem {
  contract_id: string;
  contract_name: string;
  contract_type: ContractType;
  contract_version: number;
  position: number;
  mode_override: Mode | null;
  enabled: boolean;
  has_newer_version: boolean;
  /** ours */
  follow_latest?: boolean;
  latest_version?: number;
  /** observe_first: the version still enforcing while contract_version observes (null: nothing pending) */
  observe_from_version?: number | null;
}

export interface CompositionDetail extends CompositionSummary {
  id: string;
  tenant_id: string;
  contracts: CompositionItem[];
  tools_config: Record<string, unknown> | null;
  observability: Record<string, unknown> | null;
  /** ours: where its bundle is current */
  deployments?: { env: string; bundle_version: number; revision_hash: string; deployed_at: string }[];
}

export interface CompositionItemInput {
  contract_id: string;
  position: number;
  mode_override?: Mode | null;
  enabled: boolean;
  /** ours: pin this version (omitted: the latest at save time) */
  version?: number | null;
  /** ours: move to every new version of the contract */
  follow_latest?: boolean;
}

export interface CompositionInput {
  name: string;
  description?: string | null;
  defaults_mode: Mode;
  update_strategy: UpdateStrategy;
  contracts: CompositionItemInput[];
}

export interface CompositionPreview {
  yaml_content: string;
  contracts_count: number;
  validation_errors: string[];
  /** ours */
  revision_hash?: string;
  problems?: { path: string; msg: string; line: number | null }[];
}

export interface DeployResult {
  bundle_name: string;
  bundle_version: number;
  contracts_assembled: { contract_id: string; version: number; mode: Mode; observe: boolean }[];
  deployment_id: string;
  revision_hash?: string;
}

export interface PromoteResult {
  promoted: string[];
  deployments: (DeployResult & { env: string })[];
}

export interface FieldChange {
  path: string;
  from: unknown;
  to: unknown;
}
export interface DiffSide {
  label: string;
  version: number | null;
  revision_hash: string | null;
}
export interface BundleDiff {
  bundle_name: string;
  from: DiffSide;
  to: DiffSide;
  added: { contract_id: string; type: string; mode: string }[];
  removed: { contract_id: string; type: string; mode: string }[];
  changed: { contract_id: string; fields: FieldChange[] }[];
  unchanged: string[];
  bundle_fields: FieldChange[];
  /** the replay of the change (poll GET /bundles/replay/{id} while running) */
  impact: ReplayJob | null;
  impact_error: string | null;
}
export interface CompositionDiffRequest {
  from?: number | 'deployed';
  to?: number | 'draft' | 'promoted';
  env: string;
  impact_days?: number;
}

export interface DraftFromEvent {
  draft: { contract_id: string; name: string; type: 'pre'; description: string; definition: Record<string, unknown>; tags: string[] };
  source: {
    kind: 'event' | 'approval';
    id: string;
    tool_name: string;
    tool_args: Record<string, unknown>;
    agent_id: string;
    verdict: string | null;
    telling_argument: string | null;
  };
  check: EventCheck;
}
export interface EventCheck {
  matched: boolean;
  outcome: string;
  message: string | null;
  reason: string;
}
export type EventSourceRef = { event_id: string } | { approval_id: string };
export interface SaveFromEventRequest {
  event_id?: string;
  approval_id?: string;
  contract: Omit<ContractCreate, 'type'> & { type?: 'pre' };
  composition?: { name: string; mode_override?: Mode | null } | null;
}
export interface SaveFromEventResult {
  contract: ContractDetail;
  check: EventCheck;
  composition_name: string | null;
}

// ---------- contracts ----------

export interface ContractFilters {
  type?: string;
  tag?: string;
  search?: string;
}

export const listContracts = (f: ContractFilters = {}) => api<ContractSummary[]>('/contracts', { query: { ...f } });
export const getContract = (id: string) => api<ContractDetail>(`/contracts/${enc(id)}`);
export const getContractVersion = (id: string, v: number) => api<ContractDetail>(`/contracts/${enc(id)}/versions/${v}`);
export const getContractUsage = (id: string) => api<ContractUsage[]>(`/contracts/${enc(id)}/usage`);
export const createContract = (body: ContractCreate) => api<ContractDetail>('/contracts', { method: 'POST', body });
export const updateContract = (id: string, body: ContractUpdate) => api<ContractDetail>(`/contracts/${enc(id)}`, { method: 'PUT', body });
export const deleteContract = (id: string) => api<void>(`/contracts/${enc(id)}`, { method: 'DELETE' });
export const importContracts = (yaml_content: string, on_clash: OnClash = 'new_version') =>
  api<ImportResult>('/contracts/import', { method: 'POST', body: { yaml_content, on_clash } });
export const listTemplates = () => api<Template[]>('/contract-templates');
export const getTemplate = async (id: string): Promise<Template> => {
  const t = (await listTemplates()).find((x) => x.id === id);
  if (!t) throw new Error(`No template ${id}`);
  return t;
};
export const applyTemplate = (id: string) => api<ImportResult>(`/contract-templates/${enc(id)}/add`, { method: 'POST', body: { create_composition: true } });
export const draftFromEvent = (src: EventSourceRef) => api<DraftFromEvent>('/contracts/draft-from-event', { method: 'POST', body: src });
export const saveFromEvent = (body: SaveFromEventRequest) => api<SaveFromEventResult>('/contracts/from-event', { method: 'POST', body });

export function useContracts(f: ContractFilters) {
  return useQuery(`library:list:${f.type ?? ''}:${f.tag ?? ''}:${f.search ?? ''}`, () => listContracts(f));
}
export function useContract(id: string | null) {
  return useQuery(`library:contract:${id ?? ''}`, () => getContract(id ?? ''), { enabled: !!id });
}
export function useContractVersion(id: string, v: number | null) {
  return useQuery(`library:version:${id}:${v ?? ''}`, () => getContractVersion(id, v ?? 0), { enabled: !!v });
}
export function useContractUsage(id: string | null) {
  return useQuery(`library:usage:${id ?? ''}`, () => getContractUsage(id ?? ''), { enabled: !!id });
}
export function useTemplates() {
  return useQuery('library:templates', listTemplates);
}

// ---------- compositions ----------

export const listCompositions = () => api<CompositionSummary[]>('/compositions');
export const getComposition = (name: string) => api<CompositionDetail>(`/compositions/${enc(name)}`);
export const createComposition = (body: CompositionInput) => api<CompositionDetail>('/compositions', { method: 'POST', body });
export const updateComposition = (name: string, body: Partial<CompositionInput>) =>
  api<CompositionDetail>(`/compositions/${enc(name)}`, { method: 'PUT', body });
export const deleteComposition = (name: string) => api<void>(`/compositions/${enc(name)}`, { method: 'DELETE' });
export const previewComposition = (name: string) => api<CompositionPreview>(`/compositions/${enc(name)}/preview`, { method: 'POST' });
export const deployComposition = (name: string, env: string) =>
  api<DeployResult>(`/compositions/${enc(name)}/deploy`, { method: 'POST', body: { env } });
export const promoteComposition = (name: string, contract_ids?: string[]) =>
  api<PromoteResult>(`/compositions/${enc(name)}/promote`, { method: 'POST', body: contract_ids ? { contract_ids } : {} });
export const diffComposition = (name: string, body: CompositionDiffRequest) =>
  api<BundleDiff>(`/compositions/${enc(name)}/diff`, { method: 'POST', body });

export function useCompositions() {
  return useQuery('compositions:list', listCompositions);
}
export function useComposition(name: string | null) {
  return useQuery(`compositions:detail:${name ?? ''}`, () => getComposition(name ?? ''), { enabled: !!name });
}

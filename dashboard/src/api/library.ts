// The contract library and compositions (console-api.md 1.15–1.16; docs/contracts.md "Library").
// Query keys start with `library:` (contracts, templates) and `compositions:`; the stream events
// contract_created / contract_updated / composition_changed invalidate them (useLiveInvalidation).
import type { z } from 'zod';
import type {
  CompositionDetail as CompositionDetailSchema,
  CompositionDiffBody,
  CompositionItemIn,
  CompositionItemOut,
  CompositionSummary as CompositionSummarySchema,
  CreateCompositionBody,
  DeployCompositionResponse,
  DiffResponse,
  PreviewResponse,
  PromoteResponse,
  UpdateCompositionBody,
} from '@server/modules/library/compositions.schemas';
import type {
  ContractDetail as ContractDetailSchema,
  ContractSummary as ContractSummarySchema,
  ContractUsage as ContractUsageSchema,
  CreateContractBody,
  DraftFromEventBody,
  DraftFromEventResponse,
  ImportBody,
  ImportResult as ImportResultSchema,
  SaveFromEventBody,
  SaveFromEventResponse,
  Template as TemplateSchema,
  TemplatePreset as TemplatePresetSchema,
  UpdateContractBody,
} from '@server/modules/library/contracts.schemas';
import { api } from './client';
import { useQuery } from './query';

const enc = encodeURIComponent;

export type ContractType = 'pre' | 'post' | 'session' | 'sandbox';
export const CONTRACT_TYPES: readonly ContractType[] = ['pre', 'post', 'session', 'sandbox'];
export type Mode = 'enforce' | 'observe';
export type UpdateStrategy = 'manual' | 'auto_deploy' | 'observe_first';
export const UPDATE_STRATEGIES: readonly UpdateStrategy[] = ['manual', 'auto_deploy', 'observe_first'];

// Wire types inferred from the server's zod schemas (as api/types.ts does); the server types
// `type` and `mode` as plain strings when it serialises them, so those are narrowed here to the
// closed sets it accepts on input.
type Narrow<T, K extends keyof T, V> = Omit<T, K> & { [P in K]: V };

export type ContractSummary = Narrow<z.infer<typeof ContractSummarySchema>, 'type', ContractType>;
export type ContractVersionRef = ContractDetail['versions'][number];
export type ContractDetail = Narrow<z.infer<typeof ContractDetailSchema>, 'type', ContractType>;
export type ContractCreate = Narrow<z.input<typeof CreateContractBody>, 'type', ContractType> & { tags: string[] };
export type ContractUpdate = z.input<typeof UpdateContractBody>;
export type ContractUsage = z.infer<typeof ContractUsageSchema>;
export type OnClash = NonNullable<z.input<typeof ImportBody>['on_clash']>;
export type ImportResult = z.infer<typeof ImportResultSchema>;
export type TemplatePreset = z.infer<typeof TemplatePresetSchema>;
export type Template = Omit<z.infer<typeof TemplateSchema>, 'contracts'> & { contracts: { contract_id: string; name: string; type: ContractType }[] };

type ServerSummary = z.infer<typeof CompositionSummarySchema>;
export type CompositionSummary = Omit<ServerSummary, 'defaults_mode' | 'update_strategy'> & { defaults_mode: Mode; update_strategy: UpdateStrategy };
export type CompositionItem = Omit<z.infer<typeof CompositionItemOut>, 'contract_type' | 'mode_override'> & { contract_type: ContractType; mode_override: Mode | null };
export type CompositionDetail = Omit<z.infer<typeof CompositionDetailSchema>, 'defaults_mode' | 'update_strategy' | 'contracts'> &
  CompositionSummary & { contracts: CompositionItem[] };
export type CompositionItemInput = z.input<typeof CompositionItemIn>;
export type CompositionInput = z.input<typeof CreateCompositionBody>;
export type CompositionUpdate = z.input<typeof UpdateCompositionBody>;
export type CompositionPreview = z.infer<typeof PreviewResponse>;
export type DeployResult = z.infer<typeof DeployCompositionResponse>;
export type PromoteResult = z.infer<typeof PromoteResponse>;
export type BundleDiff = z.infer<typeof DiffResponse>;
export type FieldChange = BundleDiff['bundle_fields'][number];
export type CompositionDiffRequest = z.input<typeof CompositionDiffBody>;

export type DraftFromEvent = z.infer<typeof DraftFromEventResponse>;
export type EventCheck = DraftFromEvent['check'];
export type EventSourceRef = z.input<typeof DraftFromEventBody>;
export type SaveFromEventRequest = z.input<typeof SaveFromEventBody>;
export type SaveFromEventResult = Omit<z.infer<typeof SaveFromEventResponse>, 'contract'> & { contract: ContractDetail };

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
export const updateComposition = (name: string, body: CompositionUpdate) =>
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

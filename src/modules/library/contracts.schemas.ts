import { z } from 'zod';
import { MAX_YAML_CHARS } from '../bundles/bundles.schemas.js';
import { text, uuidParam } from '../../platform/zod-fastify.js';

/**
 * The contract library (console-api.md 1.15), wire-compatible with the reference; what we add is
 * marked. Every string bounded, every object strict, every definition validated by the engine.
 */

export const CONTRACT_ID_RE = /^[a-z0-9][a-z0-9_-]*$/;
export const contractId = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(CONTRACT_ID_RE, 'must be a lowercase id: letters a-z, digits, "_" or "-", starting with a letter or digit');
export const CONTRACT_TYPES = ['pre', 'post', 'session', 'sandbox'] as const;
export const contractType = z.enum(CONTRACT_TYPES, { message: 'must be one of pre, post, session, sandbox' });

/** A definition is at most this many bytes as JSON (a contract, not a bundle). */
export const MAX_DEFINITION_BYTES = 64 * 1024;
export const MAX_TAGS = 20;
export const LIBRARY_BODY_LIMIT = 5 * 1024 * 1024;

export const definition = z
  .record(z.string().max(256, 'keys must be at most 256 characters'), z.unknown(), { message: 'must be an object' })
  .refine((d) => Buffer.byteLength(JSON.stringify(d), 'utf8') <= MAX_DEFINITION_BYTES, `must be at most ${MAX_DEFINITION_BYTES} bytes as JSON`);
export const tags = z
  .array(text(64).min(1, 'must not be empty'), { message: 'must be a list of strings' })
  .max(MAX_TAGS, `must hold at most ${MAX_TAGS} tags`);
const versionNumber = z.number().int('must be an integer').min(1, 'must be at least 1').max(2_147_483_647);

export const ContractParams = z.strictObject({ contract_id: contractId });
export const ContractVersionParams = z.strictObject({
  contract_id: contractId,
  version: z
    .string()
    .regex(/^[0-9]{1,10}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(versionNumber),
});

export const ListContractsQuery = z.strictObject({
  type: contractType.optional(),
  tag: text(64).optional(),
  search: text(200).optional(),
});

export const CreateContractBody = z.strictObject({
  contract_id: contractId,
  name: text(255).min(1, 'must not be empty'),
  description: text(2000).nullish(),
  type: contractType,
  definition,
  tags: tags.default([]),
});
export type CreateContractBodyT = z.output<typeof CreateContractBody>;

export const UpdateContractBody = z.strictObject({
  name: text(255).min(1, 'must not be empty').nullish(),
  description: text(2000).nullish(),
  definition: definition.nullish(),
  tags: tags.nullish(),
});
export type UpdateContractBodyT = z.output<typeof UpdateContractBody>;

export const ContractSummary = z.object({
  contract_id: z.string(),
  name: z.string(),
  type: z.string(),
  tags: z.array(z.string()),
  version: z.number().int(),
  description: z.string().nullable(),
  created_at: z.string(),
  /** Compositions using any version (the reference always said 0). */
  usage_count: z.number().int(),
});
export const ContractVersionEntry = z.object({ version: z.number().int(), created_at: z.string(), created_by: z.string() });
export const ContractDetail = ContractSummary.extend({
  id: z.string(),
  tenant_id: z.string(),
  definition: z.record(z.string(), z.unknown()),
  is_latest: z.boolean(),
  created_by: z.string(),
  /** Newest first; empty on the single-version route. */
  versions: z.array(ContractVersionEntry),
  /** Ours: sha256 of the canonical {type, definition}, equal for equal content. */
  content_hash: z.string().nullable(),
});
export type ContractSummaryT = z.output<typeof ContractSummary>;
export type ContractDetailT = z.output<typeof ContractDetail>;

/** Reference: `[{composition_id, composition_name}]`; we add which versions ship where. */
export const ContractUsage = z.object({
  composition_id: z.string(),
  composition_name: z.string(),
  update_strategy: z.string(),
  /** The version this composition's item holds, and whether it follows the latest. */
  contract_version: z.number().int(),
  follow_latest: z.boolean(),
  /** Envs where this composition's bundle is current, and the version of this contract in it. */
  deployed: z.array(
    z.object({ env: z.string(), bundle_name: z.string(), bundle_version: z.number().int(), contract_version: z.number().int().nullable() }),
  ),
});
export type ContractUsageT = z.output<typeof ContractUsage>;

// ---------- import ----------

export const ImportBody = z.strictObject({
  yaml_content: z.string().min(1, 'must not be empty').max(MAX_YAML_CHARS, `must be at most ${MAX_YAML_CHARS} characters`),
  /**
   * Ours: what an id already in the library with different content does. `new_version` (the
   * reference's behaviour), `skip` (keep the library's), `fail` (409 naming them; nothing written).
   */
  on_clash: z.enum(['new_version', 'skip', 'fail']).default('new_version'),
  /** Ours: create a composition named after `metadata.name` when none exists (the reference always does). */
  create_composition: z.boolean().default(true),
});
export type ImportBodyT = z.output<typeof ImportBody>;

export const ImportResult = z.object({
  contracts_created: z.array(z.string()),
  contracts_updated: z.array(z.string()),
  bundle_composition_created: z.string().nullable(),
  /** Ours: ids whose content the library already holds under the same id. */
  contracts_unchanged: z.array(z.string()),
  /** Ours: content already in the library under another id (not imported again; the composition uses the existing one). */
  duplicates: z.array(z.object({ contract_id: z.string(), duplicate_of: z.string() })),
  /** Ours: ids already in the library with other content, and what was done. */
  id_clashes: z.array(
    z.object({ contract_id: z.string(), library_version: z.number().int(), action: z.enum(['new_version', 'skipped', 'refused']) }),
  ),
});
export type ImportResultT = z.output<typeof ImportResult>;

// ---------- templates ----------

export const TemplateParams = z.strictObject({ template_id: z.string().max(64, 'must be at most 64 characters').regex(CONTRACT_ID_RE, 'unknown template') });
export const AddTemplateBody = z.strictObject({ create_composition: z.boolean().default(true) });
export const TemplatePreset = z.object({
  label: z.string(),
  tool_name: z.string(),
  tool_args: z.record(z.string(), z.unknown()),
  /** The playground verdict this call gets from the template (`denied`, `allowed`, `approval_required`). */
  expected_outcome: z.string(),
  deciding_contract: z.string().nullable(),
});
export const Template = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  contracts: z.array(z.object({ contract_id: z.string(), type: z.string(), name: z.string() })),
  yaml_content: z.string(),
  presets: z.array(TemplatePreset),
});
export type TemplateT = z.output<typeof Template>;

// ---------- from an event ----------

const Source = z.union([
  z.strictObject({ event_id: uuidParam }),
  z.strictObject({ approval_id: uuidParam }),
]);
export const DraftFromEventBody = Source;
export type DraftFromEventBodyT = z.output<typeof DraftFromEventBody>;

export const DraftContract = z.object({
  contract_id: z.string(),
  name: z.string(),
  type: z.literal('pre'),
  description: z.string(),
  definition: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
});
export const EventCheck = z.object({
  /** Whether the contract fires on the call it was made from (a draft that does not is refused on save). */
  matched: z.boolean(),
  outcome: z.string(),
  message: z.string().nullable(),
  reason: z.string(),
});
export const EventSource = z.object({
  kind: z.enum(['event', 'approval']),
  id: z.string(),
  tool_name: z.string(),
  tool_args: z.record(z.string(), z.unknown()),
  agent_id: z.string(),
  verdict: z.string().nullable(),
  /** The argument the draft keys on (null: the draft matches the tool alone). */
  telling_argument: z.string().nullable(),
});
export const DraftFromEventResponse = z.object({ draft: DraftContract, source: EventSource, check: EventCheck });

export const SaveFromEventBody = z.strictObject({
  event_id: uuidParam.optional(),
  approval_id: uuidParam.optional(),
  contract: CreateContractBody.omit({ type: true }).extend({ type: z.literal('pre', { message: 'must be pre' }).default('pre') }),
  /** Append to this composition (as the last item). */
  composition: z
    .strictObject({ name: z.string().max(128, 'must be at most 128 characters'), mode_override: z.enum(['enforce', 'observe']).nullish() })
    .nullish(),
});
export type SaveFromEventBodyT = z.output<typeof SaveFromEventBody>;
export const SaveFromEventResponse = z.object({
  contract: ContractDetail,
  check: EventCheck,
  composition_name: z.string().nullable(),
});

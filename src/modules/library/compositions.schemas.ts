import { z } from 'zod';
import { envName, text } from '../../platform/zod-fastify.js';
import { bundleName } from '../bundles/bundles.schemas.js';
import { ReplayJob } from '../replay/replay.schemas.js';
import { contractId } from './contracts.schemas.js';

/** Compositions (console-api.md 1.16), wire-compatible with the reference; what we add is marked. */

export const MODES = ['enforce', 'observe'] as const;
export const mode = z.enum(MODES, { message: 'must be enforce or observe' });
export const STRATEGIES = ['manual', 'auto_deploy', 'observe_first'] as const;
export const strategy = z.enum(STRATEGIES, { message: 'must be manual, auto_deploy or observe_first' });
export const MAX_ITEMS = 100;
const MAX_CONFIG_BYTES = 64 * 1024;

/** The same rule as bundle names: a composition deploys as the bundle of its name. */
export const compositionName = bundleName;
const config = z
  .record(z.string().max(256), z.unknown(), { message: 'must be an object' })
  .refine((d) => Buffer.byteLength(JSON.stringify(d), 'utf8') <= MAX_CONFIG_BYTES, `must be at most ${MAX_CONFIG_BYTES} bytes as JSON`);

export const CompositionItemIn = z.strictObject({
  contract_id: contractId,
  position: z.number().int('must be an integer').min(0, 'must be at least 0').max(1_000_000, 'must be at most 1000000'),
  mode_override: mode.nullish(),
  enabled: z.boolean().default(true),
  /** Ours: pin this version (default: the latest at save time). */
  version: z.number().int('must be an integer').min(1, 'must be at least 1').max(2_147_483_647).nullish(),
  /** Ours: move to every new version of the contract (the strategy decides what happens then). */
  follow_latest: z.boolean().default(false),
});
export type CompositionItemInT = z.output<typeof CompositionItemIn>;

const items = z.array(CompositionItemIn).max(MAX_ITEMS, `must hold at most ${MAX_ITEMS} contracts`);

export const CreateCompositionBody = z.strictObject({
  name: compositionName,
  description: text(2000).nullish(),
  defaults_mode: mode.default('enforce'),
  update_strategy: strategy.default('manual'),
  contracts: items.default([]),
  tools_config: config.nullish(),
  observability: config.nullish(),
});
export type CreateCompositionBodyT = z.output<typeof CreateCompositionBody>;

export const UpdateCompositionBody = z.strictObject({
  description: text(2000).nullish(),
  defaults_mode: mode.nullish(),
  update_strategy: strategy.nullish(),
  /** Full replacement of the items. */
  contracts: items.nullish(),
  tools_config: config.nullish(),
  observability: config.nullish(),
});
export type UpdateCompositionBodyT = z.output<typeof UpdateCompositionBody>;

export const CompositionParams = z.strictObject({ name: compositionName });

export const CompositionItemOut = z.object({
  contract_id: z.string(),
  contract_name: z.string(),
  contract_type: z.string(),
  contract_version: z.number().int(),
  position: z.number().int(),
  mode_override: z.string().nullable(),
  enabled: z.boolean(),
  has_newer_version: z.boolean(),
  /** Ours. */
  follow_latest: z.boolean(),
  latest_version: z.number().int(),
  /** observe_first: the version still enforcing while `contract_version` observes (null: nothing pending). */
  observe_from_version: z.number().int().nullable(),
});

export const CompositionSummary = z.object({
  name: z.string(),
  description: z.string().nullable(),
  defaults_mode: z.string(),
  update_strategy: z.string(),
  contract_count: z.number().int(),
  updated_at: z.string(),
  created_by: z.string(),
  /** Ours: a contract it uses changed since its last deploy. */
  update_available: z.boolean(),
});
export const CompositionDetail = CompositionSummary.extend({
  id: z.string(),
  tenant_id: z.string(),
  contracts: z.array(CompositionItemOut),
  tools_config: z.record(z.string(), z.unknown()).nullable(),
  observability: z.record(z.string(), z.unknown()).nullable(),
  /** Ours: where its bundle is current. */
  deployments: z.array(z.object({ env: z.string(), bundle_version: z.number().int(), revision_hash: z.string(), deployed_at: z.string() })),
});
export type CompositionSummaryT = z.output<typeof CompositionSummary>;
export type CompositionDetailT = z.output<typeof CompositionDetail>;

export const PreviewResponse = z.object({
  yaml_content: z.string(),
  contracts_count: z.number().int(),
  validation_errors: z.array(z.string()),
  /** Ours: sha256 of exactly these bytes (what a deploy of it would carry as revision_hash). */
  revision_hash: z.string(),
  /** Ours: the engine's problems with their path and line in `yaml_content`. */
  problems: z.array(z.object({ path: z.string(), msg: z.string(), line: z.number().int().nullable() })),
});
export type PreviewResponseT = z.output<typeof PreviewResponse>;

export const DeployCompositionBody = z.strictObject({ env: envName });
export const AssembledEntry = z.object({ contract_id: z.string(), version: z.number().int(), mode: z.string(), observe: z.boolean() });
export const DeployCompositionResponse = z.object({
  bundle_name: z.string(),
  bundle_version: z.number().int(),
  contracts_assembled: z.array(AssembledEntry),
  deployment_id: z.string(),
  /** Ours. */
  revision_hash: z.string(),
});
export type DeployCompositionResponseT = z.output<typeof DeployCompositionResponse>;

export const PromoteBody = z.strictObject({
  /** Only these contracts (default: every one observing). */
  contract_ids: z.array(contractId).max(MAX_ITEMS).nullish(),
});
export const PromoteResponse = z.object({
  promoted: z.array(z.string()),
  deployments: z.array(DeployCompositionResponse.extend({ env: z.string() })),
});
export type PromoteResponseT = z.output<typeof PromoteResponse>;

// ---------- diff and impact ----------

export const impactDays = z.number().int('must be an integer').min(0, 'must be at least 0').max(90, 'must be at most 90');
const versionRef = z.number().int('must be an integer').min(1, 'must be at least 1').max(2_147_483_647);

export const BundleDiffBody = z.strictObject({
  from: versionRef,
  to: versionRef,
  /** Events of this env are replayed for the impact. */
  env: envName.default('production'),
  /** Replay the last N days (0: no impact replay). */
  impact_days: impactDays.default(7),
});
export type BundleDiffBodyT = z.output<typeof BundleDiffBody>;

export const CompositionDiffBody = z.strictObject({
  /** A bundle version made from this composition, or `deployed` (the one current in `env`). */
  from: z.union([versionRef, z.literal('deployed')]).default('deployed'),
  /** A bundle version, or `draft` (what a deploy would assemble now), or `promoted` (after promote). */
  to: z.union([versionRef, z.literal('draft'), z.literal('promoted')]).default('draft'),
  env: envName.default('production'),
  impact_days: impactDays.default(7),
});
export type CompositionDiffBodyT = z.output<typeof CompositionDiffBody>;

const FieldChange = z.object({ path: z.string(), from: z.unknown(), to: z.unknown() });
const DiffSide = z.object({ label: z.string(), version: z.number().int().nullable(), revision_hash: z.string().nullable() });
export const DiffResponse = z.object({
  bundle_name: z.string(),
  from: DiffSide,
  to: DiffSide,
  added: z.array(z.object({ contract_id: z.string(), type: z.string(), mode: z.string() })),
  removed: z.array(z.object({ contract_id: z.string(), type: z.string(), mode: z.string() })),
  changed: z.array(z.object({ contract_id: z.string(), fields: z.array(FieldChange) })),
  unchanged: z.array(z.string()),
  /** Changes outside the contracts (defaults, tools, observability, metadata). */
  bundle_fields: z.array(FieldChange),
  /** The replay of the change over the last `impact_days` days (poll GET /api/v1/bundles/replay/{id}). */
  impact: ReplayJob.nullable(),
  /** Why there is no impact replay (none asked, or the replay could not start). */
  impact_error: z.string().nullable(),
});
export type DiffResponseT = z.output<typeof DiffResponse>;

import { z } from 'zod';
import { envName } from '../../platform/zod-fastify.js';

/** Bundle names: the validator's metadata.name rule (sdk-contract.md §11), bounded. */
export const BUNDLE_NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;
export const bundleName = z
  .string()
  .max(128, 'must be at most 128 characters')
  .regex(BUNDLE_NAME_RE, 'must be a lowercase slug: letters a-z, digits, ".", "_" or "-", starting with a letter or digit');

/** A version in a path: decimal digits only (no "1e3", "0x10", " 2"), 1..2^31-1. */
const versionParam = z
  .string()
  .regex(/^[0-9]{1,10}$/, 'must be a positive integer')
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be at least 1').max(2_147_483_647, 'must be at most 2147483647'));

export const MAX_YAML_CHARS = 1_048_576;
/** Route body limit: 1 MiB of characters may take up to ~5 MB once JSON-escaped. */
export const UPLOAD_BODY_LIMIT = 5 * 1024 * 1024;

export const UploadBody = z.strictObject({
  yaml_content: z.string().min(1, 'must not be empty').max(MAX_YAML_CHARS, `must be at most ${MAX_YAML_CHARS} characters`),
});
export const NameParams = z.strictObject({ name: bundleName });
export const VersionParams = z.strictObject({ name: bundleName, version: versionParam });
export const CurrentQuery = z.strictObject({ env: envName });
export const DeployBody = z.strictObject({
  env: envName,
  /** Ours (docs/rollouts.md): how long after its push an agent still on the old revision counts as a straggler. */
  straggler_after_seconds: z.number().int('must be an integer').min(10, 'must be at least 10').max(86_400, 'must be at most 86400').optional(),
});
export const DeploymentsQuery = z.strictObject({
  env: envName.optional(),
  bundle_name: bundleName.optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, 'must be an integer between 1 and 200')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(200, 'must be at most 200'))
    .default(50),
});

export const BundleResponse = z.object({
  id: z.string(),
  tenant_id: z.string(),
  name: z.string(),
  version: z.number().int(),
  revision_hash: z.string(),
  signature_hex: z.string().nullable(),
  /** Which format was uploaded; both are served (decision 16). */
  uploaded_format: z.string().optional(),
  /** revision_hash of the `kind: Ruleset` rendering (what current SDKs report as policy_version). */
  ruleset_revision_hash: z.string().nullable().optional(),
  source_hub_slug: z.string().nullable(),
  source_hub_revision: z.string().nullable(),
  uploaded_by: z.string(),
  created_at: z.string(),
});
export const BundleWithDeployments = BundleResponse.extend({ deployed_envs: z.array(z.string()) });
export const BundleCurrentResponse = BundleResponse.extend({
  yaml_bytes: z.string(),
  /** Standard base64 of the Ed25519 signature, what both SDKs verify (decision 2). */
  signature: z.string().nullable(),
  public_key: z.string().nullable(),
});
export const BundleSummary = z.object({
  name: z.string(),
  latest_version: z.number().int(),
  version_count: z.number().int(),
  last_updated: z.string(),
  deployed_envs: z.array(z.string()),
  contract_count: z.number().int().nullable(),
  last_deployed_at: z.string().nullable(),
});
export const DeploymentResponse = z.object({
  id: z.string(),
  env: z.string(),
  bundle_name: z.string(),
  bundle_version: z.number().int(),
  deployed_by: z.string(),
  created_at: z.string(),
});
export const RotateResponse = z.object({
  public_key: z.string(),
  rotated_at: z.string(),
  deployments_re_signed: z.number().int(),
});
export const SigningKeyResponse = z.object({ public_key: z.string(), created_at: z.string() });

export type BundleResponseT = z.infer<typeof BundleResponse>;
export type BundleWithDeploymentsT = z.infer<typeof BundleWithDeployments>;
export type BundleCurrentT = z.infer<typeof BundleCurrentResponse>;
export type BundleSummaryT = z.infer<typeof BundleSummary>;
export type DeploymentResponseT = z.infer<typeof DeploymentResponse>;
export type RotateResponseT = z.infer<typeof RotateResponse>;
export type SigningKeyResponseT = z.infer<typeof SigningKeyResponse>;

import { Buffer } from 'node:buffer';
import type { AppContext } from '../../context.js';
import type { Principal } from '../../platform/auth.js';
import { assertEnvAllowed } from '../../platform/auth.js';
import { sha256Hex, toBase64, toHex } from '../../platform/crypto.js';
import { conflict, notFound, unprocessable, type Problem } from '../../platform/errors.js';
import type { BundleProblem } from './bundle-validation.js';
import type { RenderProblem } from './bundle-rendering.js';
import { wantsRulesetOnApiV1 } from '../v2/generation.js';
import type { BundleValidator } from './bundle-validator.js';
import type { BundleSigner } from './bundle-signatures.js';
import { bundlesRepository, isUniqueViolation, type BundleMeta } from './bundles.repository.js';
import type { BundleCurrentT, BundleResponseT, BundleSummaryT, BundleWithDeploymentsT } from './bundles.schemas.js';

/** Uploads of one name queue on a lock; a writer outside it can still race, so retry a few times. */
const VERSION_ATTEMPTS = 5;

export function bundleResponse(b: BundleMeta): BundleResponseT {
  return {
    id: b.id,
    tenant_id: b.tenantId,
    name: b.name,
    version: b.version,
    revision_hash: b.revisionHash,
    signature_hex: b.signature ? toHex(b.signature) : null,
    uploaded_format: b.uploadedFormat,
    ruleset_revision_hash: b.rulesetRevisionHash,
    source_hub_slug: b.sourceHubSlug,
    source_hub_revision: b.sourceHubRevision,
    uploaded_by: b.uploadedBy,
    created_at: b.createdAt.toISOString(),
  };
}

/** A rendering problem (a construct with no equivalent in the other generation) as a 422 entry. */
function renderProblem(p: RenderProblem): Problem {
  return { loc: ['body', 'yaml_content', ...p.path.split('.')], msg: `${p.path}: ${p.msg}`, path: p.path };
}

/** A validator problem as a 422 entry the dashboard can put on its line. */
export function wireProblem(p: BundleProblem): Problem {
  return { loc: ['body', 'yaml_content', ...p.loc], msg: `${p.path}: ${p.msg}`, path: p.path, line: p.line };
}

const versionNotFound = (name: string, version: number) =>
  notFound(`Bundle '${name}' v${version} not found`, 'bundles.version_not_found');

export function createBundlesService(ctx: AppContext, validator: BundleValidator, signer: BundleSigner) {
  const { db } = ctx.deps.database;

  /** An API key sees a version only while its env currently runs it (404 otherwise, never 403). */
  async function visibleVersion(p: Principal, name: string, version: number) {
    if (p.kind === 'apiKey') {
      const [cur] = await bundlesRepository.currentDeployments(db, p.tenantId, { env: p.env, name });
      if (cur?.bundleVersion !== version) throw versionNotFound(name, version);
    }
    const row = await bundlesRepository.get(db, p.tenantId, name, version);
    if (!row) throw versionNotFound(name, version);
    return row;
  }

  return {
    async upload(tenantId: string, uploadedBy: string, yamlContent: string): Promise<BundleResponseT> {
      // Either generation's format (decision 16): the ContractBundle form is validated and stored.
      // Rendering and validation both parse: one step, off the main thread when large.
      const prepared = await validator.prepare(yamlContent);
      if (!prepared.ok) {
        throw prepared.stage === 'render'
          ? unprocessable(prepared.problems.map(renderProblem), 'bundles.not_renderable')
          : unprocessable(prepared.validation.problems.map(wireProblem), 'bundles.invalid');
      }
      const { validation: result, format } = prepared;
      const canonical = { text: prepared.canonical, format };
      const ruleset = { text: prepared.ruleset };
      const yamlBytes = new Uint8Array(Buffer.from(canonical.text, 'utf8'));
      const rulesetBytes = new Uint8Array(Buffer.from(ruleset.text, 'utf8'));
      const values = {
        tenantId,
        name: result.name,
        yamlBytes,
        revisionHash: sha256Hex(yamlBytes),
        uploadedBy,
        contractCount: result.contractCount,
        uploadedFormat: canonical.format,
        rulesetBytes,
        rulesetRevisionHash: sha256Hex(rulesetBytes),
      };
      let row: BundleMeta | null = null;
      for (let attempt = 0; attempt < VERSION_ATTEMPTS && !row; attempt++) {
        try {
          row = await bundlesRepository.insertNextVersion(db, values);
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
        }
      }
      if (!row) throw conflict(`Too many concurrent uploads of bundle '${result.name}'; try again.`, 'bundles.version_conflict');
      await ctx.publish.dashboard(tenantId, 'bundle_uploaded', {
        bundle_name: row.name,
        version: row.version,
        revision_hash: row.revisionHash,
        uploaded_by: uploadedBy,
      });
      return bundleResponse(row);
    },

    async list(p: Principal): Promise<BundleSummaryT[]> {
      const env = p.kind === 'apiKey' ? p.env : undefined;
      const [sums, current] = await Promise.all([
        bundlesRepository.summaries(db, p.tenantId, env),
        bundlesRepository.currentDeployments(db, p.tenantId, env === undefined ? {} : { env }),
      ]);
      const byName = new Map<string, typeof current>();
      for (const c of current) byName.set(c.bundleName, [...(byName.get(c.bundleName) ?? []), c]);
      return sums
        .filter((s) => env === undefined || byName.has(s.name))
        .sort((a, b) => b.lastUpdated.getTime() - a.lastUpdated.getTime() || a.name.localeCompare(b.name))
        .map((s) => {
          const deployed = byName.get(s.name) ?? [];
          const last = deployed.reduce<Date | null>((m, d) => (m === null || d.deployedAt > m ? d.deployedAt : m), null);
          return {
            name: s.name,
            latest_version: s.latestVersion,
            version_count: s.versionCount,
            last_updated: s.lastUpdated.toISOString(),
            deployed_envs: deployed.map((d) => d.env).sort(),
            // Scoped to a key's env: the contract count of the version that env runs.
            contract_count: env === undefined ? s.latestContractCount : (deployed[0]?.contractCount ?? null),
            last_deployed_at: last?.toISOString() ?? null,
          };
        });
    },

    async versions(tenantId: string, name: string): Promise<BundleWithDeploymentsT[]> {
      const [rows, current] = await Promise.all([
        bundlesRepository.versions(db, tenantId, name),
        bundlesRepository.currentDeployments(db, tenantId, { name }),
      ]);
      if (rows.length === 0) throw notFound(`Bundle '${name}' not found`, 'bundles.not_found');
      return rows.map((r) => ({
        ...bundleResponse(r),
        deployed_envs: current
          .filter((c) => c.bundleVersion === r.version)
          .map((c) => c.env)
          .sort(),
      }));
    },

    async version(p: Principal, name: string, version: number): Promise<BundleResponseT> {
      return bundleResponse(await visibleVersion(p, name, version));
    },

    async yaml(p: Principal, name: string, version: number): Promise<Buffer> {
      const row = await visibleVersion(p, name, version);
      return Buffer.from(row.yamlBytes.buffer, row.yamlBytes.byteOffset, row.yamlBytes.byteLength);
    },

    async current(p: Principal, name: string, env: string): Promise<BundleCurrentT> {
      assertEnvAllowed(p, env, 'access');
      const found = await signer.deliveredTo(p.tenantId, env, name, p.kind === 'apiKey' ? p.agentId : null);
      if (!found) throw notFound(`No deployed bundle '${name}' for env '${env}'`, 'bundles.not_deployed');
      const r = found.signed.ruleset;
      // An in-between SDK release the operator listed loads only `kind: Ruleset` (docs/agents.md).
      if (p.kind === 'apiKey' && r && wantsRulesetOnApiV1(ctx.deps.config.apiV1RulesetAgents, p.agentId)) {
        return {
          ...bundleResponse(found.bundle),
          revision_hash: r.revisionHash,
          yaml_bytes: toBase64(r.bytes),
          signature: toBase64(r.signature),
          signature_hex: toHex(r.signature),
          public_key: toHex(found.signed.publicKey),
        };
      }
      return {
        ...bundleResponse(found.bundle),
        yaml_bytes: toBase64(found.bundle.yamlBytes),
        signature: toBase64(found.signed.signature),
        signature_hex: toHex(found.signed.signature),
        public_key: toHex(found.signed.publicKey),
      };
    },
  };
}

export type BundlesService = ReturnType<typeof createBundlesService>;

import type { AppContext } from '../../context.js';
import { sha256Hex, toHex } from '../../platform/crypto.js';
import { notFound, unavailable } from '../../platform/errors.js';
import type { BundlesApi } from '../protocol-types.js';
import { contractUpdatePayload, rulesetBytesOf, type BundleSigner, type SignedRendering } from './bundle-signatures.js';
import { appendChain, deployContent } from '../audit-chain/chain.append.js';
import { bundlesRepository } from './bundles.repository.js';
import type { ServedBundles } from '../breakglass/served-bundle.js';
import { recordActivity, type Actor } from '../activity/activity.service.js';
import type { DeploymentResponseT, RotateResponseT, SigningKeyResponseT } from './bundles.schemas.js';

/** A rotation racing deploys (its set of deployed bundles changed before it could commit). */
const ROTATE_ATTEMPTS = 5;

type DeploymentRow = Awaited<ReturnType<typeof bundlesRepository.insertDeployment>>;

function deploymentResponse(d: DeploymentRow): DeploymentResponseT {
  return {
    id: d.id,
    env: d.env,
    bundle_name: d.bundleName,
    bundle_version: d.bundleVersion,
    deployed_by: d.deployedBy,
    created_at: d.createdAt.toISOString(),
  };
}

export function createDeploymentsService(ctx: AppContext, signer: BundleSigner, served: ServedBundles) {
  const { db } = ctx.deps.database;
  const signing = ctx.deps.signing;

  /** The re-signed current bundle of each deployment, to the agents streaming it. */
  async function pushReSigned(tenantId: string, current: { env: string; bundleName: string }[]): Promise<void> {
    for (const d of current) {
      // Read back after commit: what is served now (a deploy racing this is pushed by the deploy).
      // Both generations, as a deploy: one bus message, rendered per stream (stream-dialect.ts).
      await served.pushToAgents(tenantId, d.env, d.bundleName);
    }
  }

  const service = {
    /** Sign with the active key if needed (outside the transaction), record the deployment, then push. */
    async deploy(
      tenantId: string,
      deployedBy: string,
      name: string,
      version: number,
      env: string,
      actor?: Actor,
      opts: { stragglerAfterSeconds?: number | undefined } = {},
    ): Promise<DeploymentResponseT> {
      const done = await signer.withActiveSignature(
        tenantId,
        (d) => bundlesRepository.get(d, tenantId, name, version),
        async (tx, bundle, signed) => {
          const d = await bundlesRepository.insertDeployment(tx, { tenantId, env, bundleName: name, bundleVersion: version, deployedBy });
          // The deploy, its rollout record (target agents at this moment), its activity row and its
          // audit-chain entry (last: it holds the chain head until commit) commit together.
          const rolloutId = await ctx.deployTracker.record(tx, {
            tenantId,
            deploymentId: d.id,
            env,
            bundleName: name,
            bundleVersion: version,
            revisionHash: bundle.revisionHash,
            rulesetRevisionHash: signed.ruleset?.revisionHash ?? null,
            deployedBy,
            createdAt: d.createdAt,
            stragglerAfterSeconds: opts.stragglerAfterSeconds,
          });
          if (actor) await recordActivity(tx, actor, { action: 'bundle.deploy', target: `bundle:${name}@${version}`, detail: { env, deployment_id: d.id } });
          await appendChain(tx, tenantId, { kind: 'deploy', refId: d.id, content: deployContent(d, bundle.revisionHash) });
          return { ...d, rolloutId };
        },
      );
      if (!done) throw notFound(`Bundle '${name}' version ${version} not found`, 'bundles.version_not_found');
      const { _ruleset: ruleset, ...payload } = contractUpdatePayload(done.bundle, done.signed);
      // Agents of both generations: one bus message, rendered per stream (stream-dialect.ts), of
      // the bundle as served to agents (with any break-glass overlay, served-bundle.ts).
      await served.pushToAgents(tenantId, env, name, { bundle: done.bundle, signed: done.signed });
      await ctx.publish.dashboard(tenantId, 'contract_update', { ...payload, ruleset_revision_hash: ruleset?.revision_hash ?? null });
      await ctx.publish.dashboard(tenantId, 'bundle_deployed', { bundle_name: name, version, env, deployed_by: deployedBy });
      // Each deploy is followed by a signed checkpoint of the chain head (after commit: signing
      // never runs inside a transaction). A failure is logged; the periodic job signs later.
      await ctx.audit.checkpoint(tenantId, 'deploy').catch((err: unknown) => ctx.deps.logger.error({ err, tenantId }, 'audit checkpoint after deploy failed'));
      if (done.value.rolloutId) await ctx.deployTracker.recorded(tenantId, done.value.rolloutId);
      // The answer stays the reference's (decision 1): the rollout is found by deployment id.
      return deploymentResponse(done.value);
    },

    async list(
      tenantId: string,
      f: { env?: string | undefined; bundleName?: string | undefined; limit: number },
    ): Promise<DeploymentResponseT[]> {
      return (await bundlesRepository.listDeployments(db, tenantId, f)).map(deploymentResponse);
    },

    /**
     * New active key; every bundle current in some env is re-signed with it. Signatures are made
     * before the transaction; inside it, under the tenant's signing lock, the set of deployed
     * bundles is read again, and if a deploy added one meanwhile only that one is signed before
     * the next try (the same new key throughout). After commit, every current deployment is
     * pushed again (re-signed, with the new public key) to the agents streaming it, on every
     * process, so an agent that pins the key learns of the rotation at once.
     */
    async rotate(tenantId: string, actor?: Actor): Promise<RotateResponseT> {
      const key = signing.prepare();
      const signatures = new Map<string, Uint8Array>();
      const rulesets = new Map<string, SignedRendering | null>();
      for (let attempt = 0; attempt < ROTATE_ATTEMPTS; attempt++) {
        for (const b of await bundlesRepository.deployedBundles(db, tenantId, signatures)) {
          signatures.set(b.id, signing.sign(key, b.yamlBytes));
          // Both renderings are re-signed with the new key (decision 16).
          const bytes = rulesetBytesOf(b);
          rulesets.set(b.id, bytes && { bytes, revisionHash: sha256Hex(bytes), signature: signing.sign(key, bytes) });
        }
        const out = await db.transaction(async (tx) => {
          await signing.lockTenant(tx, tenantId);
          const current = await bundlesRepository.currentDeployments(tx, tenantId);
          const ids = [...new Set(current.map((c) => c.bundleId))];
          if (ids.some((id) => !signatures.has(id))) return null;
          const row = await signing.install(tx, tenantId, key);
          if (actor) await recordActivity(tx, actor, { action: 'signing_key.rotate', target: 'signing_key', detail: { bundles_re_signed: ids.length } });
          for (const id of ids) await bundlesRepository.setSignature(tx, tenantId, id, signatures.get(id)!, key.id, rulesets.get(id));
          return { row, current, count: ids.length };
        });
        if (!out) continue;
        const publicKey = toHex(out.row.publicKey);
        await ctx.publish.dashboard(tenantId, 'signing_key_rotated', { public_key: publicKey });
        await pushReSigned(tenantId, out.current);
        // Counted per bundle version re-signed (one signature serves every env it is current in).
        return { public_key: publicKey, rotated_at: out.row.createdAt.toISOString(), deployments_re_signed: out.count };
      }
      throw unavailable('Deployments kept changing during the key rotation; try again.', 'signing.rotation_conflict');
    },

    async signingKey(tenantId: string): Promise<SigningKeyResponseT> {
      const key = await signer.activeKey(tenantId);
      return { public_key: toHex(key.publicKey), created_at: key.createdAt.toISOString() };
    },

    /** The seam other modules use (stream: push on connect; fleet: drift). */
    api(): BundlesApi {
      return {
        async currentUpdate(tenantId, env, bundleName) {
          const found = await served.current(tenantId, env, bundleName, null);
          return found && contractUpdatePayload(found.bundle, found.signed);
        },
        agentUpdate: (tenantId, env, bundleName, agentId) => served.agentUpdate(tenantId, env, bundleName, agentId),
        async overrideUpdate(tenantId, env, bundleName, agentId) {
          const version = await ctx.delivery.versionFor(tenantId, env, bundleName, agentId);
          if (version === null) return null;
          const found = await signer.signedVersion(tenantId, bundleName, version);
          if (!found) return null;
          const out = await served.bundleServedToAgent(tenantId, agentId, found);
          return contractUpdatePayload(out.bundle, out.signed);
        },
        async versionUpdate(tenantId, bundleName, version) {
          // Canary steps push one payload to many agents: fleet-wide break-glass switches apply.
          const found = await signer.signedVersion(tenantId, bundleName, version);
          if (!found) return null;
          const out = await served.bundleServedToAgent(tenantId, null, found);
          return contractUpdatePayload(out.bundle, out.signed);
        },
        deploy: (tenantId, deployedBy, bundleName, version, env) => service.deploy(tenantId, deployedBy, bundleName, version, env),
        deployedRevision: (tenantId, env, bundleName) => bundlesRepository.currentRevision(db, tenantId, env, bundleName),
        deployedRevisions: (tenantId, env, bundleName) => bundlesRepository.currentRevisions(db, tenantId, env, bundleName),
      };
    },
  };
  return service;
}

export type DeploymentsService = ReturnType<typeof createDeploymentsService>;

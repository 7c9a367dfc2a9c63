import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { BundlesApi } from '../protocol-types.js';
import { createBundleValidator } from './bundle-validator.js';
import { createBundleSigner } from './bundle-signatures.js';
import { createBundlesService } from './bundles.service.js';
import { createDeploymentsService } from './deployments.service.js';
import { bundlesRoutes } from './bundles.routes.js';
import { deploymentsRoutes } from './deployments.routes.js';
import { rulesetsV2Routes } from './rulesets.v2.routes.js';
import { createServedBundles, type ServedBundles } from '../breakglass/served-bundle.js';

/**
 * Bundles (upload, versions, the signed current bundle), deployments, and the tenant signing key
 * (rotation and the public key for pinning). Returns the seam the stream and fleet modules use.
 */
export function registerBundles(app: FastifyInstance, ctx: AppContext): BundlesApi & { served: ServedBundles } {
  const validator = createBundleValidator();
  const signer = createBundleSigner(ctx.deps, () => ctx.delivery);
  // What agents receive: the deployment, or a canary slice's version (signer.deliveredTo), with
  // any break-glass overlay (served-bundle.ts); dashboards read the deployed bundle itself.
  const served = createServedBundles(ctx, signer);
  const deployments = createDeploymentsService(ctx, signer, served);
  bundlesRoutes(app, createBundlesService(ctx, validator, signer, served), validator);
  deploymentsRoutes(app, deployments);
  rulesetsV2Routes(app, served);
  app.addHook('onClose', async () => {
    served.close();
    await validator.close();
  });
  return Object.assign(deployments.api(), { served });
}

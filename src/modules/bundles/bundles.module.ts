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

/**
 * Bundles (upload, versions, the signed current bundle), deployments, and the tenant signing key
 * (rotation and the public key for pinning). Returns the seam the stream and fleet modules use.
 */
export function registerBundles(app: FastifyInstance, ctx: AppContext): BundlesApi {
  const validator = createBundleValidator();
  const signer = createBundleSigner(ctx.deps);
  const deployments = createDeploymentsService(ctx, signer);
  bundlesRoutes(app, createBundlesService(ctx, validator, signer), validator);
  deploymentsRoutes(app, deployments);
  rulesetsV2Routes(app, signer);
  app.addHook('onClose', async () => validator.close());
  return deployments.api();
}

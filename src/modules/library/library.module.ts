import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { ReplayService } from '../replay/replay.service.js';
import type { EvaluationPool } from '../evaluate/evaluation-pool.js';
import { createBundleValidator } from '../bundles/bundle-validator.js';
import { createBundleSigner } from '../bundles/bundle-signatures.js';
import { createBundlesService } from '../bundles/bundles.service.js';
import { createDeploymentsService } from '../bundles/deployments.service.js';
import { createContractsService } from './contracts.service.js';
import { createCompositionsService } from './compositions.service.js';
import { createLibraryImport } from './library-import.js';
import { createFromEventService } from './contract-from-event.js';
import { createDiffService } from './diff.service.js';
import { contractsRoutes } from './contracts.routes.js';
import type { ServedBundles } from '../breakglass/served-bundle.js';
import { compositionsRoutes } from './compositions.routes.js';

/**
 * The contract library and compositions (issue 13). A composition deploys through the bundles
 * module's own upload and deploy services (an ordinary, signed bundle version, pushed to both SDK
 * generations); every contract, preview and import is judged by the one engine (the bundle
 * validator, off the event loop when large); impact is a replay job of the replay module.
 */
export function registerLibrary(
  app: FastifyInstance,
  ctx: AppContext,
  tools: { replay: ReplayService; pool: EvaluationPool },
  served: ServedBundles,
): void {
  const validator = createBundleValidator();
  const signer = createBundleSigner(ctx.deps);
  const compositions = createCompositionsService(ctx, {
    validator,
    bundles: createBundlesService(ctx, validator, signer, served),
    deployments: createDeploymentsService(ctx, signer, served),
  });
  const contracts = createContractsService(ctx, validator, compositions.hooks);
  const imports = createLibraryImport(ctx, validator, compositions.hooks);
  const fromEvent = createFromEventService(ctx, { pool: tools.pool, contracts, compositions });
  const diff = createDiffService(ctx, { validator, replay: tools.replay, compositions });
  contractsRoutes(app, { contracts, imports, fromEvent });
  compositionsRoutes(app, { compositions, diff });
  app.addHook('onClose', async () => validator.close());
}

import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { BundlesApi } from '../protocol-types.js';

/** Bundles, signing, deployments (placeholder until implemented). */
export function registerBundles(_app: FastifyInstance, _ctx: AppContext): BundlesApi {
  return { currentUpdate: async () => null, deployedRevision: async () => null };
}

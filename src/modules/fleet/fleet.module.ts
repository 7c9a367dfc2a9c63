import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { BundlesApi, FleetApi, LiveAgentsApi } from '../protocol-types.js';
import { fleetRoutes } from './fleet.routes.js';
import { createFleetService } from './fleet.service.js';

/**
 * Agent registrations, explicit assignment, assignment rules, resolution and `/agents/status`.
 * `/agents/status` reads the live-connections table (every process's streams), not `live()`,
 * which only knows this process's sockets (docs/scaling.md).
 */
export function registerFleet(
  app: FastifyInstance,
  ctx: AppContext,
  deps: { bundles: BundlesApi; live: () => LiveAgentsApi },
): FleetApi {
  const service = createFleetService(ctx, deps.bundles);
  fleetRoutes(app, service);
  return service.api;
}

import type { FastifyInstance } from 'fastify';
import type { AppContext, StreamHubView } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';
import type { BundlesApi, FleetApi, LiveAgentsApi } from '../protocol-types.js';
import { createStreamHub } from './stream.hub.js';
import { streamRoutes } from './stream.routes.js';
import { streamV2Routes } from './stream.v2.routes.js';

/** Every 5 minutes, in every process (each sweeps its own sockets; any may sweep dead processes). */
export const CONNECTION_CLEANUP_INTERVAL_MS = 5 * 60_000;

/** SSE streams for agents and dashboards, the live-connections bookkeeping and its cleanup job. */
export function registerStreams(
  app: FastifyInstance,
  ctx: AppContext,
  deps: { bundles: BundlesApi; fleet: FleetApi },
): { hub: StreamHubView; live: LiveAgentsApi; jobs: Job[] } {
  const hub = createStreamHub({ ctx, bundles: deps.bundles, fleet: deps.fleet });
  streamRoutes(app, hub, ctx.deps.config.apiV1RulesetAgents);
  streamV2Routes(app, hub, ctx.deps.database.db);
  app.addHook('onReady', async () => {
    await hub.start();
  });
  // preClose, not onClose: Fastify closes the server (which waits for every open connection) before
  // onClose hooks run, so streams must end first or shutdown would wait on every agent.
  app.addHook('preClose', async () => {
    await hub.closeAll();
  });
  return {
    hub: { connectedAgents: hub.connectedAgents, closeAll: hub.closeAll },
    live: hub.live,
    jobs: [
      { name: 'connection_cleanup', intervalMs: CONNECTION_CLEANUP_INTERVAL_MS, leaderOnly: false, run: () => hub.cleanup() },
    ],
  };
}

import type { FastifyInstance } from 'fastify';
import type { AppContext, StreamHubView } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';
import type { BundlesApi, FleetApi, LiveAgentsApi } from '../protocol-types.js';

/** SSE streams for agents and dashboards (placeholder until implemented). */
export function registerStreams(
  _app: FastifyInstance,
  _ctx: AppContext,
  _deps: { bundles: BundlesApi; fleet: FleetApi },
): { hub: StreamHubView; live: LiveAgentsApi; jobs: Job[] } {
  return {
    hub: { connectedAgents: () => 0, closeAll: async () => undefined },
    live: { list: () => [], count: () => 0 },
    jobs: [],
  };
}

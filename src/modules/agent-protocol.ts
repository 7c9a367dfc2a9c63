import type { FastifyInstance } from 'fastify';
import type { AppContext, StreamHubView } from '../context.js';
import type { Job } from '../workers/scheduler.js';
import type { BundlesApi, LiveAgentsApi } from './protocol-types.js';
import { registerBundles } from './bundles/bundles.module.js';
import { registerFleet } from './fleet/fleet.module.js';
import { registerStreams } from './stream/stream.module.js';
import { registerEvents } from './events/events.module.js';
import { registerApprovals } from './approvals/approvals.module.js';
import { registerSessions } from './sessions/sessions.module.js';
import { skillScanRoutes } from './v2/skill-scan.routes.js';
import type { ServedBundles } from './breakglass/served-bundle.js';

/**
 * The agent protocol (issue 3): bundles, streams, events, approvals, the session store, the
 * fleet. Modules talk through the small interfaces in protocol-types.ts.
 */
export function registerAgentProtocol(app: FastifyInstance, ctx: AppContext): { hub: StreamHubView; jobs: Job[]; served: ServedBundles; bundles: BundlesApi } {
  let live: LiveAgentsApi = { list: () => [], count: () => 0 };
  const bundles = registerBundles(app, ctx);
  const fleet = registerFleet(app, ctx, { bundles, live: () => live });
  const streams = registerStreams(app, ctx, { bundles, fleet });
  live = streams.live;
  const events = registerEvents(app, ctx);
  const approvals = registerApprovals(app, ctx);
  const sessions = registerSessions(app, ctx);
  skillScanRoutes(app);
  return { bundles, hub: streams.hub, jobs: [...streams.jobs, ...events.jobs, ...approvals.jobs, ...sessions.jobs], served: bundles.served };
}

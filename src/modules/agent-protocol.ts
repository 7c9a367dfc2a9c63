import type { FastifyInstance } from 'fastify';
import type { AppContext, StreamHubView } from '../context.js';
import type { Job } from '../workers/scheduler.js';

/**
 * Registers the agent protocol (issue 3): bundles, streams, events, approvals, the session
 * store, the fleet. Each area's routes are added here as they land.
 */
export function registerAgentProtocol(_app: FastifyInstance, _ctx: AppContext): { hub: StreamHubView; jobs: Job[] } {
  return { hub: { connectedAgents: () => 0, closeAll: async () => undefined }, jobs: [] };
}

import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { BundlesApi, FleetApi, LiveAgentsApi } from '../protocol-types.js';

/** Agent registrations, assignment rules, /agents/status (placeholder until implemented). */
export function registerFleet(
  _app: FastifyInstance,
  _ctx: AppContext,
  _deps: { bundles: BundlesApi; live: () => LiveAgentsApi },
): FleetApi {
  return {
    onConnect: async () => ({ tags: {} }),
    resolve: async () => ({ bundle_name: null, source: 'none', rule_id: null, rule_pattern: null }),
  };
}

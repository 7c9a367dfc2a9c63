import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireAdmin } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import type { Comparison } from './canary-rules.js';
import type { RolloutRow } from './rollouts.repository.js';
import type { RolloutsService } from './rollouts.service.js';
import { RolloutDetail, RolloutParams, RolloutsQuery, RolloutSummary } from './rollouts.schemas.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };

/** Deploy tracking (docs/rollouts.md). Admin only: who runs what across the fleet. */
export function rolloutsRoutes(app: FastifyInstance, rollouts: RolloutsService, compare: (r: RolloutRow) => Promise<Comparison>): void {
  app.get(
    '/api/v1/rollouts',
    { config: { auth: 'admin' }, schema: { querystring: RolloutsQuery, response: { 200: z.array(RolloutSummary), ...errors } } },
    async (request) => {
      const q = request.query as z.output<typeof RolloutsQuery>;
      return rollouts.list(requireAdmin(request).tenantId, { env: q.env, bundleName: q.bundle_name, deploymentId: q.deployment_id, limit: q.limit });
    },
  );

  app.get(
    '/api/v1/rollouts/:id',
    { config: { auth: 'admin' }, schema: { params: RolloutParams, response: { 200: RolloutDetail, ...errors } } },
    async (request) => rollouts.get(requireAdmin(request).tenantId, (request.params as z.output<typeof RolloutParams>).id, compare),
  );
}

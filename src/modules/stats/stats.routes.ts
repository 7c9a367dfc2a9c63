import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { requireEither, requireSession } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import { ContractStats, ContractStatsQuery, StatsOverview, type ContractStatsQueryT } from './stats.schemas.js';
import { createStatsService } from './stats.service.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 422: ErrorResponse };

export function statsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const stats = createStatsService(ctx.deps.database, ctx.deps.now);

  app.get('/api/v1/stats/overview', { config: { auth: 'either' }, schema: { response: { 200: StatsOverview, ...errors } } }, async (request) =>
    stats.overview(requireEither(request)),
  );

  app.get(
    '/api/v1/stats/contracts',
    { config: { auth: 'session' }, schema: { querystring: ContractStatsQuery, response: { 200: ContractStats, ...errors } } },
    async (request) => stats.contracts(requireSession(request).tenantId, request.query as ContractStatsQueryT),
  );
}

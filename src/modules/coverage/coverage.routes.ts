import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { requireSession } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import { createHistoryService } from './coverage.history.js';
import { createCoverageService } from './coverage.service.js';
import {
  AgentCoverage,
  AgentHistory,
  AgentIdParams,
  CoverageQuery,
  FleetCoverage,
  FleetQuery,
  HistoryQuery,
  type CoverageQueryT,
  type FleetQueryT,
} from './coverage.schemas.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };

/** console-api.md 1.12 (fleet-coverage, coverage, history); /agents/status is the fleet module's. */
export function coverageRoutes(app: FastifyInstance, ctx: AppContext): void {
  const coverage = createCoverageService(ctx.deps.database, ctx.deps.now);
  const history = createHistoryService(ctx.deps.database, ctx.deps.now);

  app.get(
    '/api/v1/agents/fleet-coverage',
    { config: { auth: 'session' }, schema: { querystring: FleetQuery, response: { 200: FleetCoverage, ...errors } } },
    async (request) => {
      const q = request.query as FleetQueryT;
      return coverage.fleetCoverage(requireSession(request).tenantId, q.since, q.env ?? null);
    },
  );

  app.get(
    '/api/v1/agents/:agent_id/coverage',
    { config: { auth: 'session' }, schema: { params: AgentIdParams, querystring: CoverageQuery, response: { 200: AgentCoverage, ...errors } } },
    async (request) => {
      const q = request.query as CoverageQueryT;
      const { agent_id } = request.params as { agent_id: string };
      return coverage.agentCoverage(requireSession(request).tenantId, agent_id, q.since, q.include_verdicts);
    },
  );

  app.get(
    '/api/v1/agents/:agent_id/history',
    { config: { auth: 'session' }, schema: { params: AgentIdParams, querystring: HistoryQuery, response: { 200: AgentHistory, ...errors } } },
    async (request) => {
      const { agent_id } = request.params as { agent_id: string };
      const { limit } = request.query as { limit: number };
      return history.history(requireSession(request).tenantId, agent_id, limit);
    },
  );
}

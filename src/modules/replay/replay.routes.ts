import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import type { ReplayService } from './replay.service.js';
import { JobParams, REPLAY_BODY_LIMIT, ReplayBody, ReplayJob, type ReplayBodyT } from './replay.schemas.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };
/**
 * A UUID-shaped id only: `GET /api/v1/bundles/replay/3` still reaches version 3 of a bundle named
 * `replay` (the router falls back to `/:name/:version` when this pattern does not match).
 */
const JOB = '/api/v1/bundles/replay/:id([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})';

export function replayRoutes(app: FastifyInstance, replay: ReplayService): void {
  app.post(
    '/api/v1/bundles/replay',
    {
      bodyLimit: REPLAY_BODY_LIMIT,
      config: { auth: 'admin' },
      schema: { body: ReplayBody, response: { 202: ReplayJob, ...errors, 429: ErrorResponse, 503: ErrorResponse } },
    },
    async (request, reply) => {
      const p = requireAdmin(request);
      return reply.code(202).send(await replay.start(p.tenantId, p.email, request.body as ReplayBodyT));
    },
  );

  app.get(JOB, { config: { auth: 'admin' }, schema: { params: JobParams, response: { 200: ReplayJob, ...errors } } }, async (request) =>
    replay.get(requireAdmin(request).tenantId, (request.params as { id: string }).id),
  );

  app.delete(JOB, { config: { auth: 'admin' }, schema: { params: JobParams, response: { 200: ReplayJob, ...errors } } }, async (request) =>
    replay.cancel(requireAdmin(request).tenantId, (request.params as { id: string }).id),
  );
}

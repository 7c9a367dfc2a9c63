import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { forbidden } from '../../platform/errors.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import { SetupBody, SetupResponse } from './setup.schemas.js';
import { bootstrapAdmin } from './setup.service.js';

export function setupRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post(
    '/api/v1/setup',
    {
      bodyLimit: 4 * 1024,
      schema: { body: SetupBody, response: { 201: SetupResponse, 403: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse } },
      // The CSRF middleware exempts this path, but the handler still demands the header.
      preValidation: async (request) => {
        if (!request.headers['x-requested-with']) throw forbidden('Missing X-Requested-With header.', 'csrf.missing');
      },
    },
    async (request, reply) => {
      const body = request.body as typeof SetupBody._output;
      const out = await bootstrapAdmin(deps, {
        email: body.email,
        password: body.password,
        tenantName: body.tenant_name ?? 'Default',
      });
      return reply.code(201).send({ message: 'Admin created', user_id: out.userId, tenant_id: out.tenantId });
    },
  );
}

import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { conflict, forbidden } from '../../platform/errors.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import { authRepository } from '../auth/auth.repository.js';
import { SetupBody, SetupResponse, SetupStatusResponse } from './setup.schemas.js';
import { bootstrapAdmin } from './setup.service.js';
import { assertSetupToken, forgetSetupLink } from './setup.token.js';

export function setupRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/api/v1/setup/status', { schema: { response: { 200: SetupStatusResponse } } }, async () => {
    const done = (await authRepository.countUsers(deps.database.db)) > 0;
    return { bootstrap_complete: done, setup_token_required: !done };
  });

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
      // A claimed console says so (as before); only an unclaimed one asks for the token.
      // bootstrapAdmin re-checks under the bootstrap lock, so a race still makes one admin.
      if ((await authRepository.countUsers(deps.database.db)) > 0) throw conflict('Server is already set up.', 'setup.already_done');
      assertSetupToken(deps, body.setup_token);
      const out = await bootstrapAdmin(deps, {
        email: body.email,
        password: body.password,
        tenantName: body.tenant_name ?? 'Default',
      }, { source: 'dashboard', ip: request.ip.slice(0, 64), userAgent: request.headers['user-agent']?.slice(0, 512) ?? null });
      forgetSetupLink(deps);
      request.log.info({ event: 'setup.claimed', userId: out.userId }, 'console claimed: first admin created');
      return reply.code(201).send({ message: 'Admin created', user_id: out.userId, tenant_id: out.tenantId });
    },
  );
}

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireAdmin, requireSession } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import type { DeploymentsService } from './deployments.service.js';
import { actorOf } from '../activity/activity.service.js';
import {
  DeployBody,
  DeploymentResponse,
  DeploymentsQuery,
  RotateResponse,
  SigningKeyResponse,
  VersionParams,
} from './bundles.schemas.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse, 503: ErrorResponse };

export function deploymentsRoutes(app: FastifyInstance, deployments: DeploymentsService): void {
  app.post(
    '/api/v1/bundles/:name/:version/deploy',
    {
      config: { auth: 'session' },
      schema: { params: VersionParams, body: DeployBody, response: { 201: DeploymentResponse, ...errors } },
    },
    async (request, reply) => {
      const p = requireSession(request);
      const { name, version } = request.params as z.output<typeof VersionParams>;
      const body = request.body as z.output<typeof DeployBody>;
      const opts = { stragglerAfterSeconds: body.straggler_after_seconds };
      return reply.code(201).send(await deployments.deploy(p.tenantId, p.email, name, version, body.env, actorOf(request), opts));
    },
  );

  app.get(
    '/api/v1/deployments',
    {
      config: { auth: 'session' },
      schema: { querystring: DeploymentsQuery, response: { 200: z.array(DeploymentResponse), ...errors } },
    },
    async (request) => {
      const q = request.query as z.output<typeof DeploymentsQuery>;
      return deployments.list(requireSession(request).tenantId, { env: q.env, bundleName: q.bundle_name, limit: q.limit });
    },
  );

  app.post(
    '/api/v1/settings/rotate-signing-key',
    { config: { auth: 'admin' }, schema: { response: { 201: RotateResponse, ...errors } } },
    async (request, reply) => reply.code(201).send(await deployments.rotate(requireAdmin(request).tenantId, actorOf(request))),
  );

  // Ours (decision 2): the active public key, for operators to pin in their agents.
  app.get(
    '/api/v1/settings/signing-key',
    { config: { auth: 'session' }, schema: { response: { 200: SigningKeyResponse, ...errors } } },
    async (request) => deployments.signingKey(requireSession(request).tenantId),
  );
}

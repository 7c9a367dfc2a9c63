import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { requireAdmin, requireSession } from '../../platform/auth.js';
import type { ApiKeyCache } from '../../platform/api-key-cache.js';
import type { Publisher } from '../../platform/publisher.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import { ApiKeyList, CreateKeyBody, CreatedApiKey, KeyIdParams } from './keys.schemas.js';
import { createKeysService, type KeysService } from './keys.service.js';
import { actorOf } from '../activity/activity.service.js';

export function keysRoutes(app: FastifyInstance, deps: AppDeps, publish: Publisher, cache: ApiKeyCache): KeysService {
  const keys = createKeysService(deps, publish, cache);
  const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };

  app.post('/api/v1/keys', { config: { auth: 'admin' }, schema: { body: CreateKeyBody, response: { 201: CreatedApiKey, ...errors } } }, async (request, reply) => {
    const p = requireAdmin(request);
    const body = request.body as typeof CreateKeyBody._output;
    const label = body.label && body.label.length > 0 ? body.label : null;
    return reply.code(201).send(await keys.create({ ...actorOf(request), tenantId: p.tenantId }, body.env, label));
  });

  app.get('/api/v1/keys', { config: { auth: 'session' }, schema: { response: { 200: ApiKeyList, ...errors } } }, async (request) => {
    return keys.list(requireSession(request).tenantId);
  });

  app.delete('/api/v1/keys/:key_id', { config: { auth: 'admin' }, schema: { params: KeyIdParams, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
    const p = requireAdmin(request);
    await keys.revoke({ ...actorOf(request), tenantId: p.tenantId }, (request.params as typeof KeyIdParams._output).key_id);
    return reply.code(204).send();
  });
  return keys;
}

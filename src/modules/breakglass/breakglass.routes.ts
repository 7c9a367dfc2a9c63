import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { requireAdmin } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import { adminActorOf } from '../activity/activity.service.js';
import type { BreakGlassService } from './breakglass.service.js';
import {
  ArmBody,
  DisarmBody,
  ExtendBody,
  SwitchList,
  SwitchParams,
  SwitchResponse,
  type ArmBodyT,
} from './breakglass.schemas.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };
const BASE = '/api/v1/break-glass';
const admin = { auth: 'admin' as const };

/** Break-glass switches: admins only; another tenant's switch is a 404. */
export function breakGlassRoutes(app: FastifyInstance, service: BreakGlassService): void {
  app.get(BASE, { config: admin, schema: { response: { 200: SwitchList, ...errors } } }, async (request) => {
    const p = requireAdmin(request);
    return service.list(p.tenantId, p.userId);
  });

  app.post(
    BASE,
    { config: admin, bodyLimit: 8 * 1024, schema: { body: ArmBody, response: { 201: SwitchResponse, ...errors } } },
    async (request, reply) => {
      return reply.code(201).send(await service.arm(adminActorOf(request), request.body as ArmBodyT));
    },
  );

  const idOf = (params: unknown) => (params as z.output<typeof SwitchParams>).id;

  app.post(
    `${BASE}/:id/confirm`,
    { config: admin, schema: { params: SwitchParams, response: { 200: SwitchResponse, ...errors } } },
    async (request) => service.confirm(adminActorOf(request), idOf(request.params)),
  );

  app.post(
    `${BASE}/:id/extend`,
    {
      config: admin,
      bodyLimit: 4 * 1024,
      schema: { params: SwitchParams, body: ExtendBody, response: { 200: SwitchResponse, ...errors } },
    },
    async (request) =>
      service.extend(adminActorOf(request), idOf(request.params), (request.body as z.output<typeof ExtendBody>).minutes),
  );

  app.post(
    `${BASE}/:id/disarm`,
    {
      config: admin,
      bodyLimit: 4 * 1024,
      schema: { params: SwitchParams, body: DisarmBody, response: { 200: SwitchResponse, ...errors } },
    },
    async (request) =>
      service.disarm(
        adminActorOf(request),
        idOf(request.params),
        (request.body as z.output<typeof DisarmBody> | undefined)?.reason ?? null,
      ),
  );
}

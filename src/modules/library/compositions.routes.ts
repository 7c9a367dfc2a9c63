import { actorOf } from '../activity/activity.service.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireAdmin } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import { NameParams } from '../bundles/bundles.schemas.js';
import { LIBRARY_BODY_LIMIT } from './contracts.schemas.js';
import type { CompositionsService } from './compositions.service.js';
import type { DiffService } from './diff.service.js';
import {
  BundleDiffBody,
  CompositionDetail,
  CompositionDiffBody,
  CompositionParams,
  CompositionSummary,
  CreateCompositionBody,
  DeployCompositionBody,
  DeployCompositionResponse,
  DiffResponse,
  PreviewResponse,
  PromoteBody,
  PromoteResponse,
  UpdateCompositionBody,
  type BundleDiffBodyT,
  type CompositionDiffBodyT,
  type CreateCompositionBodyT,
  type UpdateCompositionBodyT,
} from './compositions.schemas.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };
const busy = { 429: ErrorResponse, 503: ErrorResponse };
const admin = { auth: 'admin' } as const;
const nameOf = (params: unknown) => (params as z.output<typeof CompositionParams>).name;

/** Compositions (console-api.md 1.16) plus promote and diff/impact: admin sessions only, tenant-scoped. */
export function compositionsRoutes(app: FastifyInstance, s: { compositions: CompositionsService; diff: DiffService }): void {
  app.get(
    '/api/v1/compositions',
    { config: admin, schema: { response: { 200: z.array(CompositionSummary), ...errors } } },
    async (request) => s.compositions.list(requireAdmin(request).tenantId),
  );

  app.post(
    '/api/v1/compositions',
    { bodyLimit: LIBRARY_BODY_LIMIT, config: admin, schema: { body: CreateCompositionBody, response: { 201: CompositionDetail, ...errors, 409: ErrorResponse } } },
    async (request, reply) => {
      const p = requireAdmin(request);
      return reply.code(201).send(await s.compositions.create(p.tenantId, p.email, request.body as CreateCompositionBodyT, actorOf(request)));
    },
  );

  app.get(
    '/api/v1/compositions/:name',
    { config: admin, schema: { params: CompositionParams, response: { 200: CompositionDetail, ...errors } } },
    async (request) => s.compositions.get(requireAdmin(request).tenantId, nameOf(request.params)),
  );

  app.put(
    '/api/v1/compositions/:name',
    {
      bodyLimit: LIBRARY_BODY_LIMIT,
      config: admin,
      schema: { params: CompositionParams, body: UpdateCompositionBody, response: { 200: CompositionDetail, ...errors } },
    },
    async (request) => s.compositions.update(requireAdmin(request).tenantId, nameOf(request.params), request.body as UpdateCompositionBodyT, actorOf(request)),
  );

  app.delete(
    '/api/v1/compositions/:name',
    { config: admin, schema: { params: CompositionParams, response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      await s.compositions.remove(requireAdmin(request).tenantId, nameOf(request.params), actorOf(request));
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/compositions/:name/preview',
    { config: admin, schema: { params: CompositionParams, response: { 200: PreviewResponse, ...errors, ...busy } } },
    async (request) => s.compositions.preview(requireAdmin(request).tenantId, nameOf(request.params)),
  );

  app.post(
    '/api/v1/compositions/:name/deploy',
    {
      config: admin,
      schema: { params: CompositionParams, body: DeployCompositionBody, response: { 201: DeployCompositionResponse, ...errors, 409: ErrorResponse, ...busy } },
    },
    async (request, reply) => {
      const p = requireAdmin(request);
      const { env } = request.body as z.output<typeof DeployCompositionBody>;
      return reply.code(201).send(await s.compositions.deploy(p.tenantId, p.email, nameOf(request.params), env));
    },
  );

  app.post(
    '/api/v1/compositions/:name/promote',
    { config: admin, schema: { params: CompositionParams, body: PromoteBody, response: { 200: PromoteResponse, ...errors, 409: ErrorResponse, ...busy } } },
    async (request) => {
      const p = requireAdmin(request);
      const body = request.body as z.output<typeof PromoteBody>;
      return s.compositions.promote(p.tenantId, p.email, nameOf(request.params), body.contract_ids ?? null);
    },
  );

  app.post(
    '/api/v1/compositions/:name/diff',
    { config: admin, schema: { params: CompositionParams, body: CompositionDiffBody, response: { 200: DiffResponse, ...errors, ...busy } } },
    async (request) => {
      const p = requireAdmin(request);
      return s.diff.composition(p.tenantId, p.email, nameOf(request.params), request.body as CompositionDiffBodyT);
    },
  );

  app.post(
    '/api/v1/bundles/:name/diff',
    { config: admin, schema: { params: NameParams, body: BundleDiffBody, response: { 200: DiffResponse, ...errors, ...busy } } },
    async (request) => {
      const p = requireAdmin(request);
      const { name } = request.params as z.output<typeof NameParams>;
      return s.diff.bundle(p.tenantId, p.email, name, request.body as BundleDiffBodyT);
    },
  );
}

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireEither, requireSession } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import type { BundlesService } from './bundles.service.js';
import { actorOf } from '../activity/activity.service.js';
import {
  BundleCurrentResponse,
  BundleResponse,
  BundleSummary,
  BundleWithDeployments,
  CurrentQuery,
  NameParams,
  UPLOAD_BODY_LIMIT,
  UploadBody,
  VersionParams,
} from './bundles.schemas.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };

export function bundlesRoutes(app: FastifyInstance, bundles: BundlesService): void {
  app.post(
    '/api/v1/bundles',
    {
      bodyLimit: UPLOAD_BODY_LIMIT,
      config: { auth: 'session' },
      schema: {
        body: UploadBody,
        response: { 201: BundleResponse, ...errors, 409: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const p = requireSession(request);
      const body = request.body as z.output<typeof UploadBody>;
      return reply.code(201).send(await bundles.upload({ ...actorOf(request), tenantId: p.tenantId }, body.yaml_content));
    },
  );

  app.get(
    '/api/v1/bundles',
    { config: { auth: 'either' }, schema: { response: { 200: z.array(BundleSummary), ...errors } } },
    async (request) => bundles.list(requireEither(request)),
  );

  app.get(
    '/api/v1/bundles/:name',
    { config: { auth: 'session' }, schema: { params: NameParams, response: { 200: z.array(BundleWithDeployments), ...errors } } },
    async (request) => {
      const p = requireSession(request);
      return bundles.versions(p.tenantId, (request.params as z.output<typeof NameParams>).name);
    },
  );

  // Static segments win over parameters in Fastify's router, so `current` never reads as a version.
  app.get(
    '/api/v1/bundles/:name/current',
    {
      config: { auth: 'either' },
      schema: { params: NameParams, querystring: CurrentQuery, response: { 200: BundleCurrentResponse, ...errors } },
    },
    async (request) => {
      const p = requireEither(request);
      const { name } = request.params as z.output<typeof NameParams>;
      return bundles.current(p, name, (request.query as z.output<typeof CurrentQuery>).env);
    },
  );

  app.get(
    '/api/v1/bundles/:name/:version',
    { config: { auth: 'either' }, schema: { params: VersionParams, response: { 200: BundleResponse, ...errors } } },
    async (request) => {
      const { name, version } = request.params as z.output<typeof VersionParams>;
      return bundles.version(requireEither(request), name, version);
    },
  );

  app.get(
    '/api/v1/bundles/:name/:version/yaml',
    { config: { auth: 'either' }, schema: { params: VersionParams, response: errors } },
    async (request, reply) => {
      const { name, version } = request.params as z.output<typeof VersionParams>;
      const bytes = await bundles.yaml(requireEither(request), name, version);
      return reply.type('application/x-yaml').send(bytes);
    },
  );
}

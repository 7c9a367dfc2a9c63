import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireEither, requireSession } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import type { BundlesService } from './bundles.service.js';
import { actorOf } from '../activity/activity.service.js';
import type { BundleValidator } from './bundle-validator.js';
import { tooManyRequests } from '../../platform/errors.js';
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

export function bundlesRoutes(app: FastifyInstance, bundles: BundlesService, validator?: Pick<BundleValidator, 'wouldRefuse'>): void {
  app.post(
    '/api/v1/bundles',
    {
      bodyLimit: UPLOAD_BODY_LIMIT,
      config: { auth: 'session' },
      // A signed-in user's upload that the validator could not take now is refused before its body
      // is read or parsed: a burst of uploads costs the main thread a header check each, not a JSON
      // parse and a validation (issue 10). Strangers still get 401 (the guard runs later).
      preParsing: async (request) => {
        const length = Number(request.headers['content-length'] ?? 0);
        if (validator && request.principal && Number.isFinite(length) && validator.wouldRefuse(length)) {
          throw tooManyRequests('Too many bundle validations in progress. Try again shortly.', 1, 'bundles.validation_busy');
        }
      },
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

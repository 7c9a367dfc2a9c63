import type { FastifyInstance } from 'fastify';
import { requireSession } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import type { EvaluateService } from './evaluate.service.js';
import { EVALUATE_BODY_LIMIT, EvaluateBody, EvaluateResponse, type EvaluateBodyT } from './evaluate.schemas.js';

export function evaluateRoutes(app: FastifyInstance, service: EvaluateService): void {
  app.post(
    '/api/v1/bundles/evaluate',
    {
      bodyLimit: EVALUATE_BODY_LIMIT,
      config: { auth: 'session' },
      schema: {
        body: EvaluateBody,
        response: {
          200: EvaluateResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          422: ErrorResponse,
          429: ErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request) => service.evaluate(requireSession(request).tenantId, request.body as EvaluateBodyT),
  );
}

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireAdmin, requireSession } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import { SSE_HEADERS } from '../stream/stream.sse.js';
import type { AiSettingsService } from './ai-settings.service.js';
import type { AssistantService, AssistFrame } from './assistant.service.js';
import {
  AiConfiguredResponse,
  AiSettingsBody,
  AiSettingsResponse,
  AiTestResponse,
  AssistBody,
  DescribeBody,
  DescribeResponse,
  UsageQuery,
  UsageResponse,
  type AiSettingsBodyT,
  type AssistBodyT,
  type DescribeBodyT,
} from './assistant.schemas.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 422: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };
const BASE = '/api/v1/settings/ai';

/**
 * console-api.md 1.18. Reading whether AI is configured (and the masked key) is for any session:
 * the dashboard hides the assistant when it is not. Changing, testing and reading usage is for admins.
 */
export function aiSettingsRoutes(app: FastifyInstance, settings: AiSettingsService): void {
  app.get(BASE, { config: { auth: 'session' }, schema: { response: { 200: AiSettingsResponse, ...errors } } }, async (request) => settings.get(requireSession(request).tenantId));

  app.put(BASE, { config: { auth: 'admin' }, schema: { body: AiSettingsBody, response: { 200: AiConfiguredResponse, ...errors } } }, async (request) => {
    const p = requireAdmin(request);
    await settings.put(p.tenantId, p.email, request.body as AiSettingsBodyT);
    return { configured: true as const };
  });

  app.delete(BASE, { config: { auth: 'admin' }, schema: { response: { 204: z.null(), ...errors } } }, async (request, reply) => {
    await settings.remove(requireAdmin(request).tenantId);
    return reply.code(204).send();
  });

  app.post(`${BASE}/test`, { config: { auth: 'admin' }, schema: { response: { 200: AiTestResponse, ...errors } } }, async (request) => settings.test(requireAdmin(request).tenantId));

  app.get(`${BASE}/usage`, { config: { auth: 'admin' }, schema: { querystring: UsageQuery, response: { 200: UsageResponse, ...errors } } }, async (request) =>
    settings.usage(requireAdmin(request).tenantId, (request.query as { days: number }).days),
  );
}

/** console-api.md 1.15: the assistant stream and generate-description (session; the library's body limit). */
export function assistantRoutes(app: FastifyInstance, assistant: AssistantService, keepaliveSeconds: number): void {
  app.post(
    '/api/v1/contracts/assist',
    { config: { auth: 'session' }, bodyLimit: 5 * 1024 * 1024, schema: { body: AssistBody, response: { ...errors } } },
    async (request, reply) => {
      const p = requireSession(request);
      // Refusals (not configured, no key, no model, rate limit) are plain HTTP errors before the stream.
      const model = await assistant.ready(p.tenantId);
      await assistant.limit(p.tenantId);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, SSE_HEADERS);
      const abort = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      const sink = {
        signal: abort.signal,
        send(frame: AssistFrame) {
          if (!res.destroyed) res.write(`data: ${JSON.stringify(frame)}\n\n`);
        },
      };
      const keepalive = setInterval(() => {
        if (!res.destroyed) res.write(': keepalive\n\n');
      }, keepaliveSeconds * 1000);
      try {
        await assistant.assist(p.tenantId, request.body as AssistBodyT, model, sink);
      } finally {
        clearInterval(keepalive);
        if (!res.destroyed) res.end('data: [DONE]\n\n');
      }
    },
  );

  app.post(
    '/api/v1/contracts/generate-description',
    { config: { auth: 'session' }, bodyLimit: 5 * 1024 * 1024, schema: { body: DescribeBody, response: { 200: DescribeResponse, ...errors } } },
    async (request) => assistant.describe(requireSession(request).tenantId, request.body as DescribeBodyT),
  );
}

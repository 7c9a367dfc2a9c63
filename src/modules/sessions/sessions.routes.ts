import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireApiKey } from '../../platform/auth.js';
import { notFound } from '../../platform/errors.js';
import { ErrorResponse, parseOr422 } from '../../platform/zod-fastify.js';
import {
  BatchBody,
  BatchResponse,
  IncrementBody,
  KeyPath,
  NullResponse,
  NumberResponse,
  PutValueBody,
  SESSION_PUT_BODY_LIMIT,
  ValueResponse,
} from './sessions.schemas.js';
import type { SessionsService } from './sessions.service.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse, 503: ErrorResponse };
const INCREMENT_SUFFIX = '/increment';

/**
 * The key is the rest of the path, percent-decoded by the router: the TS SDK sends
 * `s%3A<uuid>%3Aattempts`, Python sends it raw, and a key holding `/` (allowed by the pattern)
 * arrives either as `%2F` or, from Python, as real segments — a wildcard route takes both.
 */
function pathKey(request: FastifyRequest, raw?: string): string {
  const key = raw ?? (request.params as Record<string, string>)['*'] ?? '';
  return parseOr422(KeyPath, { key }, 'path').key;
}

const opts = (schema: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  config: { auth: 'apiKey' as const },
  schema,
  ...extra,
});

/** console-api.md 1.9 and sdk-contract.md 7; every answer is JSON (never 204: Python cannot parse it). */
export function sessionsRoutes(root: FastifyInstance, sessions: SessionsService): void {
  // Both SDKs send `Content-Type: application/json` on a body-less DELETE too: the app-wide
  // JSON parser (platform/http-hardening.ts `acceptEmptyJson`) takes an empty body as no body.
  void root.register(async (app) => {
    // The current SDKs use `/v1` with the same semantics (sdk-contract-v2.md 2.5).
    for (const prefix of ['/api/v1', '/v1']) routes(app, sessions, prefix);
  });
}

function routes(app: FastifyInstance, sessions: SessionsService, prefix: string): void {
  // Registered as a static route, so `batch` is never taken for a key.
  app.post(
    `${prefix}/sessions/batch`,
    opts({ body: BatchBody, response: { 200: BatchResponse, ...errors } }),
    async (request, reply) => {
      const p = requireApiKey(request);
      const values = await sessions.batch(p.tenantId, (request.body as { keys: string[] }).keys);
      // Sent pre-serialized: the zod serializer would drop an own `__proto__` entry from the map.
      return reply.type('application/json; charset=utf-8').send(JSON.stringify({ values }));
    },
  );

  app.get(`${prefix}/sessions/*`, opts({ response: { 200: ValueResponse, ...errors } }), async (request) => {
    const p = requireApiKey(request);
    const value = await sessions.get(p.tenantId, pathKey(request));
    if (value === null) throw notFound('Key not found', 'sessions.not_found');
    return { value };
  });

  app.put(
    `${prefix}/sessions/*`,
    opts({ body: PutValueBody, response: { 200: ValueResponse, ...errors } }, { bodyLimit: SESSION_PUT_BODY_LIMIT }),
    async (request) => {
      const p = requireApiKey(request);
      const { value } = request.body as { value: string };
      await sessions.set(p.tenantId, pathKey(request), value);
      return { value };
    },
  );

  app.delete(`${prefix}/sessions/*`, opts({ response: { 200: NullResponse, ...errors } }), async (request) => {
    const p = requireApiKey(request);
    await sessions.delete(p.tenantId, pathKey(request));
    return { value: null };
  });

  // POST `<key>/increment`; the body is checked here, after the path, so a POST to anything else is a 404.
  app.post(`${prefix}/sessions/*`, opts({ response: { 200: NumberResponse, ...errors } }), async (request) => {
    const p = requireApiKey(request);
    const rest = (request.params as Record<string, string>)['*'] ?? '';
    if (!rest.endsWith(INCREMENT_SUFFIX)) throw notFound('Not Found');
    const key = pathKey(request, rest.slice(0, -INCREMENT_SUFFIX.length));
    const { amount } = parseOr422(IncrementBody, request.body, 'body');
    return { value: await sessions.increment(p.tenantId, key, amount) };
  });
}

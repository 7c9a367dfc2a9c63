import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

const CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Security headers on every response, request ids, and CORS for configured origins only. */
export function installHttpHardening(app: FastifyInstance, config: Config): void {
  const allowedOrigins = new Set(config.corsOrigins);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin && allowedOrigins.has(origin)) {
      void reply.header('access-control-allow-origin', origin);
      void reply.header('access-control-allow-credentials', 'true');
      void reply.header('vary', 'Origin');
      // Response headers a cross-origin script may read (the events list's cursor, request ids).
      void reply.header('access-control-expose-headers', 'X-Next-Cursor, X-Searched-Until, X-Request-Id, Retry-After');
      if (request.method === 'OPTIONS') {
        void reply.header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
        void reply.header('access-control-allow-headers', 'Content-Type, X-Requested-With, Authorization, X-Edictum-Agent-Id, Last-Event-ID');
        void reply.header('access-control-max-age', '600');
        return reply.code(204).send();
      }
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header('content-security-policy', CSP);
    void reply.header('x-frame-options', 'DENY');
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'strict-origin-when-cross-origin');
    void reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    void reply.header('cross-origin-opener-policy', 'same-origin');
    if (config.baseUrlHttps) void reply.header('strict-transport-security', 'max-age=63072000; includeSubDomains');
    void reply.header('x-request-id', request.id);
    if ((request.url.startsWith('/api/') || request.url.startsWith('/v1/')) && !reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    return payload;
  });
}

/**
 * Both SDKs (and many HTTP helpers) send `Content-Type: application/json` on every request, a
 * body-less DELETE included, and Fastify's JSON parser refuses an empty body, which would fail the
 * request with a confusing error. App-wide, an empty JSON body is no body: a route that needs one
 * answers its own 422 naming `body`; anything else goes to Fastify's own parser (prototype
 * poisoning refused).
 */
export function acceptEmptyJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') return done(null, undefined);
    return parseJson(request, text, done);
  });
}

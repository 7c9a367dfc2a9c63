import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodError } from 'zod';
import { DEPENDENCY_RETRY_AFTER_SECONDS, dependencyDown, safeError } from './dependency-errors.js';

/**
 * One error type with a stable code and status. The wire shape is the reference's:
 * `{"detail": "..."}`, or for validation `{"detail": [{"loc": [...], "msg": "..."}]}` — clients
 * (the SDKs, scripts, the dashboard) read it.
 */
export interface Problem {
  loc: (string | number)[];
  msg: string;
  [extra: string]: unknown;
}

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly detail: string | Problem[],
    readonly code = 'app.error',
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : detail.map((p) => `${p.loc.join('.')}: ${p.msg}`).join('; '));
  }
}

export const badRequest = (detail: string, code = 'request.invalid') => new AppError(400, detail, code);
export const unauthorized = (detail = 'Not authenticated.', code = 'auth.unauthenticated') =>
  new AppError(401, detail, code);
export const forbidden = (detail: string, code = 'auth.forbidden') => new AppError(403, detail, code);
export const notFound = (detail: string, code = 'resource.not_found') => new AppError(404, detail, code);
export const conflict = (detail: string, code = 'resource.conflict') => new AppError(409, detail, code);
export const unprocessable = (problems: Problem[] | string, code = 'request.validation') =>
  new AppError(422, problems, code);
export const tooManyRequests = (detail: string, retryAfterSeconds: number, code = 'rate_limit.exceeded') =>
  new AppError(429, detail, code, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
export const unavailable = (detail: string, code = 'service.unavailable', retryAfterSeconds = DEPENDENCY_RETRY_AFTER_SECONDS) =>
  new AppError(503, detail, code, { 'retry-after': String(retryAfterSeconds) });

const DEPENDENCY_DETAIL = { database: 'Database temporarily unavailable.', redis: 'Redis temporarily unavailable.' } as const;

/** The status and body for a framework error (bad URL, oversized parameter, body parsing). */
function frameworkProblem(err: FastifyError, bodyLimit: number): { status: number; detail: string | Problem[] } | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, detail: `Request body too large. Maximum allowed: ${formatLimit(bodyLimit)}.` };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 422, detail: [{ loc: ['body'], msg: 'Request body is not valid JSON.' }] };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, detail: 'Unsupported content type; send application/json.' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, detail: 'Content-Length does not match the body.' };
    case 'FST_ERR_BAD_URL':
      return { status: 400, detail: 'The URL is not valid (bad percent-encoding).' };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 414, detail: 'A path parameter is too long.' };
    default:
      return null;
  }
}

/** A single 422 problem at `loc`, e.g. `fieldError(['body', 'env'], 'must match ...')`. */
export const fieldError = (loc: (string | number)[], msg: string) => unprocessable([{ loc, msg }]);

export function zodProblems(error: ZodError, root: string): Problem[] {
  return error.issues.slice(0, 50).map((issue) => ({
    loc: [root, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    msg: issue.message,
  }));
}

export class ValidationError extends AppError {
  readonly validationContext: string;
  constructor(problems: Problem[], part: string) {
    super(422, problems, 'request.validation');
    this.validationContext = part;
  }
}

function formatLimit(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))}MB` : `${Math.round(bytes / 1024)}KB`;
}

/**
 * The one error handler: maps every error to the reference's wire shape, never leaks a stack. A
 * dependency that is down is a 503 with Retry-After (clients retry it), never a 500. Errors are
 * logged once, as a short log-safe summary (see safeError), with the request id pino adds.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v);
      if (err.statusCode >= 500) request.log.error({ err: safeError(err) }, 'request failed');
      return reply.code(err.statusCode).send({ detail: err.detail });
    }
    const dependency = dependencyDown(err);
    if (dependency) {
      request.log.warn({ err: safeError(err) }, `${dependency} unavailable`);
      void reply.header('retry-after', String(DEPENDENCY_RETRY_AFTER_SECONDS));
      return reply.code(503).send({ detail: DEPENDENCY_DETAIL[dependency] });
    }
    const bodyLimit = request.routeOptions?.bodyLimit ?? app.initialConfig.bodyLimit ?? 1024 * 1024;
    const known = frameworkProblem(err as FastifyError, bodyLimit);
    if (known) return reply.code(known.status).send({ detail: known.detail });
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ detail: err.message || 'Bad request.' });
    }
    request.log.error({ err: safeError(err) }, 'unhandled error');
    return reply.code(500).send({ detail: 'Internal server error.' });
  });

  app.setNotFoundHandler((request, reply) => {
    // Unknown API paths stay JSON 404s; any other unknown path goes to the dashboard.
    if (request.url.startsWith('/api/') || request.url.startsWith('/v1/') || request.method !== 'GET') {
      return reply.code(404).send({ detail: 'Not Found' });
    }
    return reply.redirect('/dashboard', 302);
  });
}

/**
 * Fastify's `frameworkErrors` option: errors raised while routing, before any hook runs (a bad
 * percent-encoding, a path parameter over `maxParamLength`), in the same `{detail}` shape.
 */
export function frameworkErrorHandler(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const known = frameworkProblem(err, 0);
  const status = known?.status ?? (err.statusCode && err.statusCode >= 400 ? err.statusCode : 400);
  void reply.code(status).send({ detail: known?.detail ?? 'Bad request.' });
}

const CLIENT_ERROR_BODIES: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request took too long to arrive.'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'The request line or headers are too large.'],
};

/**
 * Node's `clientError` (raised by the HTTP parser, before Fastify sees a request: an oversized URL
 * or header block, bad header characters, a request that never finished): a raw `{detail}`
 * response, then the socket is closed, as Node itself does.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, text, detail] = CLIENT_ERROR_BODIES[err.code ?? ''] ?? [400, 'Bad Request', 'The request is malformed.'];
  const body = JSON.stringify({ detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

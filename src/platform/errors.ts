import type { FastifyError, FastifyInstance } from 'fastify';
import type { ZodError } from 'zod';

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
export const unavailable = (detail: string, code = 'service.unavailable') => new AppError(503, detail, code);

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

/** The one error handler: maps every error to the reference's wire shape, never leaks a stack. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v);
      if (err.statusCode >= 500) request.log.error({ err }, 'request failed');
      return reply.code(err.statusCode).send({ detail: err.detail });
    }
    const code = (err as FastifyError).code;
    switch (code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE': {
        const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 1024 * 1024;
        return reply.code(413).send({ detail: `Request body too large. Maximum allowed: ${formatLimit(limit)}.` });
      }
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.code(422).send({ detail: [{ loc: ['body'], msg: 'Request body is not valid JSON.' }] });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.code(415).send({ detail: 'Unsupported content type; send application/json.' });
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return reply.code(400).send({ detail: 'Content-Length does not match the body.' });
      default:
        break;
    }
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ detail: err.message || 'Bad request.' });
    }
    request.log.error({ err }, 'unhandled error');
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

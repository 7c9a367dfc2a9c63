import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { requireAdmin, requireSession } from '../../platform/auth.js';
import { fieldError } from '../../platform/errors.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import { EvidenceQuery, ExportQuery, VerifyQuery, VerifyReportOut, type EvidenceQueryT, type ExportQueryT, type VerifyQueryT } from './audit.schemas.js';
import type { EvidenceService } from './evidence.service.js';
import { exportEvents } from './export.service.js';
import type { Verifier } from './verify.service.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse, 429: ErrorResponse };

/** from/until as normalised text; `until` before `from` is a 422 naming `until`. */
export function rangeOf(q: { from?: { iso: string } | undefined; until?: { iso: string } | undefined }, now: Date): { from: string; until: string } {
  const from = q.from?.iso ?? '1970-01-01T00:00:00.000000Z';
  const until = q.until?.iso ?? `${now.toISOString().slice(0, 23)}999Z`;
  if (until < from) throw fieldError(['query', 'until'], 'must not be before from');
  return { from, until };
}

const stamp = (iso: string) => iso.slice(0, 19).replaceAll(':', '').replace('T', '-');

export function auditRoutes(app: FastifyInstance, ctx: AppContext, s: { verifier: Verifier; evidence: EvidenceService }): void {
  app.get(
    '/api/v1/audit/verify',
    { config: { auth: 'admin' }, schema: { querystring: VerifyQuery, response: { 200: VerifyReportOut, ...errors } } },
    async (request) => {
      const p = requireAdmin(request);
      const { from, until } = rangeOf(request.query as VerifyQueryT, ctx.deps.now());
      return s.verifier.verify(p.tenantId, from, until);
    },
  );

  app.get(
    '/api/v1/audit/evidence',
    { config: { auth: 'admin' }, schema: { querystring: EvidenceQuery, response: { ...errors, 503: ErrorResponse } } },
    async (request, reply) => {
      const p = requireAdmin(request);
      const q = request.query as EvidenceQueryT;
      const r = rangeOf(q, ctx.deps.now());
      const stream = await s.evidence.open(p, { ...r, agent: q.agent ?? null, bundle: q.bundle ?? null });
      void reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="evidence-${stamp(r.from)}-${stamp(r.until)}.zip"`)
        .header('cache-control', 'no-store');
      return reply.send(stream);
    },
  );

  app.get(
    '/api/v1/audit/export',
    { config: { auth: 'session' }, schema: { querystring: ExportQuery, response: errors } },
    async (request, reply) => {
      const p = requireSession(request);
      const q = request.query as ExportQueryT;
      void reply
        .type(q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-log.${q.format}"`)
        .header('cache-control', 'no-store');
      return reply.send(exportEvents(ctx.deps.database, p, q));
    },
  );
}

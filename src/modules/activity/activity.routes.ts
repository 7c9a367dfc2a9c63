import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { requireAdmin } from '../../platform/auth.js';
import { fieldError } from '../../platform/errors.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import { activityRepository, type ActivityFilter } from './activity.repository.js';
import { allRows, csvLines, decodeCursor, encodeCursor, itemOf, jsonChunks } from './activity.export.js';
import { ActivityPage, ActivityQuery, ExportQuery, type ActivityQueryT, type ExportQueryT } from './activity.schemas.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 422: ErrorResponse };

function filterOf(q: ActivityQueryT | ExportQueryT): ActivityFilter {
  return {
    actor: q.actor,
    action: q.action,
    source: q.source,
    target: q.target,
    since: q.since ? new Date(q.since) : undefined,
    until: q.until ? new Date(q.until) : undefined,
  };
}

/** The admin activity log: admins of the tenant only (it names people and addresses). */
export function activityRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { db } = deps.database;

  app.get(
    '/api/v1/activity',
    { config: { auth: 'admin' }, schema: { querystring: ActivityQuery, response: { 200: ActivityPage, ...errors } } },
    async (request) => {
      const p = requireAdmin(request);
      const q = request.query as ActivityQueryT;
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      if (q.cursor && !after) throw fieldError(['query', 'cursor'], 'is not a cursor this server issued');
      // One row more than asked tells whether there is a next page.
      const rows = await activityRepository.page(db, p.tenantId, filterOf(q), after, q.limit + 1);
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        items: page.map(itemOf),
        next_cursor: rows.length > q.limit && last ? encodeCursor({ at: last.at, id: last.id }) : null,
      };
    },
  );

  app.get(
    '/api/v1/activity/export',
    { config: { auth: 'admin' }, schema: { querystring: ExportQuery, response: errors } },
    async (request, reply) => {
      const p = requireAdmin(request);
      const q = request.query as ExportQueryT;
      const rows = allRows(db, p.tenantId, filterOf(q));
      const stamp = deps.now().toISOString().slice(0, 10);
      void reply
        .header('content-disposition', `attachment; filename="activity-${stamp}.${q.format}"`)
        .header('cache-control', 'no-store')
        .type(q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      return reply.send(Readable.from(q.format === 'csv' ? csvLines(rows) : jsonChunks(rows)));
    },
  );
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { requireAdmin, requireApiKey, requireEither, requireSession } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import { bundlesRepository } from '../bundles/bundles.repository.js';
import { mapPolicyVersions, normaliseIngestBody, rememberedLookup } from '../v2/agent-events.js';
import { createEventsReadService } from './events.read-service.js';
import { createIngestService } from './events.ingest-service.js';
import {
  EventList,
  EventsQuery,
  FacetsOut,
  FacetsQuery,
  HistogramList,
  HistogramQuery,
  INGEST_BODY_LIMIT,
  IngestBody,
  IngestResult,
  PurgeQuery,
  PurgeResult,
  type EventsQueryT,
  type FacetsQueryT,
  type HistogramQueryT,
  type IngestBodyT,
} from './events.schemas.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse, 429: ErrorResponse };

export function eventsRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Ruleset hash -> canonical hash, remembered per process (agent-events.ts).
  const canonicalRevisions = rememberedLookup((tenantId, hashes) => bundlesRepository.canonicalRevisions(ctx.deps.database.db, tenantId, hashes));
  const ingest = createIngestService(ctx);
  const read = createEventsReadService(ctx.deps.database, {
    searchBudget: ctx.deps.config.eventsSearchScan,
    searchIndex: ctx.deps.config.eventsSearchIndex,
    searchCountCap: ctx.deps.config.eventsSearchCountCap,
  });
  const holding = new WeakSet<FastifyRequest>();
  const release = (request: FastifyRequest) => {
    if (holding.delete(request)) ingest.gate.leave();
  };

  // Both generations post here (sdk-contract-v2.md 2.3): `/v1` is the current SDKs' path, and
  // every shape is accepted on either path because the in-between releases mix them (section 6).
  for (const url of ['/api/v1/events', '/v1/events'])
  app.post(
    url,
    {
      bodyLimit: INGEST_BODY_LIMIT,
      // Events repair unstorable text themselves (events.canonical.ts): an agent's batch is kept.
      config: { auth: 'apiKey', repairsText: true },
      schema: { body: IngestBody, response: { 200: IngestResult, ...errors, 413: ErrorResponse } },
      // Credentials and back-pressure are checked before the (up to 32 MB) body is read.
      preParsing: async (request, _reply, payload) => {
        const p = requireApiKey(request);
        await ingest.admit(p);
        holding.add(request);
        return payload;
      },
      preValidation: async (request) => normaliseIngestBody(request.body, requireApiKey(request).agentId ?? 'gate-cli'),
      onResponse: async (request) => release(request),
      onRequestAbort: async (request) => release(request),
    },
    async (request) => {
      const p = requireApiKey(request);
      const body = request.body as IngestBodyT;
      await mapPolicyVersions(body.events, (hashes) => canonicalRevisions(p.tenantId, hashes));
      return ingest.ingest(p, body);
    },
  );

  app.get(
    '/api/v1/events',
    { config: { auth: 'either' }, schema: { querystring: EventsQuery, response: { 200: EventList, ...errors } } },
    async (request, reply) => {
      const { events, nextCursor, coveredTo } = await read.list(requireEither(request), request.query as EventsQueryT);
      if (nextCursor) void reply.header('x-next-cursor', nextCursor);
      // How far back this read has looked (a search page may be empty and still move it back).
      if (coveredTo) void reply.header('x-searched-until', coveredTo);
      return events;
    },
  );

  app.get(
    '/api/v1/events/facets',
    { config: { auth: 'session' }, schema: { querystring: FacetsQuery, response: { 200: FacetsOut, ...errors } } },
    async (request) => read.facets(requireSession(request), request.query as FacetsQueryT),
  );

  app.get(
    '/api/v1/events/histogram',
    { config: { auth: 'either' }, schema: { querystring: HistogramQuery, response: { 200: HistogramList, ...errors } } },
    async (request, reply) => {
      const { buckets, countedSince } = await read.histogramWithCoverage(requireEither(request), request.query as HistogramQueryT);
      // A search with more matches than the cap: the buckets count the newest ones, back to here.
      if (countedSince) void reply.header('x-counted-since', countedSince);
      return buckets;
    },
  );

  app.delete(
    '/api/v1/settings/purge-events',
    { config: { auth: 'admin' }, schema: { querystring: PurgeQuery, response: { 200: PurgeResult, ...errors } } },
    async (request) => ingest.purge(requireAdmin(request).tenantId, (request.query as { older_than_days: number }).older_than_days),
  );
}

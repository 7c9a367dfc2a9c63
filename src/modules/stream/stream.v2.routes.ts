import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { Db } from '../../db/client.js';
import { requireApiKey } from '../../platform/auth.js';
import { AppError, fieldError } from '../../platform/errors.js';
import { ErrorResponse, envName } from '../../platform/zod-fastify.js';
import { bundlesRepository } from '../bundles/bundles.repository.js';
import { agentIdSchema } from '../fleet/fleet.schemas.js';
import type { StreamHub } from './stream.hub.js';
import { AgentStreamQuery } from './stream.routes.js';
import { dialectOf } from './stream-dialect.js';

/** As on /api/v1, but `env` is optional: TS sends no query string at all (sdk-contract-v2.md 2.2). */
const V2StreamQuery = AgentStreamQuery.extend({ env: envName.optional() });

const errors = { 401: ErrorResponse, 403: ErrorResponse, 422: ErrorResponse, 503: ErrorResponse };

/**
 * `GET /v1/stream` for the current SDKs. Bad credentials are a 401 (never an empty 200, which
 * Py and Go would reconnect to in a tight loop). The convention is told from the request
 * (stream-dialect.ts); the revision a Python agent reports is its Ruleset rendering's hash,
 * mapped to the ContractBundle hash for the fleet's drift view.
 */
export function streamV2Routes(app: FastifyInstance, hub: StreamHub, db: Db): void {
  app.get(
    '/v1/stream',
    { exposeHeadRoute: false, config: { auth: 'apiKey' }, schema: { querystring: V2StreamQuery, response: errors } },
    async (request, reply) => {
      const p = requireApiKey(request);
      const q = request.query as z.output<typeof V2StreamQuery>;
      const env = q.env ?? p.env;
      if (env !== p.env) {
        throw new AppError(403, `API key is scoped to '${p.env}', cannot subscribe to '${env}'.`, 'auth.env_scope');
      }
      const header = request.headers['x-edictum-agent-id'];
      const agentId = typeof header === 'string' && header.length > 0 ? header : 'unknown';
      const checked = agentIdSchema.safeParse(agentId);
      if (!checked.success) throw fieldError(['header', 'x-edictum-agent-id'], checked.error.issues[0]?.message ?? 'invalid');
      const reported = q.policy_version ?? null;
      const canonical = reported ? ((await bundlesRepository.canonicalRevisions(db, p.tenantId, [reported])).get(reported) ?? reported) : null;
      await hub.connectAgent(request, reply, {
        tenantId: p.tenantId,
        keyId: p.keyId,
        agentId,
        env,
        bundleName: q.bundle_name ?? null,
        policyVersion: canonical,
        knownRevision: reported,
        queryTags: q.tags ?? {},
        dialect: dialectOf(request.query as Record<string, unknown>, request.headers),
      });
    },
  );
}

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireApiKey, requireSession } from '../../platform/auth.js';
import { AppError, fieldError } from '../../platform/errors.js';
import { ErrorResponse, envName } from '../../platform/zod-fastify.js';
import { agentIdSchema, BUNDLE_NAME_RE, CONTROL, tagsSchema } from '../fleet/fleet.schemas.js';
import type { StreamHub } from './stream.hub.js';
import { isSafeEventId } from './stream.sse.js';
import { wantsRulesetOnApiV1 } from '../v2/generation.js';

/**
 * The agent stream's query. Unknown parameters are ignored rather than refused: a 4xx on the
 * stream makes the SDK retry forever without telling anyone (sdk-contract.md 3), so a newer SDK
 * adding a parameter must not be locked out. Every known parameter is bounded and validated.
 */
export const AgentStreamQuery = z.object({
  env: envName,
  bundle_name: z.string().max(128, 'must be at most 128 characters').regex(BUNDLE_NAME_RE, 'must be a bundle name').optional(),
  policy_version: z
    .string()
    .min(1, 'must not be empty')
    .max(128, 'must be at most 128 characters')
    .refine((s) => !CONTROL.test(s), 'must not contain control characters')
    .optional(),
  tags: z
    .string()
    .max(16_384, 'must be at most 16384 characters')
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
        return z.NEVER;
      }
    })
    .pipe(tagsSchema)
    .optional(),
});

export const DashboardStreamQuery = z.strictObject({
  last_event_id: z.string().max(128, 'must be at most 128 characters').refine(isSafeEventId, 'must be an event id').optional(),
});

const errors = { 401: ErrorResponse, 403: ErrorResponse, 422: ErrorResponse, 503: ErrorResponse };

/**
 * `GET /api/v1/stream` (API key) and `GET /api/v1/stream/dashboard` (session), console-api.md 2.
 * No HEAD twins: a stream writes its body straight to the socket, which a HEAD answer must not have.
 */
export function streamRoutes(app: FastifyInstance, hub: StreamHub, rulesetAgents: readonly string[] = []): void {
  app.get(
    '/api/v1/stream',
    { exposeHeadRoute: false, config: { auth: 'apiKey' }, schema: { querystring: AgentStreamQuery, response: errors } },
    async (request, reply) => {
      const p = requireApiKey(request);
      const q = request.query as z.output<typeof AgentStreamQuery>;
      if (q.env !== p.env) {
        throw new AppError(403, `API key is scoped to '${p.env}', cannot subscribe to '${q.env}'.`, 'auth.env_scope');
      }
      const header = request.headers['x-edictum-agent-id'];
      const agentId = typeof header === 'string' && header.length > 0 ? header : 'unknown';
      const checked = agentIdSchema.safeParse(agentId);
      if (!checked.success) throw fieldError(['header', 'x-edictum-agent-id'], checked.error.issues[0]?.message ?? 'invalid');
      await hub.connectAgent(request, reply, {
        tenantId: p.tenantId,
        keyId: p.keyId,
        agentId,
        env: q.env,
        bundleName: q.bundle_name ?? null,
        policyVersion: q.policy_version ?? null,
        queryTags: q.tags ?? {},
        // In-between releases (sdk-contract-v2.md 6) listen like Python does but load `kind: Ruleset`.
        ...(wantsRulesetOnApiV1(rulesetAgents, agentId) ? { dialect: 'ruleset_py' as const } : {}),
      });
    },
  );

  app.get(
    '/api/v1/stream/dashboard',
    { exposeHeadRoute: false, config: { auth: 'session' }, schema: { querystring: DashboardStreamQuery, response: errors } },
    async (request, reply) => {
      const p = requireSession(request);
      const q = request.query as z.output<typeof DashboardStreamQuery>;
      // A recreated EventSource cannot set headers, so the query form is accepted too.
      const header = request.headers['last-event-id'];
      const fromHeader = typeof header === 'string' && header !== '' ? header : undefined;
      if (fromHeader !== undefined && (fromHeader.length > 128 || !isSafeEventId(fromHeader))) {
        throw fieldError(['header', 'last-event-id'], 'must be an event id');
      }
      hub.connectDashboard(request, reply, {
        tenantId: p.tenantId,
        sessionToken: request.sessionToken ?? '',
        lastEventId: fromHeader ?? q.last_event_id ?? null,
      });
    },
  );
}

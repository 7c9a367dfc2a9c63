import type { FastifyInstance } from 'fastify';
import { actorOf } from '../activity/activity.service.js';
import { requireApiKey, requireEither, requireSession } from '../../platform/auth.js';
import { conflict, notFound } from '../../platform/errors.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import {
  ApprovalIdParams,
  ApprovalList,
  ApprovalResponse,
  CreateApprovalBody,
  DecideBody,
  ListApprovalsQuery,
  type CreateApprovalInput,
  type DecideInput,
  type ListApprovalsInput,
} from './approvals.schemas.js';
import { toResponse, type ApprovalsService } from './approvals.service.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };
const NOT_FOUND = 'Approval not found.';

/** console-api.md 1.10, with decision 9: only a human session decides; `decided_by` is the session's. */
export function approvalsRoutes(app: FastifyInstance, service: ApprovalsService): void {
  // The agent side is served on both generations' paths (sdk-contract-v2.md 2.4).
  for (const prefix of ['/api/v1', '/v1']) agentRoutes(app, service, prefix);

  app.get(
    '/api/v1/approvals',
    { config: { auth: 'session' }, schema: { querystring: ListApprovalsQuery, response: { 200: ApprovalList, ...errors } } },
    async (request) => {
      const p = requireSession(request);
      const q = request.query as ListApprovalsInput;
      return service.list(p.tenantId, {
        status: q.status,
        agentId: q.agent_id,
        toolName: q.tool_name,
        env: q.env,
        limit: q.limit,
        offset: q.offset,
      });
    },
  );

  app.put(
    '/api/v1/approvals/:approval_id',
    {
      config: { auth: 'session' },
      bodyLimit: 16 * 1024,
      schema: { params: ApprovalIdParams, body: DecideBody, response: { 200: ApprovalResponse, 409: ErrorResponse, ...errors } },
    },
    async (request) => {
      const p = requireSession(request);
      const { approval_id } = request.params as { approval_id: string };
      const body = request.body as DecideInput;
      const result = await service.api.decide(p.tenantId, approval_id, {
        approved: body.approved,
        reason: body.reason ?? null,
        decidedBy: p.email,
        decidedVia: body.decided_via ?? 'console',
        actor: actorOf(request),
      });
      if (result.ok) return toResponse(result.approval);
      if (result.reason === 'not_found') throw notFound(NOT_FOUND, 'approvals.not_found');
      throw conflict('Approval not found or already decided.', 'approvals.already_decided');
    },
  );
}

/** What an agent calls: create (API key) and poll (key or session). */
function agentRoutes(app: FastifyInstance, service: ApprovalsService, prefix: string): void {
  app.post(
    `${prefix}/approvals`,
    {
      config: { auth: 'apiKey' },
      schema: { body: CreateApprovalBody, response: { 201: ApprovalResponse, 429: ErrorResponse, ...errors } },
    },
    async (request, reply) => {
      const p = requireApiKey(request);
      const agentId = p.agentId ?? `key:${p.prefix}`;
      const created = await service.create({ tenantId: p.tenantId, env: p.env, agentId }, request.body as CreateApprovalInput);
      return reply.code(201).send(created);
    },
  );

  app.get(
    `${prefix}/approvals/:approval_id`,
    { config: { auth: 'either' }, schema: { params: ApprovalIdParams, response: { 200: ApprovalResponse, ...errors } } },
    async (request) => {
      const p = requireEither(request);
      const { approval_id } = request.params as { approval_id: string };
      // An API key sees only its own environment's approvals; another env reads as absent.
      const found = await service.get(p.tenantId, approval_id, p.kind === 'apiKey' ? p.env : undefined);
      if (!found) throw notFound(NOT_FOUND, 'approvals.not_found');
      return found;
    },
  );
}

import type { FastifyInstance } from 'fastify';
import { actorOf } from '../activity/activity.service.js';
import { z } from 'zod';
import { requireSession } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import {
  AgentIdParams,
  AgentStatusResponse,
  BulkAssignBody,
  BulkAssignResponse,
  CreateRuleBody,
  PatchRegistrationBody,
  Registration,
  RegistrationList,
  ResolutionResponse,
  ResolveQuery,
  Rule,
  RuleIdParams,
  RuleList,
  StatusQuery,
  UpdateRuleBody,
} from './fleet.schemas.js';
import type { FleetService } from './fleet.service.js';

type Out<T extends z.ZodType> = z.output<T>;
const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };
const session = { auth: 'session' as const };

/** Fleet routes (console-api.md 1.12 `/agents/status`, 1.13, 1.14); all need a dashboard session. */
export function fleetRoutes(app: FastifyInstance, fleet: FleetService): void {
  app.get(
    '/api/v1/agent-registrations',
    { config: session, schema: { response: { 200: RegistrationList, ...errors } } },
    async (request) => fleet.listRegistrations(requireSession(request).tenantId),
  );

  app.patch(
    '/api/v1/agent-registrations/:agent_id',
    {
      config: session,
      schema: { params: AgentIdParams, body: PatchRegistrationBody, response: { 200: Registration, ...errors } },
    },
    async (request) => {
      requireSession(request);
      const { agent_id } = request.params as Out<typeof AgentIdParams>;
      return fleet.patchRegistration(actorOf(request), agent_id, request.body as Out<typeof PatchRegistrationBody>);
    },
  );

  app.post(
    '/api/v1/agent-registrations/bulk-assign',
    { config: session, schema: { body: BulkAssignBody, response: { 200: BulkAssignResponse, ...errors } } },
    async (request) => {
      requireSession(request);
      const body = request.body as Out<typeof BulkAssignBody>;
      return fleet.bulkAssign(actorOf(request), body.agent_ids, body.bundle_name);
    },
  );

  app.get('/api/v1/assignment-rules', { config: session, schema: { response: { 200: RuleList, ...errors } } }, async (request) =>
    fleet.listRules(requireSession(request).tenantId),
  );

  app.post(
    '/api/v1/assignment-rules',
    { config: session, schema: { body: CreateRuleBody, response: { 201: Rule, ...errors } } },
    async (request, reply) => {
      requireSession(request);
      return reply.code(201).send(await fleet.createRule(actorOf(request), request.body as Out<typeof CreateRuleBody>));
    },
  );

  app.patch(
    '/api/v1/assignment-rules/:rule_id',
    { config: session, schema: { params: RuleIdParams, body: UpdateRuleBody, response: { 200: Rule, ...errors } } },
    async (request) => {
      requireSession(request);
      const { rule_id } = request.params as Out<typeof RuleIdParams>;
      return fleet.updateRule(actorOf(request), rule_id, request.body as Out<typeof UpdateRuleBody>);
    },
  );

  app.delete(
    '/api/v1/assignment-rules/:rule_id',
    { config: session, schema: { params: RuleIdParams, response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      requireSession(request);
      await fleet.deleteRule(actorOf(request), (request.params as Out<typeof RuleIdParams>).rule_id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/assignment-rules/resolve/:agent_id',
    {
      config: session,
      schema: { params: AgentIdParams, querystring: ResolveQuery, response: { 200: ResolutionResponse, ...errors } },
    },
    async (request) => {
      const p = requireSession(request);
      const { agent_id } = request.params as Out<typeof AgentIdParams>;
      const q = request.query as Out<typeof ResolveQuery>;
      return fleet.dryRun(p.tenantId, agent_id, q.env, q.bundle_name);
    },
  );

  app.get(
    '/api/v1/agents/status',
    { config: session, schema: { querystring: StatusQuery, response: { 200: AgentStatusResponse, ...errors } } },
    async (request) => fleet.status(requireSession(request).tenantId, (request.query as Out<typeof StatusQuery>).bundle_name),
  );
}

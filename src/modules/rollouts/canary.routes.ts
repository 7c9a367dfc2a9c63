import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireAdmin, requireSession } from '../../platform/auth.js';
import { notFound } from '../../platform/errors.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import { fleetRepository } from '../fleet/fleet.repository.js';
import type { Db } from '../../db/client.js';
import { fleetLabels } from './agent-labels.js';
import { canaryRepository } from './canary.repository.js';
import type { CanaryService } from './canary.service.js';
import {
  AgentLabelsResponse,
  AgentParams,
  CanaryBody,
  FleetLabels,
  LabelsBody,
  RolloutDetail,
  RolloutParams,
  RuleLabelsResponse,
  RuleParams,
  type CanaryBodyT,
} from './rollouts.schemas.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse, 503: ErrorResponse };
const admin = { auth: 'admin' } as const;
const RollbackBody = z.strictObject({ reason: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters').optional() });

/** Canary rollouts and the agent labels they can target (docs/rollouts.md). Admin only. */
export function canaryRoutes(app: FastifyInstance, canary: CanaryService, db: Db): void {
  app.post('/api/v1/rollouts/canary', { config: admin, schema: { body: CanaryBody, response: { 201: RolloutDetail, ...errors } } }, async (request, reply) => {
    const p = requireAdmin(request);
    return reply.code(201).send(await canary.create(p.tenantId, p.email, request.body as CanaryBodyT));
  });

  const params = { params: RolloutParams, response: { 200: RolloutDetail, ...errors } };
  const id = (request: { params: unknown }) => (request.params as z.output<typeof RolloutParams>).id;
  app.post('/api/v1/rollouts/:id/promote', { config: admin, schema: params }, async (request) => {
    const p = requireAdmin(request);
    return canary.promote(p.tenantId, id(request), p.email);
  });
  app.post('/api/v1/rollouts/:id/rollback', { config: admin, schema: { ...params, body: RollbackBody } }, async (request) => {
    const p = requireAdmin(request);
    return canary.rollback(p.tenantId, id(request), p.email, (request.body as z.output<typeof RollbackBody> | undefined)?.reason);
  });
  app.post('/api/v1/rollouts/:id/stop', { config: admin, schema: params }, async (request) => {
    const p = requireAdmin(request);
    return canary.stop(p.tenantId, id(request), p.email);
  });

  // Read by every dashboard user (the Agents list shows labels); changing them is admin only.
  app.get('/api/v1/agent-labels', { config: { auth: 'session' }, schema: { response: { 200: FleetLabels, ...errors } } }, async (request) =>
    fleetLabels(db, requireSession(request).tenantId),
  );

  const agentLabels = async (tenantId: string, agentId: string) => {
    if (!(await fleetRepository.get(db, tenantId, agentId))) throw notFound('Agent not found', 'fleet.agent_not_found');
    return { agent_id: agentId, labels: await canaryRepository.agentLabels(db, tenantId, agentId) };
  };
  app.get('/api/v1/agent-registrations/:agent_id/labels', { config: admin, schema: { params: AgentParams, response: { 200: AgentLabelsResponse, ...errors } } }, async (request) =>
    agentLabels(requireAdmin(request).tenantId, (request.params as z.output<typeof AgentParams>).agent_id),
  );
  app.put('/api/v1/agent-registrations/:agent_id/labels', { config: admin, schema: { params: AgentParams, body: LabelsBody, response: { 200: AgentLabelsResponse, ...errors } } }, async (request) => {
    const { tenantId } = requireAdmin(request);
    const agentId = (request.params as z.output<typeof AgentParams>).agent_id;
    await agentLabels(tenantId, agentId);
    await canaryRepository.setAgentLabels(db, tenantId, agentId, [...new Set((request.body as z.output<typeof LabelsBody>).labels)]);
    return agentLabels(tenantId, agentId);
  });

  const ruleLabels = async (tenantId: string, ruleId: string) => {
    if (!(await fleetRepository.rule(db, tenantId, ruleId))) throw notFound('Rule not found', 'fleet.rule_not_found');
    return { rule_id: ruleId, labels: (await canaryRepository.ruleLabels(db, tenantId)).get(ruleId) ?? [] };
  };
  app.get('/api/v1/assignment-rules/:rule_id/labels', { config: admin, schema: { params: RuleParams, response: { 200: RuleLabelsResponse, ...errors } } }, async (request) =>
    ruleLabels(requireAdmin(request).tenantId, (request.params as z.output<typeof RuleParams>).rule_id),
  );
  app.put('/api/v1/assignment-rules/:rule_id/labels', { config: admin, schema: { params: RuleParams, body: LabelsBody, response: { 200: RuleLabelsResponse, ...errors } } }, async (request) => {
    const { tenantId } = requireAdmin(request);
    const ruleId = (request.params as z.output<typeof RuleParams>).rule_id;
    await ruleLabels(tenantId, ruleId);
    await canaryRepository.setRuleLabels(db, tenantId, ruleId, [...new Set((request.body as z.output<typeof LabelsBody>).labels)]);
    return ruleLabels(tenantId, ruleId);
  });
}

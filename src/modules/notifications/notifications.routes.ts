import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireAdmin, requireSession } from '../../platform/auth.js';
import { notFound } from '../../platform/errors.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import type { createChannelsService } from './channels.service.js';
import type { NotificationsRuntime } from './notifications.runtime.js';
import {
  ChannelIdParams,
  ChannelList,
  ChannelResponse,
  CreateChannelBody,
  DeliveryList,
  TestChannelBody,
  TestResult,
  UpdateChannelBody,
  type CreateChannelBodyT,
  type TestChannelBodyT,
  type UpdateChannelBodyT,
} from './notifications.schemas.js';
import { outboxRepository } from './outbox.repository.js';
import { actorOf as requestActor, type Actor } from '../activity/activity.service.js';

/** The admin behind a write, for the activity log. */
const actorOf = (request: FastifyRequest, p: { tenantId: string }): Actor => ({ ...requestActor(request), tenantId: p.tenantId });

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse, 503: ErrorResponse };
const BASE = '/api/v1/notifications/channels';

/** console-api.md 1.17: reads for any session, writes for admins; another tenant's channel is a 404. */
export function channelRoutes(app: FastifyInstance, channels: ReturnType<typeof createChannelsService>): void {
  app.get(BASE, { config: { auth: 'session' }, schema: { response: { 200: ChannelList, ...errors } } }, async (request) => channels.list(requireSession(request).tenantId));

  app.post(BASE, { config: { auth: 'admin' }, schema: { body: CreateChannelBody, response: { 201: ChannelResponse, ...errors } } }, async (request, reply) => {
    const p = requireAdmin(request);
    return reply.code(201).send(await channels.create(actorOf(request, p), request.body as CreateChannelBodyT));
  });

  app.put(`${BASE}/:id`, { config: { auth: 'admin' }, schema: { params: ChannelIdParams, body: UpdateChannelBody, response: { 200: ChannelResponse, ...errors } } }, async (request) => {
    const p = requireAdmin(request);
    return channels.update(actorOf(request, p), (request.params as { id: string }).id, request.body as UpdateChannelBodyT);
  });

  app.delete(`${BASE}/:id`, { config: { auth: 'admin' }, schema: { params: ChannelIdParams, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
    const p = requireAdmin(request);
    await channels.remove(actorOf(request, p), (request.params as { id: string }).id);
    return reply.code(204).send();
  });

  app.post(`${BASE}/test`, { config: { auth: 'admin' }, schema: { body: TestChannelBody, response: { 200: TestResult, ...errors } } }, async (request) => {
    const p = requireAdmin(request);
    return channels.testUnsaved(actorOf(request, p), request.body as TestChannelBodyT);
  });

  app.post(`${BASE}/:id/test`, { config: { auth: 'admin' }, schema: { params: ChannelIdParams, response: { 200: TestResult, ...errors } } }, async (request) => {
    const p = requireAdmin(request);
    return channels.test(actorOf(request, p), (request.params as { id: string }).id);
  });
}

const ApprovalParams = z.strictObject({ approval_id: z.string().uuid('must be a UUID') });

/** Per-channel delivery status of one approval (the outbox rows), for the dashboard. */
export function deliveryRoutes(app: FastifyInstance, rt: NotificationsRuntime): void {
  const { db } = rt.ctx.deps.database;
  app.get('/api/v1/approvals/:approval_id/deliveries', { config: { auth: 'session' }, schema: { params: ApprovalParams, response: { 200: DeliveryList, ...errors } } }, async (request) => {
    const p = requireSession(request);
    const { approval_id } = request.params as { approval_id: string };
    if (!(await outboxRepository.approvalExists(db, p.tenantId, approval_id))) throw notFound('Approval not found.', 'approvals.not_found');
    const rows = await outboxRepository.listForApproval(db, p.tenantId, approval_id);
    return rows.map((r) => ({
      channel_id: r.channelId,
      channel_name: r.channelName,
      channel_type: r.channelType,
      kind: r.kind,
      status: r.status,
      attempts: r.attempts,
      last_error: r.lastError,
      updated_at: r.updatedAt.toISOString(),
    }));
  });
}

const ManifestQuery = z.strictObject({ channel_id: z.string().uuid('must be a UUID').optional() });

/**
 * GET /api/v1/slack/manifest: an app manifest to paste into api.slack.com/apps. With
 * `?channel_id=` the interactivity URL is that channel's own (one secret per callback).
 * Unauthenticated like the reference's; it reveals nothing but the base URL.
 */
export function manifestRoute(app: FastifyInstance, rt: NotificationsRuntime): void {
  app.get('/api/v1/slack/manifest', { schema: { querystring: ManifestQuery } }, async (request) => {
    const { channel_id } = request.query as { channel_id?: string };
    const base = `${rt.ctx.deps.config.baseUrl}/api/v1/slack/interactions`;
    return {
      display_information: { name: 'edictum', description: 'Approve or deny AI agent tool calls' },
      features: { bot_user: { display_name: 'edictum', always_online: true } },
      oauth_config: { scopes: { bot: ['chat:write'] } },
      settings: {
        interactivity: { is_enabled: true, request_url: channel_id ? `${base}/${channel_id}` : base },
        org_deploy_enabled: false,
        socket_mode_enabled: false,
        token_rotation_enabled: false,
      },
    };
  });
}

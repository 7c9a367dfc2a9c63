import { hmacSha256Hex } from '../../../platform/crypto.js';
import type { WebhookConfigT } from '../channel-config.js';
import type { ApprovalView } from '../approval-view.js';
import { type ChannelDriver, type DriverIo, DeliveryError, call, statusText } from './driver.js';

/**
 * Generic webhook: a JSON POST signed with the channel's secret (docs/notifications.md):
 *   X-Edictum-Timestamp: <unix seconds>
 *   X-Edictum-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 * The timestamp is inside the signed bytes, so a receiver that rejects old timestamps rejects
 * replays (the reference signed the body alone, which could be replayed forever).
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${hmacSha256Hex(secret, `${timestamp}.${body}`)}`;
}

export function requestPayload(v: ApprovalView): Record<string, unknown> {
  return {
    event: 'approval_requested',
    approval_id: v.id,
    agent_id: v.agentId,
    tool_name: v.toolName,
    tool_args: v.toolArgs,
    message: v.message,
    env: v.env,
    timeout_seconds: v.timeoutSeconds,
    timeout_effect: v.timeoutEffect,
    tenant_id: v.tenantId,
    ...(v.contractName ? { contract_name: v.contractName } : {}),
    created_at: v.createdAt.toISOString(),
    expires_at: v.expiresAt.toISOString(),
    dashboard_url: v.link,
  };
}

export function outcomePayload(v: ApprovalView): Record<string, unknown> {
  return {
    event: 'approval_decided',
    approval_id: v.id,
    status: v.status,
    decided_by: v.decidedBy,
    decided_via: v.decidedVia,
    decided_at: v.decidedAt?.toISOString() ?? null,
    reason: v.reason,
    tenant_id: v.tenantId,
    agent_id: v.agentId,
    tool_name: v.toolName,
    env: v.env,
    dashboard_url: v.link,
  };
}

async function post(cfg: WebhookConfigT, payload: Record<string, unknown>, io: DriverIo): Promise<void> {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(io.now().getTime() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'edictum-console',
    'x-edictum-event': String(payload.event),
    'x-edictum-timestamp': timestamp,
  };
  if (io.deliveryId) headers['x-edictum-delivery'] = io.deliveryId;
  if (cfg.secret) headers['x-edictum-signature'] = signWebhook(cfg.secret, timestamp, body);
  const res = await call(io, 'Webhook', cfg.url, { method: 'POST', headers, body });
  if (res.status >= 200 && res.status < 300) return;
  const s = statusText(res.status);
  if (res.status >= 300 && res.status < 400) throw new DeliveryError(`The webhook answered a redirect (${s}); redirects are not followed — configure the final URL`);
  if (res.status === 401 || res.status === 403) throw new DeliveryError(`The receiver refused the request (${s}) — check that it verifies with this channel's secret`);
  if (res.status === 404 || res.status === 405) throw new DeliveryError(`The receiver has no such endpoint (${s}) — check the URL path and that it accepts POST`);
  if (res.status === 429 || res.status >= 500) throw new DeliveryError(`The receiver failed (${s}) — will retry`);
  throw new DeliveryError(`The receiver refused the request (${s})`);
}

export const webhookDriver: ChannelDriver<WebhookConfigT> = {
  interactive: false,
  async sendRequest(cfg, view, io) {
    await post(cfg, requestPayload(view), io);
    return null;
  },
  async sendOutcome(cfg, view, _ref, io) {
    await post(cfg, outcomePayload(view), io);
    return null;
  },
  async notice(cfg, n, io) {
    await post(cfg, { event: 'notice', title: n.title, lines: n.lines, url: n.url }, io);
  },
  async test(cfg, io) {
    await post(cfg, { event: 'test', message: 'Edictum test notification — channel is working.' }, io);
    return 'The webhook accepted a signed test request.';
  },
};

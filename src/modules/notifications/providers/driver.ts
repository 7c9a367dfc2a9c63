import type { Config } from '../../../config.js';
import type { OutboundPolicy, OutboundRequestInit, OutboundResponse } from '../../../platform/ssrf-safe-fetch.js';
import type { ApprovalView } from '../approval-view.js';
import type { BreakGlassView } from '../breakglass-view.js';

export type SafeFetch = (url: string, init?: OutboundRequestInit) => Promise<OutboundResponse>;

/** What a channel driver may use: the one SSRF-safe client, configuration and the clock. */
export interface DriverIo {
  fetch: SafeFetch;
  /** The policy behind `fetch` (the SMTP host is checked with it too). */
  policy: OutboundPolicy;
  config: Config;
  now: () => Date;
  /** Our channel id (put into button values so a shared callback path finds the channel). */
  channelId: string;
  /** The outbox row id (webhook receivers can de-duplicate on it); null for tests. */
  deliveryId: string | null;
}

/** Provider ids of a posted message, kept in `notification_deliveries.external_ref` for edits. */
export type ExternalRef = Record<string, string | number>;

/**
 * A failed send, with a message a person can act on. Never carries a remote response body (an
 * attacker-controlled endpoint could echo anything), only our own words, status codes and fixed
 * provider error codes.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
}

export interface ChannelDriver<C> {
  /** Whether the channel has buttons that come back to us. */
  interactive: boolean;
  sendRequest(config: C, view: ApprovalView, io: DriverIo): Promise<ExternalRef | null>;
  /** Edit the posted request (`ref`) to show the outcome, or post a follow-up (one-way channels). */
  sendOutcome(config: C, view: ApprovalView, ref: ExternalRef | null, io: DriverIo): Promise<ExternalRef | null>;
  /** Send a test message; resolves to a success sentence, throws DeliveryError with advice. */
  test(config: C, io: DriverIo): Promise<string>;
  /** A one-way notice (rollout alerts and steps, docs/rollouts.md); plain text, escaped per channel. */
  notice(config: C, notice: NoticeView, io: DriverIo): Promise<void>;
  /**
   * Interactive channels: a break-glass switch with its buttons (docs/rollouts.md), posted, or
   * `ref` (the message a button was pressed on) edited. Channels without it get `notice`.
   */
  breakGlass?(config: C, view: BreakGlassView, io: DriverIo, ref: ExternalRef | null): Promise<void>;
}

/** What a notice says: a title, a few lines, and a dashboard URL (already absolute) or null. */
export interface NoticeView {
  title: string;
  lines: string[];
  url: string | null;
}

/** The notice as plain text (no markup anywhere, so nothing in it can be interpreted). */
export function noticeText(n: NoticeView, max = 3500): string {
  const text = [n.title, '', ...n.lines, ...(n.url ? ['', n.url] : [])].join('\n');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Parse a JSON response body; null when it is not JSON (never thrown at the caller). */
export function jsonBody(res: OutboundResponse): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(res.body);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Network failure → DeliveryError with our own words (safe-fetch errors never hold a body). */
export async function call(io: DriverIo, what: string, url: string, init: OutboundRequestInit): Promise<OutboundResponse> {
  try {
    return await io.fetch(url, init);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new DeliveryError(`${what}: ${msg}`);
  }
}

export function postJson(body: unknown, headers: Record<string, string> = {}): OutboundRequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

/** A status code phrase for messages ("401 Unauthorized"). */
export function statusText(status: number): string {
  const names: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    408: 'Request Timeout',
    410: 'Gone',
    413: 'Payload Too Large',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return names[status] ? `${status} ${names[status]}` : `HTTP ${status}`;
}

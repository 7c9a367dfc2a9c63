import { randomUUID } from 'node:crypto';
import type { RouteInfo } from '../../src/app.js';

/** Routes anyone may call: health, sign-in, first-run setup, the API description, and chat callbacks (verified by signature). */
export const PUBLIC_ROUTES = new Set([
  'GET /api/v1/health',
  'GET /api/v1/health/live',
  'GET /api/v1/health/ready',
  'POST /api/v1/setup',
  'GET /api/v1/setup/status',
  'GET /api/v1/openapi.json',
  'GET /api/docs',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/logout',
  'GET /api/v1/slack/manifest',
  'POST /api/v1/telegram/webhook/:channel_id',
  'POST /api/v1/slack/interactions/:channel_id',
  'POST /api/v1/slack/interactions',
  'POST /api/v1/discord/interactions/:channel_id',
  'POST /api/v1/discord/interactions',
]);

export const apiRoutes = (routes: RouteInfo[]) => routes.filter((r) => r.url.startsWith('/api/'));

/** Fill a route's path parameters from `values` (by parameter name), with safe defaults. */
export function fillPath(url: string, values: Record<string, string> = {}): string {
  return url
    // A parameter may carry a pattern (`:id(<regex>)`): the pattern goes with it.
    .replace(/:([a-z_]+)(\([^)]*\))?/g, (_m, name: string) => encodeURIComponent(values[name] ?? defaultParam(name)))
    .replace(/\*$/, values['*'] ?? 'some-key');
}

function defaultParam(name: string): string {
  if (name === 'name') return 'support-agent';
  if (name === 'version') return '1';
  if (name === 'agent_id') return 'agent-1';
  return randomUUID();
}

export const key = (r: RouteInfo) => `${r.method} ${r.url}`;

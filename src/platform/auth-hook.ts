import type { FastifyInstance, FastifyRequest } from 'fastify';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps.js';
import { apiKeys } from '../db/schema.js';
import type { ApiKeyCache, CachedApiKey } from './api-key-cache.js';
import { rawClient } from './kv.js';
import { SESSION_COOKIE, requireAdmin, requireApiKey, requireEither, requireSession } from './auth.js';
import { forbidden } from './errors.js';

const CSRF_EXEMPT = ['/api/v1/auth/login', '/api/v1/setup', '/api/v1/telegram/', '/api/v1/discord/', '/api/v1/slack/', '/api/v1/health'];
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** last_used_at is written at most this often per key, so the agent hot path stays read-only. */
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

function isBearerApiKey(header: string | undefined): boolean {
  return !!header && /^Bearer edk_./.test(header);
}

/**
 * CSRF rule (console-api.md 7.4) and credential resolution (7.3 "mixed-auth rule"): a Bearer
 * `edk_` key is an API key (an invalid one is refused even with a valid cookie); otherwise the
 * session cookie; otherwise any other Authorization header is tried as an API key.
 */
export function installAuth(app: FastifyInstance, deps: AppDeps, cache: ApiKeyCache): void {
  const lastUsedWrite = new Map<string, number>();
  const raw = rawClient(deps.database.db);

  /** The key behind a hash: the cache, else one indexed read straight on the driver. */
  async function lookup(hash: string): Promise<CachedApiKey | undefined> {
    const hit = cache.get(hash);
    if (hit) return hit;
    const generation = cache.generation();
    const { rows } = await raw.query<CachedApiKey>(
      `SELECT id, tenant_id AS "tenantId", env, key_prefix AS prefix FROM api_keys
        WHERE key_hash = $1 AND revoked_at IS NULL LIMIT 1`,
      [hash],
    );
    const row = rows[0];
    if (row) cache.set(hash, row, generation);
    return row;
  }

  async function resolveApiKey(request: FastifyRequest, header: string): Promise<void> {
    const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
    if (!match) {
      request.authError = /^Bearer\s/i.test(header) ? 'Invalid or revoked API key.' : 'Authorization header must use Bearer scheme.';
      return;
    }
    const row = await lookup(deps.apiKeys.hash(match[1]!));
    if (!row) {
      request.authError = 'Invalid or revoked API key.';
      return;
    }
    const agentHeader = request.headers['x-edictum-agent-id'];
    const agentId = typeof agentHeader === 'string' && agentHeader.length > 0 ? agentHeader.slice(0, 255) : null;
    request.principal = { kind: 'apiKey', tenantId: row.tenantId, keyId: row.id, env: row.env, prefix: row.prefix, agentId };
    const now = Date.now();
    if ((lastUsedWrite.get(row.id) ?? 0) < now - LAST_USED_WRITE_INTERVAL_MS) {
      lastUsedWrite.set(row.id, now);
      deps.database.db
        .update(apiKeys)
        .set({ lastUsedAt: new Date(now) })
        .where(eq(apiKeys.id, row.id))
        .catch((err: unknown) => request.log.warn({ err }, 'could not record key use'));
    }
  }

  app.decorateRequest('principal', null);
  app.decorateRequest('sessionToken', null);
  app.decorateRequest('authError', null);

  app.addHook('onRequest', async (request) => {
    const path = request.url;
    // `/v1/`: the current SDKs' paths (sdk-contract-v2.md).
    if (!path.startsWith('/api/') && !path.startsWith('/v1/')) return;
    const auth = request.headers.authorization;
    const token = request.cookies[SESSION_COOKIE];

    // CSRF protects cookie-authenticated writes only: a request without the cookie carries no
    // ambient credential a third-party page could ride on, and an agent that lost its key must
    // hear 401 (log in / fix the key), not a CSRF complaint.
    if (token && MUTATING.has(request.method) && !CSRF_EXEMPT.some((p) => path.startsWith(p)) && !isBearerApiKey(auth)) {
      const xrw = request.headers['x-requested-with'];
      if (!xrw || (Array.isArray(xrw) ? xrw.join('') : xrw).trim() === '') {
        throw forbidden('Missing CSRF header.', 'csrf.missing');
      }
    }

    if (token) request.sessionToken = token;
    // Public routes (health, setup, login, chat callbacks) never look credentials up: they must
    // answer with the database or Redis down, whatever the client sends.
    const need = request.routeOptions.config?.auth;
    if (!need || need === 'none') return;

    if (isBearerApiKey(auth)) return resolveApiKey(request, auth!);
    if (token) {
      const result = await deps.sessions.resolve(token);
      if ('data' in result) {
        const d = result.data;
        request.principal = { kind: 'session', tenantId: d.tenant_id, userId: d.user_id, email: d.email, isAdmin: d.is_admin };
        return;
      }
      request.authError = result.error;
      if (!auth) return;
    }
    if (auth) return resolveApiKey(request, auth);
  });
}

export type AuthRequirement = 'none' | 'session' | 'admin' | 'apiKey' | 'either';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route; checked before body validation so a stranger gets 401, not 422. */
    auth?: AuthRequirement;
  }
}

export function installAuthGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const need = request.routeOptions.config?.auth;
    switch (need) {
      case 'session':
        requireSession(request);
        break;
      case 'admin':
        requireAdmin(request);
        break;
      case 'apiKey':
        requireApiKey(request);
        break;
      case 'either':
        requireEither(request);
        break;
      default:
        break;
    }
  });
}

import { createHash } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, forbidden, unauthorized } from './errors.js';
import { hmacSha256Hex, randomToken, safeEqual } from './crypto.js';
import type { SessionStore } from './kv.js';

/** Who is calling. Attached to every request by the auth hook; routes pick a guard. */
export type Principal =
  | {
      kind: 'session';
      tenantId: string;
      userId: string;
      email: string;
      isAdmin: boolean;
    }
  | {
      kind: 'apiKey';
      tenantId: string;
      keyId: string;
      env: string;
      prefix: string;
      /** X-Edictum-Agent-Id, the agent's identity (sdk-contract.md section 1). */
      agentId: string | null;
    };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The session token presented, for logout. */
    sessionToken: string | null;
  }
}

export const SESSION_COOKIE = 'edictum_session';
const BCRYPT_COST = 12;
/** Absolute cap on a session, however active (console-api.md 7.2). */
export const SESSION_MAX_AGE_SECONDS = 7 * 24 * 3600;

// Passwords: bcrypt over the hex SHA-256 of the password (the reference's scheme; avoids
// bcrypt's 72-byte truncation).
const prehash = (password: string) => createHash('sha256').update(password, 'utf8').digest('hex');

export async function hashPassword(password: string, cost = BCRYPT_COST): Promise<string> {
  return bcrypt.hash(prehash(password), cost);
}

let dummyHash: Promise<string> | null = null;
/** Always runs one bcrypt comparison, even for an unknown user, so timing reveals nothing. */
export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  if (!hash) {
    dummyHash ??= hashPassword('edictum-dummy-password-for-timing');
    await bcrypt.compare(prehash(password), await dummyHash);
    return false;
  }
  return bcrypt.compare(prehash(password), hash);
}

// ---------- API keys (decision 8: a keyed hash, O(1) lookup, never bcrypt per request) ----------

export interface ApiKeyHasher {
  hash(key: string): string;
}

export function apiKeyHasher(secretKey: string): ApiKeyHasher {
  // A sub-key for this one purpose, so the session HMAC key is never used for anything else.
  const subKey = hmacSha256Hex(secretKey, 'edictum/api-key-hash/v1');
  return { hash: (key) => hmacSha256Hex(subKey, key) };
}

/** `edk_<env>_<43 url-safe chars>`; 256 bits of randomness. */
export function generateApiKey(env: string): { key: string; prefix: string } {
  const random = randomToken(32);
  return { key: `edk_${env}_${random}`, prefix: `edk_${env}_${random.slice(0, 8)}` };
}

// ---------- dashboard sessions ----------

export interface SessionData {
  user_id: string;
  tenant_id: string;
  email: string;
  is_admin: boolean;
  /** Unix seconds, for the 7-day cap. */
  created_at: number;
}

export interface Sessions {
  create(data: Omit<SessionData, 'created_at'>): Promise<string>;
  /** Validates the HMAC and the caps, slides the TTL; null (with a reason) when not valid. */
  resolve(token: string): Promise<{ data: SessionData } | { error: string }>;
  /**
   * The same checks without sliding the TTL: for re-checks that are not user activity (an open
   * dashboard stream must not keep an idle session alive).
   */
  peek(token: string): Promise<{ data: SessionData } | { error: string }>;
  destroy(token: string): Promise<void>;
  /** Deletes expired sessions (database store; Redis expires keys itself); how many. */
  sweep(): Promise<number>;
}

/**
 * A session resolved here is trusted for this long in this process without another store read
 * (issue 10: a burst of uploads from one signed-in user cost a session read each on the main
 * thread). Concurrent requests of one session share one read. A logout through this process
 * forgets it at once; another process's logout reaches this one within this interval.
 */
export const SESSION_RECHECK_MS = 2_000;
const RECENT_MAX = 10_000;

export function createSessions(store: SessionStore, secretKey: string, ttlSeconds: number, now = Date.now): Sessions {
  const sign = (json: string) => hmacSha256Hex(secretKey, json);
  const recent = new Map<string, { data: SessionData; until: number }>();
  const inFlight = new Map<string, Promise<{ data: SessionData } | { error: string }>>();
  async function check(token: string, read: (token: string) => Promise<string | null>): Promise<{ data: SessionData } | { error: string }> {
    if (token.length > 256) return { error: 'Session expired or invalid.' };
    const raw = await read(token);
    if (!raw) return { error: 'Session expired or invalid.' };
    const sep = raw.indexOf(':');
    const mac = raw.slice(0, sep);
    const json = raw.slice(sep + 1);
    if (sep < 0 || !safeEqual(mac, sign(json))) {
      await store.delete(token);
      return { error: 'Session expired or invalid.' };
    }
    const data = JSON.parse(json) as SessionData;
    if (now() / 1000 - data.created_at > SESSION_MAX_AGE_SECONDS) {
      await store.delete(token);
      return { error: 'Session expired. Please log in again.' };
    }
    return { data };
  }
  return {
    async create(data) {
      const token = randomToken(32);
      const json = JSON.stringify({ ...data, created_at: now() / 1000 });
      await store.put(token, `${sign(json)}:${json}`, ttlSeconds);
      return token;
    },
    resolve(token) {
      const hit = recent.get(token);
      if (hit && hit.until > now()) return Promise.resolve({ data: hit.data });
      const pending = inFlight.get(token);
      if (pending) return pending;
      const read: Promise<{ data: SessionData } | { error: string }> = check(token, (t) => store.touch(t, ttlSeconds))
        .then((r) => {
          // A logout during the read wins: nothing is remembered.
          if ('data' in r && inFlight.get(token) === read) {
            if (recent.size >= RECENT_MAX) recent.clear();
            recent.set(token, { data: r.data, until: now() + SESSION_RECHECK_MS });
          } else {
            recent.delete(token);
          }
          return r;
        })
        .finally(() => {
          if (inFlight.get(token) === read) inFlight.delete(token);
        });
      inFlight.set(token, read);
      return read;
    },
    peek: (token) => check(token, (t) => store.peek(t)),
    destroy(token) {
      recent.delete(token);
      inFlight.delete(token);
      return store.delete(token);
    },
    sweep: () => store.sweep(),
  };
}

// ---------- guards ----------

export function requireSession(request: FastifyRequest): Extract<Principal, { kind: 'session' }> {
  const p = request.principal;
  if (!p) throw unauthorized(request.authError ?? 'Not authenticated.');
  if (p.kind !== 'session') {
    throw forbidden('This endpoint needs a dashboard session; API keys cannot use it.', 'auth.session_required');
  }
  return p;
}

export function requireAdmin(request: FastifyRequest): Extract<Principal, { kind: 'session' }> {
  const p = requireSession(request);
  if (!p.isAdmin) throw forbidden('Admin access required.', 'auth.admin_required');
  return p;
}

export function requireApiKey(request: FastifyRequest): Extract<Principal, { kind: 'apiKey' }> {
  const p = request.principal;
  if (p?.kind === 'apiKey') return p;
  if (request.authError) throw unauthorized(request.authError, 'auth.api_key_invalid');
  const header = request.headers.authorization;
  if (!header) throw unauthorized('Authorization header is required.', 'auth.api_key_required');
  if (!/^Bearer\s/i.test(header)) throw unauthorized('Authorization header must use Bearer scheme.', 'auth.api_key_required');
  throw unauthorized('Invalid or revoked API key.', 'auth.api_key_invalid');
}

export function requireEither(request: FastifyRequest): Principal {
  const p = request.principal;
  if (!p) throw unauthorized(request.authError ?? 'Authentication required.');
  return p;
}

/** The environment an API key is scoped to may not be widened by a query parameter. */
export function assertEnvAllowed(p: Principal, env: string, what = 'access'): void {
  if (p.kind === 'apiKey' && p.env !== env) {
    throw new AppError(403, `API key is scoped to '${p.env}', cannot ${what} env '${env}'.`, 'auth.env_scope');
  }
}

export type { FastifyReply };

declare module 'fastify' {
  interface FastifyRequest {
    /** Why credentials that were presented were refused (e.g. a revoked key). */
    authError: string | null;
  }
}

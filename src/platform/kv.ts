import { and, eq, lt, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Db } from '../db/client.js';
import { agentKv, authSessions } from '../db/schema.js';
import { sha256Hex } from './crypto.js';

/**
 * Two small stores with a Redis and a database implementation each, chosen by configuration
 * (ARCHITECTURE.md "Storage modes"): dashboard sessions, and the agents' session key-value store.
 */

export interface SessionStore {
  /** Store `value` under `token` for `ttlSeconds`. */
  put(token: string, value: string, ttlSeconds: number): Promise<void>;
  /** Read and slide the expiry to `ttlSeconds` from now; null when absent or expired. */
  touch(token: string, ttlSeconds: number): Promise<string | null>;
  /** Read without changing the expiry; null when absent or expired. */
  peek(token: string): Promise<string | null>;
  delete(token: string): Promise<void>;
  /** Drop expired rows (database store only; Redis expires keys itself). */
  sweep(): Promise<number>;
}

// Keys are stored under a hash of the token, so a database or Redis dump holds no usable token.
const sessionKey = (token: string) => `session:${sha256Hex(token)}`;

export function redisSessionStore(redis: Redis): SessionStore {
  return {
    async put(token, value, ttl) {
      await redis.set(sessionKey(token), value, 'EX', ttl);
    },
    async touch(token, ttl) {
      const key = sessionKey(token);
      const [[, value]] = (await redis.multi().get(key).expire(key, ttl).exec()) as [[Error | null, string | null]];
      return value;
    },
    peek(token) {
      return redis.get(sessionKey(token));
    },
    async delete(token) {
      await redis.del(sessionKey(token));
    },
    async sweep() {
      return 0;
    },
  };
}

export function dbSessionStore(db: Db): SessionStore {
  return {
    async put(token, value, ttl) {
      await db
        .insert(authSessions)
        .values({ tokenHash: sha256Hex(token), value, expiresAt: new Date(Date.now() + ttl * 1000) })
        .onConflictDoUpdate({
          target: authSessions.tokenHash,
          set: { value, expiresAt: new Date(Date.now() + ttl * 1000) },
        });
    },
    async touch(token, ttl) {
      const rows = await db
        .update(authSessions)
        .set({ expiresAt: new Date(Date.now() + ttl * 1000) })
        .where(and(eq(authSessions.tokenHash, sha256Hex(token)), sql`${authSessions.expiresAt} > now()`))
        .returning({ value: authSessions.value });
      return rows[0]?.value ?? null;
    },
    async peek(token) {
      const rows = await db
        .select({ value: authSessions.value })
        .from(authSessions)
        .where(and(eq(authSessions.tokenHash, sha256Hex(token)), sql`${authSessions.expiresAt} > now()`))
        .limit(1);
      return rows[0]?.value ?? null;
    },
    async delete(token) {
      await db.delete(authSessions).where(eq(authSessions.tokenHash, sha256Hex(token)));
    },
    async sweep() {
      const rows = await db
        .delete(authSessions)
        .where(lt(authSessions.expiresAt, new Date()))
        .returning({ k: authSessions.tokenHash });
      return rows.length;
    },
  };
}

/** The agents' session store (sdk-contract.md section 7): strings, counters, 7-day TTL refreshed on write. */
export interface AgentKvStore {
  get(tenantId: string, key: string): Promise<string | null>;
  mget(tenantId: string, keys: string[]): Promise<(string | null)[]>;
  set(tenantId: string, key: string, value: string): Promise<void>;
  incr(tenantId: string, key: string, amount: number): Promise<number>;
  delete(tenantId: string, key: string): Promise<void>;
  sweep(): Promise<number>;
}

export const AGENT_KV_TTL_SECONDS = 7 * 24 * 3600;

const kvKey = (tenantId: string, key: string) => `edictum:${tenantId}:session:${key}`;

/**
 * An increment that cannot be applied: the key holds something that is not a number, or the
 * result would not be a finite number. Both stores raise it, so the route answers the same 422
 * in every mode (Redis itself answers "ERR value is not a valid float").
 */
export class KvIncrementError extends Error {
  constructor(readonly reason: 'not_a_number' | 'overflow') {
    super(reason === 'not_a_number' ? 'value is not a number' : 'increment would produce a non-finite number');
  }
}

/** A stored string that counts as a number for an increment (what Redis' float parser accepts, less hex/inf). */
const NUMERIC_TEXT_RE = '^[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?$';

function pgErrorCode(err: unknown): string | undefined {
  // drizzle wraps driver errors (DrizzleQueryError) and keeps the original as `cause`.
  for (let e: unknown = err, i = 0; e && i < 3; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * INCRBYFLOAT + EXPIRE in one script. Redis adds in long double, so a sum past the double range
 * (which JSON cannot carry back) would be stored; the script checks the sum in double first and
 * writes nothing then. A value Redis cannot parse is left to INCRBYFLOAT's own error.
 */
const INCR_LUA = `
local cur = redis.call('GET', KEYS[1])
local n = cur and tonumber(cur)
if n then
  local r = n + tonumber(ARGV[1])
  if r ~= r or r == math.huge or r == -math.huge then return redis.error_reply('edictum:overflow') end
end
local v = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return v
`;

export function redisAgentKv(redis: Redis): AgentKvStore {
  return {
    async get(tenantId, key) {
      return redis.get(kvKey(tenantId, key));
    },
    async mget(tenantId, keys) {
      if (keys.length === 0) return [];
      return redis.mget(keys.map((k) => kvKey(tenantId, k)));
    },
    async set(tenantId, key, value) {
      await redis.set(kvKey(tenantId, key), value, 'EX', AGENT_KV_TTL_SECONDS);
    },
    async incr(tenantId, key, amount) {
      let value: string;
      try {
        value = (await redis.eval(INCR_LUA, 1, kvKey(tenantId, key), String(amount), AGENT_KV_TTL_SECONDS)) as string;
      } catch (err) {
        const msg = (err as Error).message;
        if (/not a valid float/i.test(msg)) throw new KvIncrementError('not_a_number');
        if (/NaN or Infinity|edictum:overflow/i.test(msg)) throw new KvIncrementError('overflow');
        throw err;
      }
      const n = Number(value);
      if (!Number.isFinite(n)) throw new KvIncrementError('overflow');
      return n;
    },
    async delete(tenantId, key) {
      await redis.del(kvKey(tenantId, key));
    },
    async sweep() {
      return 0;
    },
  };
}

/**
 * The driver under drizzle (a pg Pool or a PGlite instance; both answer `query(text, params)`
 * with `{ rows }`). The agent hot path goes straight to it: drizzle's query building and result
 * mapping cost more CPU than PGlite's execution of these one-row statements.
 */
interface RawClient {
  query<T>(text: string, params: unknown[]): Promise<{ rows: T[] }>;
}
export function rawClient(db: Db): RawClient {
  const client = (db as unknown as { $client?: RawClient }).$client;
  if (!client || typeof client.query !== 'function') throw new Error('database driver does not expose query(text, params)');
  return client;
}

const KV_LIVE = 'expires_at > now()';
// One statement: an expired row restarts from zero; a stored string that is a number counts from
// that number (as Redis INCRBYFLOAT does). A row holding anything else fails the DO UPDATE's WHERE,
// so nothing is written and no row comes back.
const KV_CURRENT = `(CASE WHEN agent_kv.expires_at <= now() THEN 0
                          ELSE COALESCE(agent_kv.numeric, agent_kv.value::double precision) END)`;
const KV_INCR = `
  INSERT INTO agent_kv (tenant_id, key, value, numeric, expires_at)
  VALUES ($1, $2, $3, $4::double precision, now() + make_interval(secs => $5))
  ON CONFLICT (tenant_id, key) DO UPDATE SET
    numeric = ${KV_CURRENT} + EXCLUDED.numeric,
    value = (${KV_CURRENT} + EXCLUDED.numeric)::text,
    expires_at = EXCLUDED.expires_at
  WHERE agent_kv.expires_at <= now() OR agent_kv.numeric IS NOT NULL OR agent_kv.value ~ $6
  RETURNING numeric`;
// EXCLUDED: the value (up to 1 MiB) travels to the database once, not twice.
const KV_SET = `
  INSERT INTO agent_kv (tenant_id, key, value, numeric, expires_at)
  VALUES ($1, $2, $3, NULL, now() + make_interval(secs => $4))
  ON CONFLICT (tenant_id, key) DO UPDATE SET value = EXCLUDED.value, numeric = NULL, expires_at = EXCLUDED.expires_at`;

export function dbAgentKv(db: Db): AgentKvStore {
  const client = rawClient(db);
  return {
    async get(tenantId, key) {
      const { rows } = await client.query<{ value: string }>(
        `SELECT value FROM agent_kv WHERE tenant_id = $1 AND key = $2 AND ${KV_LIVE}`,
        [tenantId, key],
      );
      return rows[0]?.value ?? null;
    },
    async mget(tenantId, keys) {
      if (keys.length === 0) return [];
      const { rows } = await client.query<{ key: string; value: string }>(
        `SELECT key, value FROM agent_kv WHERE tenant_id = $1 AND key = ANY($2::text[]) AND ${KV_LIVE}`,
        [tenantId, keys],
      );
      const map = new Map(rows.map((r) => [r.key, r.value]));
      return keys.map((k) => map.get(k) ?? null);
    },
    async set(tenantId, key, value) {
      await client.query(KV_SET, [tenantId, key, value, AGENT_KV_TTL_SECONDS]);
    },
    async incr(tenantId, key, amount) {
      let rows: { numeric: number }[];
      try {
        ({ rows } = await client.query<{ numeric: number }>(KV_INCR, [
          tenantId,
          key,
          String(amount),
          amount,
          AGENT_KV_TTL_SECONDS,
          NUMERIC_TEXT_RE,
        ]));
      } catch (err) {
        // 22003: double precision overflow (in the sum, or a stored "1e999").
        if (pgErrorCode(err) === '22003') throw new KvIncrementError('overflow');
        throw err;
      }
      if (!rows[0]) throw new KvIncrementError('not_a_number');
      return Number(rows[0].numeric);
    },
    async delete(tenantId, key) {
      await client.query('DELETE FROM agent_kv WHERE tenant_id = $1 AND key = $2', [tenantId, key]);
    },
    async sweep() {
      const rows = await db.delete(agentKv).where(lt(agentKv.expiresAt, new Date())).returning({ k: agentKv.key });
      return rows.length;
    },
  };
}

import type { SessionStore } from './kv.js';
import { sha256Hex } from './crypto.js';

/** How often a session seen in the cache is checked (and its expiry slid) in the database. */
export const DURABLE_CHECK_INTERVAL_MS = 5 * 60_000;
const MAX_TRACKED = 50_000;

/**
 * Dashboard sessions with Redis: the database row is the session, Redis a cache in front of it.
 *
 * - A Redis restart without persistence loses nothing: a cache miss reads the row and refills
 *   the cache.
 * - Redis down: sessions are read from the database, so the dashboard (and /health/details,
 *   which says Redis is down) keeps working; requests pay one indexed read each meanwhile.
 * - The database is written on login, on logout, and at most every DURABLE_CHECK_INTERVAL_MS per
 *   session per process (sliding its expiry); that check also notices a logout made while the
 *   cache was unreachable, so a stale cache entry outlives its row by at most that interval.
 */
export function cachedSessionStore(
  durable: SessionStore,
  cache: SessionStore,
  onCacheError: (err: unknown) => void,
  now: () => number = Date.now,
): SessionStore {
  const checkedAt = new Map<string, number>();
  const remember = (id: string, t: number) => {
    if (checkedAt.size >= MAX_TRACKED) checkedAt.clear();
    checkedAt.set(id, t);
  };
  const cached = async <T>(op: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> => {
    try {
      return { ok: true, value: await op() };
    } catch (err) {
      onCacheError(err);
      return { ok: false };
    }
  };

  /** A cache hit is trusted for the check interval; then the row must still exist. */
  async function confirm(token: string, value: string, ttl: number): Promise<string | null> {
    const id = sha256Hex(token);
    const t = now();
    if (t - (checkedAt.get(id) ?? 0) < DURABLE_CHECK_INTERVAL_MS) return value;
    let row: string | null;
    try {
      row = await durable.touch(token, ttl);
    } catch {
      // Database down: the cache vouches for the session until it can be checked.
      return value;
    }
    if (row === null) {
      checkedAt.delete(id);
      await cached(() => cache.delete(token));
      return null;
    }
    remember(id, t);
    return value;
  }

  return {
    async put(token, value, ttl) {
      await durable.put(token, value, ttl);
      remember(sha256Hex(token), now());
      await cached(() => cache.put(token, value, ttl));
    },
    async touch(token, ttl) {
      const hit = await cached(() => cache.touch(token, ttl));
      if (hit.ok && hit.value !== null) return confirm(token, hit.value, ttl);
      const row = await durable.touch(token, ttl);
      if (row !== null) {
        remember(sha256Hex(token), now());
        if (hit.ok) await cached(() => cache.put(token, row, ttl));
      }
      return row;
    },
    async peek(token) {
      const hit = await cached(() => cache.peek(token));
      if (hit.ok && hit.value !== null) return hit.value;
      return durable.peek(token);
    },
    async delete(token) {
      checkedAt.delete(sha256Hex(token));
      await durable.delete(token);
      await cached(() => cache.delete(token));
    },
    sweep: () => durable.sweep(),
  };
}

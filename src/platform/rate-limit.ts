import type { Redis } from 'ioredis';
import { DependencyUnavailableError } from './dependency-errors.js';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until a slot frees up (only meaningful when not allowed). */
  retryAfterSeconds: number;
}

/**
 * Sliding-window limiter (the reference's algorithm): drop hits older than the window, count,
 * refuse without recording when the count has reached `max`, else record the hit.
 * Redis when configured (shared by every process), memory otherwise.
 */
export interface RateLimiter {
  hit(key: string, max: number, windowSeconds: number): Promise<RateDecision>;
  /** Whether `key` has reached `max` hits within the window, without recording one. */
  full(key: string, max: number, windowSeconds: number): Promise<boolean>;
  reset(key: string): Promise<void>;
}

export function memoryRateLimiter(now: () => number = Date.now): RateLimiter {
  const hits = new Map<string, number[]>();
  let sweepCounter = 0;
  return {
    async hit(key, max, windowSeconds) {
      const t = now();
      const windowMs = windowSeconds * 1000;
      const list = (hits.get(key) ?? []).filter((h) => h > t - windowMs);
      // Bound memory: every 1,000 calls, forget keys whose newest hit is outside any window.
      if (++sweepCounter % 1000 === 0) {
        for (const [k, v] of hits) if (v.length === 0 || v[v.length - 1]! < t - 86_400_000) hits.delete(k);
      }
      if (list.length >= max) {
        hits.set(key, list);
        const oldest = list[0]!;
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - t) / 1000)) };
      }
      list.push(t);
      hits.set(key, list);
      return { allowed: true, retryAfterSeconds: 0 };
    },
    async full(key, max, windowSeconds) {
      const t = now();
      return (hits.get(key) ?? []).filter((h) => h > t - windowSeconds * 1000).length >= max;
    },
    async reset(key) {
      hits.delete(key);
    },
  };
}

// KEYS[1] = key; ARGV = now_ms, window_ms, max, member. Returns {allowed, oldest_ms}.
const SLIDING_WINDOW_LUA = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= max then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2])}
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, window + 60000)
return {1, 0}
`;

export function redisRateLimiter(redis: Redis, now: () => number = Date.now): RateLimiter {
  let seq = 0;
  return {
    async hit(key, max, windowSeconds) {
      const t = now();
      const windowMs = windowSeconds * 1000;
      try {
        const [allowed, oldest] = (await redis.eval(
          SLIDING_WINDOW_LUA,
          1,
          `rate_limit:${key}`,
          t,
          windowMs,
          max,
          `${t}-${process.pid}-${seq++}`,
        )) as [number, number];
        if (allowed === 1) return { allowed: true, retryAfterSeconds: 0 };
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - t) / 1000)) };
      } catch (err) {
        // Fail closed: an unreachable Redis must not lift the limit. But the caller is not being
        // throttled, so it is told the truth: 503 + Retry-After (the reference answered 429).
        throw new DependencyUnavailableError('redis', err);
      }
    },
    async full(key, max, windowSeconds) {
      try {
        return (await redis.zcount(`rate_limit:${key}`, `(${now() - windowSeconds * 1000}`, '+inf')) >= max;
      } catch (err) {
        throw new DependencyUnavailableError('redis', err);
      }
    },
    async reset(key) {
      try {
        await redis.del(`rate_limit:${key}`);
      } catch (err) {
        throw new DependencyUnavailableError('redis', err);
      }
    },
  };
}

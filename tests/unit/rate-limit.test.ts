import { describe, expect, it } from 'vitest';
import { memoryRateLimiter, redisRateLimiter, type RateLimiter } from '../../src/platform/rate-limit.js';
import { createRedis } from '../../src/platform/redis.js';
import { DependencyUnavailableError, dependencyDown } from '../../src/platform/dependency-errors.js';

async function sliding(make: (clock: () => number) => RateLimiter) {
  let now = 1_000_000;
  const limiter = make(() => now);
  const key = `k${Math.random()}`;
  for (let i = 0; i < 3; i++) expect((await limiter.hit(key, 3, 60)).allowed).toBe(true);
  const refused = await limiter.hit(key, 3, 60);
  expect(refused.allowed).toBe(false);
  expect(refused.retryAfterSeconds).toBe(60);
  now += 30_000;
  const still = await limiter.hit(key, 3, 60);
  expect(still).toEqual({ allowed: false, retryAfterSeconds: 30 });
  now += 30_001; // the oldest hits leave the window
  expect((await limiter.hit(key, 3, 60)).allowed).toBe(true);
  await limiter.reset(key);
  for (let i = 0; i < 3; i++) expect((await limiter.hit(key, 3, 60)).allowed).toBe(true);
}

describe('rate limiter (memory)', () => {
  it('is a sliding window that refuses without recording and reports Retry-After', async () => {
    await sliding((clock) => memoryRateLimiter(clock));
  });
});

// Needs a Redis server: CI sets TEST_REDIS_URL; a plain `npm test` on a fresh clone has none.
describe.runIf(process.env.TEST_REDIS_URL)('rate limiter (Redis)', () => {
  it('is the same sliding window, shared through Redis', async () => {
    const redis = createRedis(process.env.TEST_REDIS_URL!, 'test', `rl${Math.random()}:`);
    try {
      await sliding((clock) => redisRateLimiter(redis, clock));
    } finally {
      redis.disconnect();
    }
  });

  it('fails closed when Redis is unreachable, as "unavailable" (503), not as a throttle (429)', async () => {
    const redis = createRedis('redis://127.0.0.1:1', 'dead');
    redis.on('error', () => undefined);
    try {
      const err = await redisRateLimiter(redis).hit('x', 10, 60).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DependencyUnavailableError);
      expect(dependencyDown(err)).toBe('redis');
    } finally {
      redis.disconnect();
    }
  });
});

import { Redis } from 'ioredis';

/** A Redis connection that fails fast instead of queueing commands forever while Redis is down. */
export function createRedis(url: string, name: string, keyPrefix = ''): Redis {
  return new Redis(url, {
    keyPrefix,
    connectionName: `edictum-${name}`,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 5_000,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
  });
}

export async function redisPing(redis: Redis): Promise<number> {
  const t0 = performance.now();
  await redis.ping();
  return performance.now() - t0;
}

export type { Redis };

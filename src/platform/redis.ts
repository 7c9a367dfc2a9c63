import { Redis } from 'ioredis';

/**
 * A command sent to a Redis that is connected but does not answer fails after this; the route then
 * answers 503 + Retry-After. (An unreachable Redis fails commands at once: no offline queue.)
 */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;

/**
 * A Redis connection that fails fast instead of queueing commands while Redis is down: one retry
 * per command, a 1 s connect timeout and a 2 s command timeout, and no offline queue once connected (commands
 * fail at once while reconnecting, so latency and memory cannot grow behind an outage).
 * Reconnection keeps trying every second at most, so service resumes within a second or so of
 * Redis coming back.
 *
 * The subscriber connection (`subscriber: true`) keeps the offline queue: its SUBSCRIBE is issued
 * before the first connect and ioredis re-subscribes by itself after a reconnect.
 */
export function createRedis(url: string, name: string, keyPrefix = '', opts: { subscriber?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    keyPrefix,
    connectionName: `edictum-${name}`,
    maxRetriesPerRequest: 1,
    // At start-up commands may be issued before the first connect: they queue, bounded by the
    // command timeout; once the first attempt has succeeded or failed the queue is switched off.
    enableOfflineQueue: true,
    connectTimeout: 1_000,
    ...(opts.subscriber ? {} : { commandTimeout: REDIS_COMMAND_TIMEOUT_MS }),
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  });
  if (!opts.subscriber) {
    const noQueue = () => {
      redis.options.enableOfflineQueue = false;
    };
    redis.once('ready', noQueue);
    redis.once('error', noQueue);
  }
  return redis;
}

export async function redisPing(redis: Redis): Promise<number> {
  const t0 = performance.now();
  await redis.ping();
  return performance.now() - t0;
}

export type { Redis };

import type { FastifyBaseLogger } from 'fastify';
import { AppError, fieldError, unavailable } from '../../platform/errors.js';
import { KvIncrementError, type AgentKvStore } from '../../platform/kv.js';
import { dependencyDown } from '../../platform/dependency-errors.js';

/**
 * The agents' session store over `AgentKvStore` (Redis or database). The SDK fails closed on any
 * error but a 404, so a store outage answers 503 (the SDK retries 5xx) rather than an opaque 500.
 */
export function createSessionsService(kv: AgentKvStore, log: FastifyBaseLogger) {
  async function guarded<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError) throw err;
      // An unreachable store is logged once, by the error handler (503 + Retry-After).
      if (dependencyDown(err)) throw err;
      log.error({ err, op }, 'session store failed');
      throw unavailable('Session store unavailable. Please retry.', 'sessions.store_unavailable');
    }
  }

  return {
    get: (tenantId: string, key: string) => guarded('get', () => kv.get(tenantId, key)),
    set: (tenantId: string, key: string, value: string) => guarded('set', () => kv.set(tenantId, key, value)),
    delete: (tenantId: string, key: string) => guarded('delete', () => kv.delete(tenantId, key)),

    async batch(tenantId: string, keys: string[]): Promise<Record<string, string | null>> {
      const values = await guarded('mget', () => kv.mget(tenantId, keys));
      // fromEntries defines own properties, so a key such as `__proto__` is an ordinary entry.
      return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? null]));
    },

    async increment(tenantId: string, key: string, amount: number): Promise<number> {
      return guarded('incr', async () => {
        try {
          return await kv.incr(tenantId, key, amount);
        } catch (err) {
          if (!(err instanceof KvIncrementError)) throw err;
          const msg =
            err.reason === 'not_a_number'
              ? `the value stored under '${key}' is not a number`
              : `incrementing '${key}' would not give a finite number`;
          throw fieldError(['path', 'key'], msg);
        }
      });
    },
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;

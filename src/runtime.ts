import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { AppDeps } from './deps.js';
import { createDatabase, type Database } from './db/client.js';
import { resolveSecrets, type ResolvedSecrets } from './platform/secrets.js';
import { createRedis, type Redis } from './platform/redis.js';
import { dbAgentKv, dbSessionStore, redisAgentKv, redisSessionStore } from './platform/kv.js';
import { cachedSessionStore } from './platform/session-store-cached.js';
import { memoryRateLimiter, redisRateLimiter } from './platform/rate-limit.js';
import { inProcessBus, redisBus, type PushBus } from './platform/push-bus.js';
import { apiKeyHasher, createSessions } from './platform/auth.js';
import { createSigningService } from './modules/signing/signing.service.js';
import { WorkerRegistry } from './workers/registry.js';
import { safeError } from './platform/dependency-errors.js';

/** `destination` is for tests that read the log; stdout otherwise. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): FastifyBaseLogger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { service: 'edictum-console' },
    // Never log credentials: cookies, bearer keys, chat signatures, passwords in bodies.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-telegram-bot-api-secret-token"]',
        'req.headers["x-slack-signature"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.bot_token',
        '*.signing_secret',
        '*.smtp_password',
      ],
      censor: '[redacted]',
    },
    // Every logged error becomes a short summary: no SQL text or parameters (drizzle puts both in
    // the message), no row values (pg's `detail`), no request data (platform/dependency-errors.ts).
    serializers: { err: safeError, error: (e: unknown) => (typeof e === 'string' ? e.slice(0, 300) : safeError(e)) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  // stdout is written asynchronously (a burst of requests must not wait on the terminal or a pipe);
  // pino flushes what is buffered when the process exits. A reader that stops reading (a stalled
  // log pipe) makes lines beyond 64 MB of backlog be dropped rather than the process run out of memory.
  const out = destination ?? pino.destination({ dest: 1, sync: false, maxLength: 64 * 1024 * 1024 });
  return pino(options, out) as unknown as FastifyBaseLogger;
}

export interface RuntimeHandles {
  deps: AppDeps;
  /** Close Redis connections and the database (after the HTTP server has closed). */
  close(): Promise<void>;
}

/**
 * Builds the real dependencies for a configuration: PGlite or Postgres, Redis or not
 * (ARCHITECTURE.md "Storage modes"). `database` may be passed in (tests share a prepared one).
 */
export async function createRuntime(
  config: Config,
  logger: FastifyBaseLogger,
  overrides: { database?: Database; secrets?: ResolvedSecrets; now?: () => Date } = {},
): Promise<RuntimeHandles> {
  const secrets = overrides.secrets ?? resolveSecrets(config, logger);
  const database =
    overrides.database ??
    (await createDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.dbPoolSize,
      onPoolError: (err) => logger.error({ err }, 'database pool error'),
    }));

  let redis: Redis | null = null;
  let subscriber: Redis | null = null;
  let bus: PushBus;
  if (config.redisUrl) {
    redis = createRedis(config.redisUrl, 'main', config.redisPrefix);
    subscriber = createRedis(config.redisUrl, 'sub', config.redisPrefix, { subscriber: true });
    for (const r of [redis, subscriber]) r.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis error'));
    bus = redisBus(redis, subscriber, (err) => logger.error({ err }, 'push bus error'), config.redisPrefix);
  } else {
    bus = inProcessBus();
  }

  // With Redis, sessions are written through to the database (Redis is their cache): they survive
  // a Redis restart and keep working while Redis is down (platform/session-store-cached.ts).
  let cacheWarnedAt = 0;
  const sessionStore = redis
    ? cachedSessionStore(dbSessionStore(database.db), redisSessionStore(redis), (err) => {
        // Once per 10 s at most: every dashboard request hits this while Redis is down.
        if (Date.now() - cacheWarnedAt < 10_000) return;
        cacheWarnedAt = Date.now();
        logger.warn({ err: (err as Error)?.message }, 'session cache unavailable; using the database');
      })
    : dbSessionStore(database.db);
  const deps: AppDeps = {
    config,
    secrets,
    database,
    redis,
    sessions: createSessions(sessionStore, secrets.secretKey, config.sessionTtlSeconds),
    apiKeys: apiKeyHasher(secrets.secretKey),
    agentKv: redis ? redisAgentKv(redis) : dbAgentKv(database.db),
    rateLimiter: redis ? redisRateLimiter(redis) : memoryRateLimiter(),
    bus,
    signing: createSigningService(secrets.signingKeySecret),
    workers: new WorkerRegistry(),
    logger,
    now: overrides.now ?? (() => new Date()),
  };

  return {
    deps,
    async close() {
      await bus.close();
      for (const r of [subscriber, redis]) {
        if (r) await r.quit().catch(() => r.disconnect());
      }
      if (!overrides.database) await database.close();
    },
  };
}

import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { ResolvedSecrets } from './platform/secrets.js';
import type { Redis } from './platform/redis.js';
import type { AgentKvStore } from './platform/kv.js';
import type { RateLimiter } from './platform/rate-limit.js';
import type { PushBus } from './platform/push-bus.js';
import type { Sessions, ApiKeyHasher } from './platform/auth.js';
import type { SigningService } from './modules/signing/signing.service.js';
import type { WorkerRegistry } from './workers/registry.js';

/**
 * Everything the app needs from outside, passed in (no module-level singletons). main.ts builds
 * the real ones; tests build the same ones against real Postgres/Redis or PGlite.
 */
export interface AppDeps {
  config: Config;
  secrets: ResolvedSecrets;
  database: Database;
  /** Null when no Redis is configured. */
  redis: Redis | null;
  sessions: Sessions;
  apiKeys: ApiKeyHasher;
  agentKv: AgentKvStore;
  rateLimiter: RateLimiter;
  bus: PushBus;
  signing: SigningService;
  workers: WorkerRegistry;
  logger: FastifyBaseLogger;
  /** The clock; tests may pass a controllable one. */
  now: () => Date;
}

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { redisPing } from '../../platform/redis.js';
import { authRepository } from '../auth/auth.repository.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';

export const VERSION = '0.1.0';

const Probe = z.object({ connected: z.boolean(), latency_ms: z.number().nullable() });
const Workers = z.record(z.string(), z.string());
const Details = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  auth_provider: z.string(),
  storage_mode: z.string(),
  bootstrap_complete: z.boolean(),
  base_url_https: z.boolean(),
  database: Probe.extend({ kind: z.string() }),
  redis: Probe.extend({ configured: z.boolean() }),
  push_bus: z.object({ kind: z.string(), healthy: z.boolean() }),
  connected_agents: z.number(),
  leader: z.boolean(),
  workers: Workers,
  failing_channels: z.array(z.object({ id: z.string(), name: z.string(), channel_type: z.string(), last_error: z.string().nullable() })),
});
const Ready = z.object({ status: z.enum(['ready', 'not_ready']), database: Probe, redis: Probe, workers: Workers });

export interface HealthExtras {
  connectedAgents: () => number;
  isLeader: () => boolean;
  /** Channels whose recent deliveries keep failing (filled in by the notifications module). */
  failingChannels?: (tenantId: string) => Promise<{ id: string; name: string; channel_type: string; last_error: string | null }[]>;
}

/** A probe never takes longer than this: health must answer while a dependency hangs. */
const PROBE_TIMEOUT_MS = 1_000;

function withTimeout<T>(p: Promise<T>, ms = PROBE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('probe timed out')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const DependencyState = z.enum(['ok', 'unavailable', 'not_configured']);
const PublicHealth = z.object({
  status: z.enum(['ok', 'degraded']),
  bootstrap_complete: z.boolean(),
  database: DependencyState,
  redis: DependencyState,
});

export function healthRoutes(app: FastifyInstance, deps: AppDeps, extras: HealthExtras): void {
  const probeDb = async () => {
    try {
      return { connected: true, latency_ms: round(await withTimeout(deps.database.ping())) };
    } catch {
      return { connected: false, latency_ms: null };
    }
  };
  const probeRedis = async () => {
    if (!deps.redis) return { connected: false, latency_ms: null };
    try {
      return { connected: true, latency_ms: round(await withTimeout(redisPing(deps.redis))) };
    } catch {
      return { connected: false, latency_ms: null };
    }
  };
  // Once a user exists it always will: the last answer stands in while the database is down.
  let bootstrapped = false;
  const bootstrapComplete = async () => {
    if (bootstrapped) return true;
    try {
      bootstrapped = (await withTimeout(authRepository.countUsers(deps.database.db))) > 0;
    } catch {
      /* unknown while the database is down: report the last known answer */
    }
    return bootstrapped;
  };

  // Public: the reference's `{status, bootstrap_complete}` plus which dependency is down. Always
  // 200 (it is a status page, not a readiness probe; /health/ready is the one that fails).
  app.get('/api/v1/health', { schema: { response: { 200: PublicHealth } } }, async () => {
    const [database, redis, bootstrap] = await Promise.all([probeDb(), probeRedis(), bootstrapComplete()]);
    const redisState = !deps.redis ? 'not_configured' : redis.connected ? 'ok' : 'unavailable';
    const down = !database.connected || redisState === 'unavailable';
    return {
      status: down ? ('degraded' as const) : ('ok' as const),
      bootstrap_complete: bootstrap,
      database: database.connected ? ('ok' as const) : ('unavailable' as const),
      redis: redisState,
    };
  });

  app.get('/api/v1/health/live', { schema: { response: { 200: z.object({ status: z.literal('alive') }) } } }, async () => ({
    status: 'alive' as const,
  }));

  app.get('/api/v1/health/ready', { schema: { response: { 200: Ready, 503: Ready } } }, async (_request, reply) => {
    const [database, redis] = await Promise.all([probeDb(), probeRedis()]);
    const workers = deps.workers.snapshot();
    const ready = database.connected && (!deps.redis || redis.connected) && !deps.workers.unhealthy();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', database, redis, workers });
  });

  app.get(
    '/api/v1/health/details',
    { config: { auth: 'session' }, schema: { response: { 200: Details, 503: Details, 401: ErrorResponse, 403: ErrorResponse } } },
    async (request, reply) => {
      const tenantId = request.principal!.tenantId;
      const [database, redis, bootstrap, failing] = await Promise.all([
        probeDb(),
        probeRedis(),
        bootstrapComplete(),
        // Details must render while the database is down: failing channels are then unknown.
        extras.failingChannels ? withTimeout(extras.failingChannels(tenantId)).catch(() => []) : Promise.resolve([]),
      ]);
      const workers = deps.workers.snapshot();
      const degraded =
        !database.connected || (deps.redis !== null && !redis.connected) || deps.workers.unhealthy() || !deps.bus.healthy();
      return reply.code(degraded ? 503 : 200).send({
        status: degraded ? 'degraded' : 'ok',
        version: VERSION,
        auth_provider: deps.config.authProvider,
        storage_mode: deps.config.storage,
        bootstrap_complete: bootstrap,
        base_url_https: deps.config.baseUrlHttps,
        database: { ...database, kind: deps.database.kind },
        redis: { ...redis, configured: deps.redis !== null },
        push_bus: { kind: deps.redis ? 'redis' : 'in_process', healthy: deps.bus.healthy() },
        connected_agents: extras.connectedAgents(),
        leader: extras.isLeader(),
        workers,
        failing_channels: failing,
      });
    },
  );
}

const round = (n: number) => Math.round(n * 100) / 100;

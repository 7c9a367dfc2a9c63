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

export function healthRoutes(app: FastifyInstance, deps: AppDeps, extras: HealthExtras): void {
  const probeDb = async () => {
    try {
      return { connected: true, latency_ms: round(await deps.database.ping()) };
    } catch {
      return { connected: false, latency_ms: null };
    }
  };
  const probeRedis = async () => {
    if (!deps.redis) return { connected: false, latency_ms: null };
    try {
      return { connected: true, latency_ms: round(await redisPing(deps.redis)) };
    } catch {
      return { connected: false, latency_ms: null };
    }
  };

  app.get('/api/v1/health', { schema: { response: { 200: z.object({ status: z.literal('ok'), bootstrap_complete: z.boolean() }) } } }, async () => ({
    status: 'ok' as const,
    bootstrap_complete: (await authRepository.countUsers(deps.database.db)) > 0,
  }));

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
      const [database, redis, users, failing] = await Promise.all([
        probeDb(),
        probeRedis(),
        authRepository.countUsers(deps.database.db),
        extras.failingChannels ? extras.failingChannels(tenantId) : Promise.resolve([]),
      ]);
      const workers = deps.workers.snapshot();
      const degraded =
        !database.connected || (deps.redis !== null && !redis.connected) || deps.workers.unhealthy() || !deps.bus.healthy();
      return reply.code(degraded ? 503 : 200).send({
        status: degraded ? 'degraded' : 'ok',
        version: VERSION,
        auth_provider: deps.config.authProvider,
        storage_mode: deps.config.storage,
        bootstrap_complete: users > 0,
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

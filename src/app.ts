import { randomBytes } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import type { AppDeps } from './deps.js';
import { noBreakGlass, noDeliveryOverrides, noopAnnouncer, noopDeployTracker, noopNotifier, type AppContext, type StreamHubView } from './context.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandler } from './platform/errors.js';
import { installShutdownGate } from './platform/shutdown-gate.js';
import { installTextGuard, installZod } from './platform/zod-fastify.js';
import { installAuth, installAuthGuard } from './platform/auth-hook.js';
import { createApiKeyCache } from './platform/api-key-cache.js';
import { acceptEmptyJson, installHttpHardening } from './platform/http-hardening.js';
import { installDashboard } from './platform/dashboard-static.js';
import { installCompression } from './platform/compression.js';
import { trackConnections } from './platform/connection-tracker.js';
import { createPublisher } from './platform/publisher.js';
import { installOpenApi } from './platform/openapi.js';
import { VERSION, healthRoutes } from './modules/health/health.routes.js';
import { setupRoutes } from './modules/setup/setup.routes.js';
import { authJobs, authRoutes } from './modules/auth/auth.routes.js';
import { keysRoutes } from './modules/keys/keys.routes.js';
import { activityRoutes } from './modules/activity/activity.routes.js';
import { registerBreakGlass } from './modules/breakglass/breakglass.module.js';
import { registerAgentProtocol } from './modules/agent-protocol.js';
import { registerNotifications } from './modules/notifications/notifications.module.js';
import { registerContractTools } from './modules/evaluate/contract-tools.module.js';
import { registerLibrary } from './modules/library/library.module.js';
import { registerAssistant } from './modules/assistant/assistant.module.js';
import { createCheckpointer } from './modules/audit-chain/checkpoint.service.js';
import { registerAudit } from './modules/audit-chain/audit.module.js';
import { registerRollouts } from './modules/rollouts/rollouts.module.js';
import { partitionJob } from './workers/partition.worker.js';
import type { Job } from './workers/scheduler.js';

/** Default body limit (the reference's); routes that need more or less say so. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface RouteInfo {
  method: string;
  url: string;
  auth: string;
  /** The route's input schemas (zod), for tests that walk every input of every route. */
  schema?: { params?: unknown; querystring?: unknown; body?: unknown } | undefined;
}

export interface BuiltApp {
  app: FastifyInstance;
  /** Every route with the credential it requires (security tests walk all of them). */
  routes: RouteInfo[];
  ctx: AppContext;
  /** Background jobs the modules need; main.ts (or a test) schedules them. */
  jobs: Job[];
}

/**
 * The Fastify instance with every plugin and route. No I/O happens at import time and nothing is
 * listened on: main.ts listens, tests use `app.inject()` or `listen({ port: 0 })`.
 */
export async function buildApp(deps: AppDeps, opts: { isLeader?: () => boolean } = {}): Promise<BuiltApp> {
  const app = Fastify({
    loggerInstance: deps.logger,
    genReqId: () => randomBytes(6).toString('hex'),
    bodyLimit: DEFAULT_BODY_LIMIT,
    trustProxy: trustProxySetting(deps.config.trustedProxies),
    // Explicit timeouts: a slow client cannot hold a socket forever sending its request, idle
    // keep-alive sockets outlive a typical load balancer's 60 s idle timeout, and SSE responses
    // (long-lived by design) are not cut because these bound the request, not the response.
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
    connectionTimeout: 0,
    // Refused during shutdown by the hook below instead, in the `{detail}` shape with Retry-After.
    return503OnClosing: false,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // On close: idle keep-alive sockets are closed at once; in-flight requests finish.
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 512 },
    logController: new OneLinePerRequest(),
  });
  app.server.headersTimeout = 20_000;
  const connections = trackConnections(app.server);

  installErrorHandler(app);
  const shutdown = installShutdownGate(app);
  installZod(app);
  await app.register(fastifyCookie);
  await installCompression(app);
  installHttpHardening(app, deps.config);
  acceptEmptyJson(app);
  // Revoked keys leave the cache at once here (keys service) and on every other process (bus).
  const apiKeyCache = createApiKeyCache({ usable: () => deps.bus.healthy() });
  const unsubscribeKeys = deps.bus.subscribe((m) => {
    if (m.topic === 'control' && m.type === 'api_key_revoked' && typeof m.data.key_id === 'string') apiKeyCache.evict(m.data.key_id);
  });
  // After a bus gap a revocation may have been missed: nothing cached is trusted.
  const unsubscribeResume = deps.bus.onResume(() => apiKeyCache.clear());
  app.addHook('onClose', async () => {
    unsubscribeKeys();
    unsubscribeResume();
  });
  installAuth(app, deps, apiKeyCache);
  installAuthGuard(app);
  installTextGuard(app);
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: r.url, auth: r.config?.auth ?? 'none', schema: r.schema });
    }
  });
  // Before any route: it collects every route's schemas as they register.
  installOpenApi(app, { version: VERSION, serverUrl: deps.config.baseUrl });

  const checkpointer = createCheckpointer(deps);
  const hubRef: { current: StreamHubView } = {
    current: { connectedAgents: () => 0, closeAll: async () => undefined },
  };
  const ctx: AppContext = {
    deps,
    publish: createPublisher(deps.bus, deps.logger),
    notifier: noopNotifier,
    announcer: noopAnnouncer,
    deployTracker: noopDeployTracker,
    delivery: noDeliveryOverrides,
    approvals: {
      decide: () => Promise.reject(new Error('approvals module not registered')),
      get: () => Promise.reject(new Error('approvals module not registered')),
    },
    breakGlass: noBreakGlass,
    hub: {
      connectedAgents: () => hubRef.current.connectedAgents(),
      closeAll: () => hubRef.current.closeAll(),
    },
    audit: checkpointer,
    isLeader: opts.isLeader ?? (() => true),
  };

  const notifications = registerNotifications(app, ctx);
  const agentProtocol = registerAgentProtocol(app, ctx);
  hubRef.current = agentProtocol.hub;
  registerLibrary(app, ctx, registerContractTools(app, ctx), agentProtocol.served);
  registerAssistant(app, ctx);
  const audit = registerAudit(app, ctx, checkpointer);
  const rollouts = registerRollouts(app, ctx, { bundles: agentProtocol.bundles });

  healthRoutes(app, deps, {
    connectedAgents: () => ctx.hub.connectedAgents(),
    isLeader: () => ctx.isLeader(),
    failingChannels: notifications.failingChannels,
  });
  setupRoutes(app, deps);
  authRoutes(app, deps);
  const keys = keysRoutes(app, deps, ctx.publish, apiKeyCache);
  activityRoutes(app, deps);
  const breakGlass = registerBreakGlass(app, ctx, { served: agentProtocol.served, keys });
  const jobs = [partitionJob(deps.database), ...agentProtocol.jobs, ...notifications.jobs, ...authJobs(deps), ...audit.jobs, ...breakGlass.jobs, ...rollouts.jobs];
  deps.workers.names = jobs.map((j) => j.name);
  await installDashboard(app, deps.config.staticDir);

  // Shutdown: responses still in flight tell the client to close its keep-alive connection (so the
  // server is not held open by it), and streams, which never finish on their own, are ended.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (shutdown.closing()) void reply.header('connection', 'close');
    return payload;
  });
  let waiting: NodeJS.Timeout | undefined;
  app.addHook('onClose', async () => clearInterval(waiting));
  app.addHook('preClose', async () => {
    shutdown.close();
    await ctx.hub.closeAll();
    connections.closeIdle();
    app.log.info({ open: connections.open() }, 'streams ended; waiting for requests in flight');
    waiting = setInterval(() => app.log.warn({ open: connections.open() }, 'still waiting for connections to close'), 5_000);
    waiting.unref();
    app.server.once('close', () => {
      clearInterval(waiting);
      app.log.info('http server closed');
    });
  });
  return { app, routes, ctx, jobs };
}

/** One log line per request (Fastify writes two): half the log work on a busy process. */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      method: request.method,
      url: request.url,
      remoteAddress: request.ip,
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

function trustProxySetting(list: string[]): boolean | string[] {
  if (list.length === 0) return false;
  if (list.includes('*')) return true;
  return list;
}

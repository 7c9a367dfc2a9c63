import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from './config.js';
import { createLogger, createRuntime } from './runtime.js';
import { buildApp } from './app.js';
import { startScheduler } from './workers/scheduler.js';
import { backfillSigningKeys, bootstrapFromEnv } from './modules/setup/setup.service.js';
import { announceSetupLink } from './modules/setup/setup.token.js';

/** Process entry: config -> storage -> app -> workers -> listen; graceful shutdown on SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config);
  let runtime;
  try {
    runtime = await createRuntime(config, logger);
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.fatal(err.message);
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const { deps } = runtime;
  logger.info({ storage: config.storage, database: deps.database.kind, redis: Boolean(deps.redis) }, 'starting');

  await deps.database.migrate();
  logger.info('migrations applied');
  await bootstrapFromEnv(deps);
  await backfillSigningKeys(deps);

  let scheduler: ReturnType<typeof startScheduler> | null = null;
  const { app, jobs } = await buildApp(deps, { isLeader: () => scheduler?.isLeader() ?? false });
  scheduler = startScheduler({
    jobs,
    registry: deps.workers,
    logger,
    tryLeadership: () => deps.database.tryLeadership(),
  });

  closeWithGrace({ delay: config.shutdownGraceSeconds * 1000 }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    // Order: stop taking work, finish in-flight requests and close streams, stop workers, drain pools.
    // Each phase is logged with its duration, and one still running after a few seconds says so,
    // so a stop that hangs names the phase that holds it.
    await shutdownPhase(logger, 'http server and modules', () => app.close());
    await shutdownPhase(logger, 'background workers', async () => scheduler?.stop());
    await shutdownPhase(logger, 'storage and bus', () => runtime.close());
    logger.info('stopped');
  });

  await app.listen({ port: config.port, host: config.host });
  logger.info({ url: config.baseUrl, dashboard: `${config.baseUrl}/dashboard`, host: config.host }, 'edictum console is up');
  // Last, so the link is the line an operator sees at the end of `npm start`.
  await announceSetupLink(deps);
}

async function shutdownPhase(logger: ReturnType<typeof createLogger>, phase: string, run: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  const slow = setInterval(() => logger.warn({ phase, ms: Math.round(performance.now() - t0) }, 'shutdown phase still running'), 5_000);
  slow.unref();
  try {
    await run();
    logger.info({ phase, ms: Math.round(performance.now() - t0) }, 'shutdown phase done');
  } catch (err) {
    // Logged and passed over: what is left to close does not need this phase to have finished.
    logger.error({ err, phase, ms: Math.round(performance.now() - t0) }, 'shutdown phase failed');
  } finally {
    clearInterval(slow);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});

import type { FastifyBaseLogger } from 'fastify';
import type { WorkerRegistry } from './registry.js';

export interface Job {
  name: string;
  intervalMs: number;
  /** Run on the leader only (scale-out mode: one process, chosen by a Postgres advisory lock). */
  leaderOnly: boolean;
  /** Run once at start (before the first interval). */
  runAtStart?: boolean;
  run(): Promise<void>;
}

export interface Scheduler {
  isLeader(): boolean;
  /** Run a job now (tests, and callers that just made work for it, e.g. a new outbox row). */
  kick(name: string): void;
  stop(): Promise<void>;
}

/**
 * Runs background jobs on timers; one pass at a time per job; an error is logged and the job
 * marked crashed until its next successful pass. Leadership is re-checked every few seconds, so
 * when the leader stops another process takes its jobs over.
 */
export function startScheduler(opts: {
  jobs: Job[];
  registry: WorkerRegistry;
  logger: FastifyBaseLogger;
  tryLeadership: () => Promise<boolean>;
  leaderCheckMs?: number;
}): Scheduler {
  const { jobs, registry, logger } = opts;
  let leader = false;
  let stopped = false;
  let started = false;
  const timers: NodeJS.Timeout[] = [];
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();

  const runJob = (job: Job): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (job.leaderOnly && !leader) {
      registry.set(job.name, 'standby');
      return Promise.resolve();
    }
    const current = running.get(job.name);
    if (current) {
      again.add(job.name);
      return current;
    }
    const p = job
      .run()
      .then(() => registry.set(job.name, 'running'))
      .catch((err: unknown) => {
        registry.set(job.name, 'crashed');
        logger.error({ err, worker: job.name }, 'worker pass failed');
      })
      .finally(() => {
        running.delete(job.name);
        if (again.delete(job.name)) void runJob(job);
      });
    running.set(job.name, p);
    return p;
  };

  const checkLeadership = async () => {
    try {
      const was = leader;
      leader = await opts.tryLeadership();
      if (leader && !was) {
        logger.info('this process is now the leader for background workers');
        // Taking over from a stopped leader: run the leader's jobs now rather than at their next tick.
        if (started) for (const job of jobs) if (job.leaderOnly) void runJob(job);
      }
      if (!leader && was) logger.warn('lost leadership; background workers stand by');
    } catch (err) {
      leader = false;
      logger.error({ err }, 'leadership check failed');
    }
  };

  void (async () => {
    await checkLeadership();
    for (const job of jobs) {
      registry.set(job.name, job.leaderOnly && !leader ? 'standby' : 'running');
      if (job.runAtStart) void runJob(job);
      const t = setInterval(() => void runJob(job), job.intervalMs);
      t.unref();
      timers.push(t);
    }
    started = true;
    const lt = setInterval(() => void checkLeadership(), opts.leaderCheckMs ?? 5_000);
    lt.unref();
    timers.push(lt);
  })();

  return {
    isLeader: () => leader,
    kick(name) {
      const job = jobs.find((j) => j.name === name);
      if (job) void runJob(job);
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...running.values()]);
      for (const job of jobs) registry.set(job.name, 'stopped');
    },
  };
}

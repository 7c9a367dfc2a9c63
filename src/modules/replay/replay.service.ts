import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { AppContext } from '../../context.js';
import { notFound, tooManyRequests, unprocessable } from '../../platform/errors.js';
import { bundlesRepository } from '../bundles/bundles.repository.js';
import { ReplayCompileError, ReplayRun, defaultTuning, type ReplayPlan, type ReplayTuning } from './replay-runner.js';
import { replayRepository, type ReplayJobRow } from './replay.repository.js';
import { EvaluationTimeout, EvaluationWorker } from '../evaluate/evaluation-pool.js';
import type { ReplayBodyT, ReplayJobT, ReplaySummaryT } from './replay.schemas.js';

/** Replays running at once in one process; each holds a worker thread and a database connection. */
const MAX_RUNNING = 2;
/** A running job whose process has not written for this long is reported as failed. */
const STALE_AFTER_MS = 60_000;
const DEFAULT_WINDOW_MS = 30 * 24 * 3600_000;

const versionNotFound = (name: string, version: number) => notFound(`Bundle '${name}' v${version} not found`, 'bundles.version_not_found');

/** `metadata.name` of a YAML candidate without parsing it here (the worker parses; this only names the baseline). */
export function yamlBundleName(yaml: string): string | null {
  const m = /^metadata:[ \t]*\r?\n(?:[ \t]+.*\r?\n)*?[ \t]+name:[ \t]*["']?([a-z0-9][a-z0-9._-]*)["']?[ \t]*$/m.exec(yaml.slice(0, 16_384));
  return m?.[1] ?? null;
}

function startError(err: unknown): unknown {
  if (err instanceof ReplayCompileError) {
    return unprocessable(
      err.errors.map((p) => ({ loc: ['body', err.which], msg: `${p.path}: ${p.message}`, path: p.path, line: p.line })),
      'replay.invalid_bundle',
    );
  }
  if (err instanceof EvaluationTimeout) return unprocessable('Evaluation timed out — contract bundle may be too complex.', 'replay.timeout');
  return err;
}

function view(row: ReplayJobRow): ReplayJobT {
  const stale = row.status === 'running' && Date.now() - row.heartbeatAt.getTime() > STALE_AFTER_MS;
  return {
    id: row.id,
    status: stale ? 'failed' : (row.status as ReplayJobT['status']),
    cancel_requested: row.cancelRequested,
    processed: row.processed,
    total: row.total,
    error: stale ? 'The console process running this replay stopped; start it again.' : row.error,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    finished_at: row.finishedAt?.toISOString() ?? null,
    result: (row.result as ReplaySummaryT | null) ?? null,
  };
}

export function createReplayService(ctx: AppContext, tuning: (t: ReplayTuning) => ReplayTuning = (t) => t) {
  const { database, logger } = ctx.deps;
  const { db } = database;
  const running = new Map<string, ReplayRun>();
  // Worker threads stay warm between replays (a thread start costs more than a small replay).
  const idle: EvaluationWorker[] = [];
  const lend = () => idle.pop() ?? new EvaluationWorker();
  const giveBack = (w: EvaluationWorker) => {
    if (idle.length < MAX_RUNNING) idle.push(w);
    else w.discard();
  };
  const settled = new Set<Promise<void>>();

  async function storedYaml(tenantId: string, name: string, version: number): Promise<string> {
    const row = await bundlesRepository.get(db, tenantId, name, version);
    if (!row) throw versionNotFound(name, version);
    return Buffer.from(row.yamlBytes).toString('utf8');
  }

  async function resolve(tenantId: string, body: ReplayBodyT) {
    const stored = 'bundle_name' in body.candidate ? body.candidate : null;
    const candidateYaml = stored ? await storedYaml(tenantId, stored.bundle_name, stored.version) : (body.candidate as { yaml_content: string }).yaml_content;
    const name = stored?.bundle_name ?? yamlBundleName(candidateYaml);
    let baseline: { name: string; version: number } | null = null;
    if (body.baseline === 'deployed') {
      const cur = name ? await bundlesRepository.current(db, tenantId, body.env, name) : null;
      if (cur) baseline = { name: cur.name, version: cur.version };
    } else if (body.baseline !== 'none') {
      const bname = body.baseline.bundle_name ?? name;
      if (!bname) throw unprocessable([{ loc: ['body', 'baseline', 'bundle_name'], msg: 'required: the candidate YAML has no metadata.name' }]);
      baseline = { name: bname, version: body.baseline.version };
    }
    const baselineYaml = baseline ? await storedYaml(tenantId, baseline.name, baseline.version) : null;
    return { candidateYaml, baselineYaml, name, version: stored?.version ?? null, baseline };
  }

  async function planOf(tenantId: string, body: ReplayBodyT): Promise<ReplayPlan> {
    const until = body.until ?? new Date().toISOString();
    const since = body.since ?? new Date(Date.parse(until) - DEFAULT_WINDOW_MS).toISOString();
    if (Date.parse(since) >= Date.parse(until)) throw unprocessable([{ loc: ['body', 'since'], msg: 'must be before until' }]);
    const r = await resolve(tenantId, body);
    return {
      jobId: randomUUID(),
      tenantId,
      filter: { tenantId, env: body.env, since, until, agentId: body.agent_id, toolName: body.tool_name },
      candidateYaml: r.candidateYaml,
      baselineYaml: r.baselineYaml,
      sdk: body.sdk,
      head: {
        candidate: { bundle_name: r.name, version: r.version },
        baseline: r.baseline ? { bundle_name: r.baseline.name, version: r.baseline.version } : null,
        env: body.env,
        since,
        until,
        sdk: body.sdk,
      },
      maxExamples: body.examples,
      total: 0,
    };
  }

  function launch(run: ReplayRun, worker: EvaluationWorker, jobId: string, tenantId: string): void {
    const p = run
      .run()
      .then(async (out) => {
        const error = out.status === 'failed' ? out.error : null;
        await replayRepository.finish(db, jobId, out.status, { processed: out.summary.events_read, result: out.summary, error });
        await ctx.publish.dashboard(tenantId, 'replay_progress', {
          job_id: jobId,
          status: out.status,
          processed: out.summary.events_read,
          total: run.total,
          counts: out.summary.counts,
        });
      })
      .catch((err: unknown) => logger.error({ err, job: jobId }, 'replay bookkeeping failed'))
      .finally(() => {
        giveBack(worker);
        running.delete(jobId);
        settled.delete(p);
      });
    settled.add(p);
  }

  return {
    async start(tenantId: string, createdBy: string, body: ReplayBodyT): Promise<ReplayJobT> {
      if (running.size >= MAX_RUNNING) throw tooManyRequests('Too many replays running. Try again when one finishes.', 10, 'replay.busy');
      const plan = await planOf(tenantId, body);
      const worker = lend();
      const base = defaultTuning(database);
      // Both cores when this is the only replay of the process (its threads run at a lower
      // priority than the API's); one thread each when two replays share the process.
      if (base.threads > 0) base.threads = running.size === 0 ? Math.min(2, availableParallelism()) : 1;
      const run = new ReplayRun(plan, { database, publish: ctx.publish, logger }, tuning(base), worker);
      running.set(plan.jobId, run);
      let row: ReplayJobRow;
      try {
        // Both bundles compile once, before the job exists: a bundle that does not load is a 422.
        await run.compile();
        const total = await replayRepository.countEvents(database, plan.filter);
        plan.total = total;
        const request = { ...body, since: plan.filter.since, until: plan.filter.until, candidate: 'bundle_name' in body.candidate ? body.candidate : { yaml_content: '(inline)' } };
        row = await replayRepository.insertJob(db, { id: plan.jobId, tenantId, status: 'running', request, total, createdBy, result: null });
      } catch (err) {
        running.delete(plan.jobId);
        giveBack(worker);
        throw startError(err);
      }
      launch(run, worker, plan.jobId, tenantId);
      return view(row);
    },

    async get(tenantId: string, id: string): Promise<ReplayJobT> {
      const row = await replayRepository.getJob(db, tenantId, id);
      if (!row) throw notFound('Replay not found', 'replay.not_found');
      return view(row);
    },

    async cancel(tenantId: string, id: string): Promise<ReplayJobT> {
      // Here at once (a run of another tenant is never in `running` under this id and tenant);
      // elsewhere through the flag the running process reads at its next page.
      const local = running.get(id);
      if (local?.tenantId === tenantId) local.cancel();
      const row = await replayRepository.requestCancel(db, tenantId, id);
      if (!row) throw notFound('Replay not found', 'replay.not_found');
      return view(row);
    },

    /** Shutdown: stop every replay of this process and wait for their final state to be written. */
    async close(): Promise<void> {
      for (const r of running.values()) r.cancel();
      await Promise.all([...settled]);
      for (const w of idle.splice(0)) w.discard();
    },
  };
}

export type ReplayService = ReplayType;
type ReplayType = ReturnType<typeof createReplayService>;

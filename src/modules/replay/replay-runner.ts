import { createRequire } from 'node:module';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/client.js';
import type { BundleProblem } from '../../engine/engine.js';
import type { Publisher } from '../../platform/publisher.js';
import type { Decision, ReplayCall } from '../evaluate/evaluation-core.js';
import { EvaluationTimeout, EvaluationWorker } from '../evaluate/evaluation-pool.js';
import { ReplayAccumulator, type AccumulatorState } from './replay-summary.js';
import { sliceWindow, type FromSliceWorker, type SliceStart, type ToSliceWorker } from './replay-slice.js';
import { replayRepository, type ReplayEventRow, type ReplayFilter } from './replay.repository.js';
import type { ReplaySummaryT } from './replay.schemas.js';

export interface ReplayTuning {
  /** Events per keyset page (PGlite runs on the main thread, so it reads smaller pages). */
  batchSize: number;
  /** Engine deadline per call; a call past it is a policy error, not a stalled job. */
  callDeadlineMs: number;
  /** A batch the worker has not answered by then ends the job (the worker is killed). */
  batchTimeoutMs: number;
  /** Progress goes to the database and the dashboard stream at most this often. */
  progressEveryMs: number;
  /**
   * Server Postgres: slice worker threads (each with its own connection) counting time slices of
   * the window in parallel; the service gives a replay 2 on a machine with 2 or more cores when no
   * other replay runs in the process, else 1. 0 keeps the main-thread path (PGlite always does).
   */
  threads: number;
  /** Time slices the window is cut into; idle threads take the next one, newest first. */
  slices: number;
}

export const defaultTuning = (db: Database): ReplayTuning => ({
  batchSize: db.kind === 'pglite' ? 1000 : 10_000,
  callDeadlineMs: 250,
  batchTimeoutMs: 120_000,
  progressEveryMs: 500,
  threads: db.kind === 'postgres' && db.url ? 1 : 0,
  slices: 8,
});

/** The slice worker next to this file (the TypeScript loader when run from source, as evaluation-pool.ts does). */
function spawnSliceWorker(): Worker {
  const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  const url = new URL(`./replay.worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(url);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return new Worker(url, { execArgv: ['--import', tsx] });
}

export interface ReplayPlan {
  jobId: string;
  tenantId: string;
  filter: ReplayFilter;
  candidateYaml: string;
  baselineYaml: string | null;
  sdk: 'python' | 'typescript';
  head: ConstructorParameters<typeof ReplayAccumulator>[0];
  maxExamples: number;
  /** Events in the window (known once the job is created; progress events carry it). */
  total: number;
}

export class ReplayCompileError extends Error {
  constructor(
    readonly which: 'candidate' | 'baseline',
    readonly errors: BundleProblem[],
  ) {
    super(`${which} bundle does not load`);
  }
}

type Outcome = { status: 'done' | 'cancelled'; summary: ReplaySummaryT } | { status: 'failed'; summary: ReplaySummaryT; error: string };

/**
 * Runs one replay in this process. The database is read in keyset pages, the next page is read
 * while the worker evaluates the current one, each distinct call of a page is evaluated once,
 * and the loop yields to the event loop between pages: agents' requests keep flowing.
 */
export class ReplayRun {
  private cancelled = false;
  private lastProgress = 0;

  constructor(
    private readonly plan: ReplayPlan,
    private readonly deps: { database: Database; publish: Publisher; logger: FastifyBaseLogger },
    private readonly tuning: ReplayTuning,
    /** Lent by the service; it is discarded here when a request on it timed out or failed. */
    private readonly worker: EvaluationWorker,
  ) {}

  get tenantId(): string {
    return this.plan.tenantId;
  }

  get total(): number {
    return this.plan.total;
  }

  /** Cancels from this process at once (other processes set the flag the loop reads). */
  cancel(): void {
    this.cancelled = true;
    this.onCancel?.();
  }

  private onCancel: (() => void) | null = null;

  async compile(): Promise<void> {
    const r = await this.worker.call<{ ok: boolean; which?: 'candidate' | 'baseline'; errors?: BundleProblem[] }>(
      { op: 'replay-compile', candidate: this.plan.candidateYaml, baseline: this.plan.baselineYaml, sdk: this.plan.sdk },
      this.tuning.batchTimeoutMs,
    );
    if (!r.ok) {
      throw new ReplayCompileError(r.which ?? 'candidate', r.errors ?? []);
    }
  }

  async run(): Promise<Outcome> {
    const acc = new ReplayAccumulator(this.plan.head, this.plan.maxExamples);
    try {
      const url = this.deps.database.kind === 'postgres' ? this.deps.database.url : undefined;
      const status = url && this.tuning.threads > 0 ? await this.sliced(acc, url) : await this.loop(acc);
      return { status, summary: acc.summary() };
    } catch (err) {
      const error =
        err instanceof EvaluationTimeout
          ? 'Evaluation timed out — contract bundle may be too complex.'
          : 'Replay failed unexpectedly; the server log has the details.';
      if (!(err instanceof EvaluationTimeout)) this.deps.logger.error({ err, job: this.plan.jobId }, 'replay failed');
      return { status: 'failed', summary: acc.summary(), error };
    }
  }

  private read(after: ReplayEventRow | null): Promise<ReplayEventRow[]> {
    return replayRepository.readBatch(this.deps.database, this.plan.filter, after ? { ts: after.ts, id: after.id } : null, this.tuning.batchSize);
  }

  private async loop(acc: ReplayAccumulator): Promise<'done' | 'cancelled'> {
    // Lifecycle events of one call are seconds apart: the call ids of this page and the one before
    // are enough to keep one row per call without remembering every id of the window.
    let seenBefore = new Set<string>();
    let next: Promise<ReplayEventRow[]> | null = this.read(null);
    while (next) {
      const rows: ReplayEventRow[] = await next;
      next = rows.length === this.tuning.batchSize ? this.read(rows[rows.length - 1]!) : null;
      const seen = new Set<string>();
      const kept: ReplayEventRow[] = [];
      for (const r of rows) {
        if (seen.has(r.call_id) || seenBefore.has(r.call_id)) continue;
        seen.add(r.call_id);
        kept.push(r);
      }
      seenBefore = seen;
      await this.evaluate(kept, acc);
      acc.eventsRead += rows.length;
      if (await this.progress(acc, next === null)) {
        // Let an in-flight read finish before returning (its connection goes back to the pool).
        await next?.catch(() => undefined);
        return 'cancelled';
      }
      await yieldToLoop();
    }
    return 'done';
  }

  /**
   * Server Postgres: slice workers read, evaluate and count; this thread hands out slices, merges
   * their states (newest slice first) and writes progress. It holds the event loop only for a merge.
   */
  private sliced(acc: ReplayAccumulator, url: string): Promise<'done' | 'cancelled'> {
    const { filter } = this.plan;
    const slices = sliceWindow(filter.since, filter.until, this.tuning.slices);
    const states: (AccumulatorState | null)[] = slices.map(() => null);
    const threads = Math.max(1, Math.min(this.tuning.threads, slices.length));
    const start: SliceStart = {
      op: 'start',
      url,
      filter,
      candidateYaml: this.plan.candidateYaml,
      baselineYaml: this.plan.baselineYaml,
      sdk: this.plan.sdk,
      maxExamples: this.plan.maxExamples,
      fetchSize: this.tuning.batchSize,
      deadlineMs: this.tuning.callDeadlineMs,
      progressEveryMs: this.tuning.progressEveryMs,
    };
    const merged = (into: ReplayAccumulator) => {
      for (const st of states) if (st) into.merge(st);
      return into;
    };
    return new Promise<'done' | 'cancelled'>((resolve, reject) => {
      const workers: Worker[] = [];
      let nextSlice = 0;
      let live = 0;
      let stopped = false;
      let failure: Error | null = null;
      let lastMessage = Date.now();
      let writing = false;
      const post = (w: Worker, m: ToSliceWorker) => w.postMessage(m);
      const stopAll = () => {
        if (stopped) return;
        stopped = true;
        for (const w of workers) post(w, { op: 'cancel' });
      };
      this.onCancel = stopAll;
      if (this.cancelled) stopped = true;
      const give = (w: Worker) => {
        if (stopped || failure || nextSlice >= slices.length) post(w, { op: 'end' });
        else post(w, { op: 'slice', slice: slices[nextSlice++]! });
      };
      const fail = (err: Error) => {
        failure ??= err;
        for (const w of workers) void w.terminate();
      };
      // A worker that says nothing for this long is stuck (every fetch or slice ends in a message).
      // The same timer keeps the job's heartbeat fresh while a slow fetch has nothing new to say.
      const watchdog = setInterval(() => {
        if (Date.now() - lastMessage > this.tuning.batchTimeoutMs) fail(new EvaluationTimeout('replay slice worker stopped answering'));
        else tick();
      }, Math.max(50, Math.min(1000, this.tuning.progressEveryMs, this.tuning.batchTimeoutMs)));
      const tick = () => {
        const now = Date.now();
        if (writing || now - this.lastProgress < this.tuning.progressEveryMs) return;
        this.lastProgress = now;
        writing = true;
        const partial = merged(new ReplayAccumulator(this.plan.head, this.plan.maxExamples));
        this.report(partial)
          .then((cancel) => {
            if (cancel) stopAll();
          })
          .catch((err: unknown) => this.deps.logger.warn({ err, job: this.plan.jobId }, 'replay progress not written'))
          .finally(() => (writing = false));
      };
      const settle = () => {
        clearInterval(watchdog);
        this.onCancel = null;
        if (failure) return reject(failure);
        merged(acc);
        resolve(stopped || this.cancelled ? 'cancelled' : 'done');
      };
      for (let i = 0; i < threads; i++) {
        const w = spawnSliceWorker();
        workers.push(w);
        live += 1;
        w.on('message', (m: FromSliceWorker) => {
          lastMessage = Date.now();
          switch (m.type) {
            case 'ready':
              give(w);
              break;
            case 'progress':
              states[m.index] = m.state;
              tick();
              break;
            case 'slice-done':
              states[m.index] = m.state;
              if (m.cancelled) stopped = true;
              give(w);
              tick();
              break;
            case 'failed':
              fail(new Error(m.error));
              break;
          }
        });
        w.on('error', (err) => fail(err));
        w.on('exit', () => {
          live -= 1;
          if (live === 0) settle();
        });
        post(w, start);
      }
    });
  }

  /** Distinct (tool, args, principal, environment) of the page, evaluated once each. */
  private async evaluate(rows: ReplayEventRow[], acc: ReplayAccumulator): Promise<void> {
    if (rows.length === 0) return;
    const index = new Map<string, number>();
    const calls: ReplayCall[] = [];
    const slot = new Int32Array(rows.length);
    rows.forEach((r, i) => {
      const call: ReplayCall = [r.tool_name, r.args ?? '{}', r.principal ?? '', r.environment];
      const key = call.join('\u0000');
      let at = index.get(key);
      if (at === undefined) {
        at = calls.length;
        index.set(key, at);
        calls.push(call);
      }
      slot[i] = at;
    });
    const decisions = await this.worker.call<[Decision, Decision][]>(
      { op: 'replay-batch', calls, deadlineMs: this.tuning.callDeadlineMs },
      this.tuning.batchTimeoutMs,
    );
    rows.forEach((r, i) => {
      const [c, b] = decisions[slot[i]!]!;
      acc.add(r, c, b);
    });
  }

  /** Writes progress (throttled) and reads the cancel flag in the same statement. */
  private async progress(acc: ReplayAccumulator, last: boolean): Promise<boolean> {
    if (this.cancelled) return true;
    const now = Date.now();
    if (last || now - this.lastProgress < this.tuning.progressEveryMs) return false;
    this.lastProgress = now;
    return (await this.report(acc)) || this.cancelled;
  }

  /** The running job's progress to the database and the dashboard stream; whether a cancel was asked for. */
  private async report(acc: ReplayAccumulator): Promise<boolean> {
    const cancel = await replayRepository.progress(this.deps.database.db, this.plan.jobId, acc.eventsRead, acc.summary());
    await this.deps.publish.dashboard(this.plan.tenantId, 'replay_progress', {
      job_id: this.plan.jobId,
      status: 'running',
      processed: acc.eventsRead,
      total: this.plan.total,
      counts: acc.counts,
    });
    return cancel;
  }
}

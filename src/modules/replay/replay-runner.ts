import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/client.js';
import type { BundleProblem } from '../../engine/engine.js';
import type { Publisher } from '../../platform/publisher.js';
import type { Decision, ReplayCall } from '../evaluate/evaluation-core.js';
import { EvaluationTimeout, EvaluationWorker } from '../evaluate/evaluation-pool.js';
import { ReplayAccumulator } from './replay-summary.js';
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
}

export const defaultTuning = (db: Database): ReplayTuning => ({
  batchSize: db.kind === 'pglite' ? 1000 : 5000,
  callDeadlineMs: 250,
  batchTimeoutMs: 120_000,
  progressEveryMs: 500,
});

export interface ReplayPlan {
  jobId: string;
  tenantId: string;
  filter: ReplayFilter;
  candidateYaml: string;
  baselineYaml: string | null;
  sdk: 'python' | 'typescript';
  head: ConstructorParameters<typeof ReplayAccumulator>[0];
  maxExamples: number;
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

  /** Cancels from this process at once (other processes set the flag the loop reads). */
  cancel(): void {
    this.cancelled = true;
  }

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
      const status = await this.loop(acc);
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
    const cancel = await replayRepository.progress(this.deps.database.db, this.plan.jobId, acc.eventsRead, acc.summary());
    await this.deps.publish.dashboard(this.plan.tenantId, 'replay_progress', {
      job_id: this.plan.jobId,
      status: 'running',
      processed: acc.eventsRead,
      counts: acc.counts,
    });
    return cancel || this.cancelled;
  }
}

import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerRequest } from './evaluation.worker.js';

/** A request outlived its hard limit; the worker running it was terminated. */
export class EvaluationTimeout extends Error {}
/** The worker died or the engine threw (a bug, never the caller's input). */
export class EvaluationFailed extends Error {}

type Payload<T = WorkerRequest> = T extends unknown ? Omit<T, 'id'> : never;

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/**
 * The worker module next to this file. Run from TypeScript source (tsx, vitest) the worker needs
 * the TypeScript loader; built output is plain JavaScript (as bundle-validator.ts does).
 */
export function spawnWorker(): Worker {
  const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  const url = new URL(`./evaluation.worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(url);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return new Worker(url, { execArgv: ['--import', tsx] });
}

/**
 * One worker thread, one request at a time. A request past `timeoutMs` terminates the thread
 * (the only way to stop a regex that backtracks forever) and the next call starts a fresh one.
 */
export class EvaluationWorker {
  private worker: Worker | null = null;
  private nextId = 1;

  /** `spawn` starts the thread; tests pass one that never answers, to hold a slot. */
  constructor(private readonly spawn: () => Worker = spawnWorker) {}

  call<T>(msg: Payload, timeoutMs: number): Promise<T> {
    const worker = (this.worker ??= this.spawn());
    worker.ref();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onFailure);
        worker.off('exit', onFailure);
        // An idle worker must not keep the process alive.
        worker.unref();
        fn();
      };
      const onMessage = (reply: Reply) => {
        if (reply.id !== id) return;
        done(() => (reply.ok ? resolve(reply.value as T) : reject(new EvaluationFailed(reply.error ?? 'evaluation failed'))));
      };
      const onFailure = (err?: unknown) =>
        done(() => {
          this.discard();
          reject(new EvaluationFailed(err instanceof Error ? err.message : 'evaluation worker exited'));
        });
      const timer = setTimeout(
        () =>
          done(() => {
            this.discard();
            reject(new EvaluationTimeout(`evaluation took longer than ${timeoutMs} ms`));
          }),
        timeoutMs,
      );
      worker.on('message', onMessage);
      worker.on('error', onFailure);
      worker.on('exit', onFailure);
      worker.postMessage({ ...msg, id });
    });
  }

  discard(): void {
    const w = this.worker;
    this.worker = null;
    if (w) void w.terminate();
  }
}

export interface EvaluationPool {
  /** Runs `msg` on an idle worker; null when every worker stayed busy for `waitMs`. */
  run<T>(msg: Payload, timeoutMs: number, waitMs: number): Promise<{ value: T } | null>;
  busy(): number;
  close(): Promise<void>;
}

/** At most `size` evaluations at once, each on its own thread; threads start lazily and stay warm. */
export function createEvaluationPool(size: number, spawn: () => Worker = spawnWorker): EvaluationPool {
  const idle: EvaluationWorker[] = [];
  const all = new Set<EvaluationWorker>();
  const waiters: (() => void)[] = [];
  let running = 0;
  let closed = false;

  /** Waits for a slot handed over by a finishing request (the count then stays the same). */
  function handedOver(waitMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(wake), 1);
        resolve(false);
      }, waitMs);
      waiters.push(wake);
    });
  }

  return {
    async run<T>(msg: Payload, timeoutMs: number, waitMs: number) {
      if (closed) return null;
      if (running < size) running += 1;
      else if (!(await handedOver(waitMs))) return null;
      const w = idle.pop() ?? new EvaluationWorker(spawn);
      all.add(w);
      try {
        return { value: await w.call<T>(msg, timeoutMs) };
      } finally {
        if (closed) w.discard();
        else idle.push(w);
        const next = waiters.shift();
        if (next) next();
        else running -= 1;
      }
    },
    busy: () => running,
    async close() {
      closed = true;
      for (const w of all) w.discard();
      all.clear();
      idle.length = 0;
    },
  };
}

import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { tooManyRequests, unavailable } from '../../platform/errors.js';
import { validateBundleYaml, type BundleValidation } from './bundle-validation.js';
import { prepareUpload, type PreparedUpload } from './bundle-upload.js';
import { bundleDocument, type BundleDocument } from '../library/bundle-document.js';

type Op = 'validate' | 'prepare' | 'document' | 'document-lenient';
type Result = BundleValidation | PreparedUpload | BundleDocument;

/**
 * Bundle validation that does not stall the event loop. Parsing and compiling a bundle costs
 * about 0.5-1 ms per KB on an idle core (more for hostile shapes), so anything above
 * `offThreadAboveBytes` (4 KiB: a couple of milliseconds at most) runs on a small pool of worker
 * threads; the size is known from the byte length alone, so the concurrency check comes before any
 * parsing. At most `maxConcurrent` off-thread validations run at once; more is refused with 429.
 * (Issue 10: with the former 32 KiB inline threshold, 30 parallel 32 KB nested documents parsed on
 * the main thread blocked it for seconds. Deeply nested flow documents are now refused by a
 * linear pre-scan before the parser recurses, see src/engine/yaml-source.ts.)
 */
export interface BundleValidator {
  validate(text: string): Promise<BundleValidation>;
  /** The whole upload step (render, validate, render back; bundle-upload.ts), under the same rules. */
  prepare(text: string): Promise<PreparedUpload>;
  /** Validation plus the parsed document (the library's import and diff), under the same rules. */
  document(text: string, opts?: { lenient?: boolean }): Promise<BundleDocument>;
  /** Off-thread validations running now. */
  busy(): number;
  /**
   * Whether a document of about `bytes` would be refused (429) right now: lets a route answer
   * before reading and parsing the request body (issue 10: a burst of hostile uploads).
   */
  wouldRefuse(bytes: number): boolean;
  close(): Promise<void>;
}

export interface BundleValidatorOptions {
  /** Default 4 KiB (a few milliseconds of work on the main thread at most). */
  offThreadAboveBytes?: number;
  /** Default 2. */
  maxConcurrent?: number;
  /** A validation that takes longer is abandoned (its worker terminated); default 15 s. */
  timeoutMs?: number;
}

interface Slot {
  worker: Worker;
  nextId: number;
}

interface WorkerReply {
  id: number;
  result: Result;
}

/**
 * The worker module next to this file. Run from TypeScript source (tsx in development, vitest),
 * the worker needs the same TypeScript loader; built output is plain JavaScript.
 */
function spawnWorker(): Worker {
  const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  const url = new URL(`./bundle-validation.worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(url);
  // Resolved from here, not from the working directory, so it works wherever the process started.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return new Worker(url, { execArgv: ['--import', tsx] });
}

export function createBundleValidator(opts: BundleValidatorOptions = {}): BundleValidator {
  const threshold = opts.offThreadAboveBytes ?? 4 * 1024;
  const maxConcurrent = opts.maxConcurrent ?? 2;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const idle: Slot[] = [];
  const all = new Set<Slot>();
  let running = 0;
  let closed = false;

  function take(): Slot {
    const slot = idle.pop() ?? { worker: spawnWorker(), nextId: 1 };
    all.add(slot);
    slot.worker.ref();
    return slot;
  }

  function release(slot: Slot): void {
    // An idle worker must not keep the process alive.
    slot.worker.unref();
    if (closed) void slot.worker.terminate();
    else idle.push(slot);
  }

  function discard(slot: Slot): void {
    all.delete(slot);
    void slot.worker.terminate();
  }

  function runOnWorker<T extends Result>(text: string, op: Op): Promise<T> {
    const slot = take();
    const id = slot.nextId++;
    return new Promise<T>((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        slot.worker.off('message', onMessage);
        slot.worker.off('error', onFailure);
        slot.worker.off('exit', onFailure);
        fn();
      };
      const onMessage = (reply: WorkerReply) => {
        if (reply.id !== id) return;
        done(() => {
          release(slot);
          resolve(reply.result as T);
        });
      };
      const onFailure = () =>
        done(() => {
          discard(slot);
          reject(unavailable('Bundle validation failed unexpectedly; try again.', 'bundles.validator_failed'));
        });
      const timer = setTimeout(
        () =>
          done(() => {
            discard(slot);
            reject(unavailable('Bundle validation took too long; try again.', 'bundles.validator_timeout'));
          }),
        timeoutMs,
      );
      slot.worker.on('message', onMessage);
      slot.worker.on('error', onFailure);
      slot.worker.on('exit', onFailure);
      slot.worker.postMessage({ id, text, op });
    });
  }

  async function run<T extends Result>(text: string, op: Op, inline: (t: string) => T): Promise<T> {
    if (Buffer.byteLength(text, 'utf8') <= threshold) return inline(text);
    if (closed) throw unavailable('Server is shutting down.', 'bundles.validator_closed');
    if (running >= maxConcurrent) {
      throw tooManyRequests('Too many bundle validations in progress. Try again shortly.', 1, 'bundles.validation_busy');
    }
    running += 1;
    try {
      return await runOnWorker<T>(text, op);
    } finally {
      running -= 1;
    }
  }

  return {
    validate: (text) => run(text, 'validate', validateBundleYaml),
    prepare: (text) => run(text, 'prepare', prepareUpload),
    document: (text, o = {}) => run(text, o.lenient ? 'document-lenient' : 'document', (t) => bundleDocument(t, o)),
    busy: () => running,
    wouldRefuse: (bytes) => !closed && bytes > threshold && running >= maxConcurrent,
    async close() {
      closed = true;
      const workers = [...all].map((s) => s.worker);
      idle.length = 0;
      all.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

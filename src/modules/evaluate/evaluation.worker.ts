/**
 * Worker thread entry for contract evaluation (see evaluation-pool.ts). One request at a time per
 * worker; the parent kills the worker when a request outlives its hard limit, which is what
 * bounds a catastrophic regex. Messages in: `{ id, op, ... }`; out: `{ id, ok, value | error }`.
 */
import { parentPort } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../../platform/thread-priority.js';
import { compileForReplay, replayBatch, runPlayground, type PlaygroundRequest, type ReplayBundles, type ReplayCall } from './evaluation-core.js';
import { proveCandidate, type ProofRequest } from '../assistant/proof-core.js';

export type WorkerRequest =
  | { id: number; op: 'playground'; req: PlaygroundRequest }
  | { id: number; op: 'replay-compile'; candidate: string; baseline: string | null; sdk: 'python' | 'typescript' }
  | { id: number; op: 'replay-batch'; calls: ReplayCall[]; deadlineMs: number }
  | { id: number; op: 'assist-proof'; req: ProofRequest };

let replay: ReplayBundles | null = null;

// Untrusted bundles and arguments are evaluated here: the API's main thread goes first.
lowerThisThreadPriority();

function handle(m: WorkerRequest): unknown {
  switch (m.op) {
    case 'playground':
      return runPlayground(m.req);
    case 'replay-compile': {
      // Compiled once per replay job; the worker is dedicated to the job and ends with it.
      const r = compileForReplay(m.candidate, m.baseline, m.sdk);
      replay = r.ok ? r.bundles : null;
      return r.ok ? { ok: true } : { ok: false, which: r.which, errors: r.errors };
    }
    case 'replay-batch':
      if (!replay) throw new Error('no bundles compiled');
      return replayBatch(replay, m.calls, m.deadlineMs);
    case 'assist-proof':
      // The contract assistant's check of a proposal (modules/assistant): stateless, one message.
      return proveCandidate(m.req);
  }
}

const port = parentPort;
if (port) {
  port.on('message', (m: WorkerRequest) => {
    try {
      port.postMessage({ id: m.id, ok: true, value: handle(m) });
    } catch (err) {
      port.postMessage({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  });
}

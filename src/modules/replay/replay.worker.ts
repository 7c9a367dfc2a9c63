/**
 * A replay slice worker (server Postgres only; see replay-slice.ts). It lowers its own thread's
 * scheduling priority, so the API's main thread wins the CPU whenever both want it; opens its own
 * connection; compiles the bundles once; then counts the slices the main thread hands it, one
 * cursor each, and reports its state every `progressEveryMs` and at the end of each slice.
 */
import { parentPort } from 'node:worker_threads';
import pg from 'pg';
import { lowerThisThreadPriority } from '../../platform/thread-priority.js';
import { compileForReplay } from '../evaluate/evaluation-core.js';
import { DecisionCache, SliceCounter, sliceQuery, type FromSliceWorker, type Slice, type SliceRow, type SliceStart, type ToSliceWorker } from './replay-slice.js';

const port = parentPort;
/** Every column as the text Postgres sent: no Date objects, no JSON parsing by the driver. */
const RAW_TEXT = { getTypeParser: () => (v: string) => v };

let cancelled = false;
let start: SliceStart | null = null;
let cache: DecisionCache | null = null;
let client: pg.Client | null = null;
const queue: (Slice | 'end')[] = [];
let wake: (() => void) | null = null;

const send = (m: FromSliceWorker) => port!.postMessage(m);

function next(): Promise<Slice | 'end'> {
  const item = queue.shift();
  if (item) return Promise.resolve(item);
  return new Promise((resolve) => {
    wake = () => {
      wake = null;
      resolve(queue.shift()!);
    };
  });
}

async function countSlice(s: Slice): Promise<void> {
  const cfg = start!;
  const counter = new SliceCounter(cache!, cfg.maxExamples);
  const q = sliceQuery(cfg.filter, s);
  const c = client!;
  await c.query('BEGIN READ ONLY');
  try {
    await c.query(q.text, q.values);
    let last = Date.now();
    for (;;) {
      if (cancelled) break;
      const res = await c.query<SliceRow>({ text: `FETCH ${cfg.fetchSize} FROM replay_slice`, rowMode: 'array', types: RAW_TEXT });
      counter.page(res.rows);
      if (res.rows.length < cfg.fetchSize) break;
      if (Date.now() - last >= cfg.progressEveryMs) {
        last = Date.now();
        send({ type: 'progress', index: s.index, state: counter.state() });
      }
    }
  } finally {
    await c.query('COMMIT');
  }
  send({ type: 'slice-done', index: s.index, state: counter.state(), cancelled, hits: cache!.hits, misses: cache!.misses });
}

async function main(cfg: SliceStart): Promise<void> {
  lowerThisThreadPriority();
  const compiled = compileForReplay(cfg.candidateYaml, cfg.baselineYaml, cfg.sdk, cfg.deadlineMs);
  if (!compiled.ok) {
    send({ type: 'failed', error: `${compiled.which} bundle does not load`, compile: true });
    port!.close();
    return;
  }
  cache = new DecisionCache(compiled.bundles, cfg.deadlineMs);
  client = new pg.Client({ connectionString: cfg.url, application_name: 'edictum-console-replay', keepAlive: true });
  client.on('error', () => {
    /* the next query fails and reports it */
  });
  try {
    await client.connect();
    // Timestamps as UTC text; no JIT (its compile cost at the start of each slice buys nothing for a stream).
    await client.query("SET TIME ZONE 'UTC'; SET jit = off");
    send({ type: 'ready' });
    for (;;) {
      const item = await next();
      if (item === 'end') break;
      await countSlice(item);
    }
  } catch (err) {
    send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
  } finally {
    await client.end().catch(() => undefined);
    // Nothing left to do: closing the port lets the thread exit (the main thread waits for that).
    port!.close();
  }
}

if (port) {
  port.on('message', (m: ToSliceWorker) => {
    switch (m.op) {
      case 'start':
        start = m;
        void main(m);
        break;
      case 'slice':
      case 'end':
        queue.push(m.op === 'end' ? 'end' : m.slice);
        wake?.();
        break;
      case 'cancel':
        cancelled = true;
        break;
    }
  });
}

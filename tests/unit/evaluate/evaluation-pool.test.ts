import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createEvaluationPool, EvaluationTimeout, EvaluationWorker } from '../../../src/modules/evaluate/evaluation-pool.js';
import { runPlayground } from '../../../src/modules/evaluate/evaluation-core.js';

/** A thread that takes requests and never answers: what a runaway evaluation looks like from outside. */
const stuck = () => new Worker('require("node:worker_threads").parentPort.on("message", () => {});', { eval: true });

const BUNDLE = `apiVersion: edictum/v1
kind: ContractBundle
metadata: { name: p }
defaults: { mode: enforce }
contracts:
  - id: slow-regex
    type: pre
    tool: t
    when:
      args.s: { matches: "^(a+)+$" }
    then:
      effect: deny
      message: "matched"
`;

describe('evaluation pool', () => {
  it('a request past its hard limit ends with EvaluationTimeout and its thread is terminated', async () => {
    const w = new EvaluationWorker(stuck);
    const started = stuck();
    const exited = new Promise((r) => started.once('exit', r));
    const own = new EvaluationWorker(() => started);
    await expect(own.call({ op: 'replay-batch', calls: [], deadlineMs: 10 }, 100)).rejects.toBeInstanceOf(EvaluationTimeout);
    await exited;
    w.discard();
  });

  it('past its size a request waits, then gets null (the route answers 429)', async () => {
    const pool = createEvaluationPool(2, stuck);
    // Each outcome is caught at once: both reject together on close, and an unobserved one is unhandled.
    const held = [1, 2].map(() =>
      pool.run({ op: 'replay-batch', calls: [], deadlineMs: 10 }, 60_000, 0).then(
        () => null,
        (err: unknown) => err,
      ),
    );
    expect(pool.busy()).toBe(2);
    expect(await pool.run({ op: 'replay-batch', calls: [], deadlineMs: 10 }, 60_000, 50)).toBeNull();
    await pool.close();
    // Closing terminates the held threads: their requests fail instead of hanging.
    for (const h of held) expect(await h).toBeInstanceOf(Error);
  });

  it('a request that finds a slot freed while it waits runs', async () => {
    const pool = createEvaluationPool(1);
    const first = pool.run({ op: 'playground', req: { yaml: BUNDLE, input: { tool: 't', args: { s: 'aaa' } }, sdks: ['python'], deadlineMs: 500 } }, 30_000, 0);
    const second = pool.run({ op: 'playground', req: { yaml: BUNDLE, input: { tool: 't', args: { s: 'b' } }, sdks: ['python'], deadlineMs: 500 } }, 30_000, 30_000);
    expect((await first)).not.toBeNull();
    expect((await second)).not.toBeNull();
    await pool.close();
  });
});

describe('a pathological regex is bounded', () => {
  it('catastrophic backtracking input returns a verdict quickly instead of hanging the thread', () => {
    const out = runPlayground({ yaml: BUNDLE, input: { tool: 't', args: { s: `${'a'.repeat(5000)}!` } }, sdks: ['python', 'typescript'], deadlineMs: 1000 });
    for (const sdk of ['python', 'typescript'] as const) {
      const v = out[sdk]!.verdict!;
      // Either it evaluated (the linear engine took over) or it reported a policy error: never a hang.
      expect(v.outcome === 'allowed' || v.policyError).toBe(true);
    }
  });
});

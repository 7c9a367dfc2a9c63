/**
 * The contract engine's hot path (ARCHITECTURE.md "Figures"): evaluating one call against a
 * 100-contract bundle compiled once, p50 under 0.2 ms. Baseline in the same run: the same
 * conditions for the same call written out by hand as plain JavaScript (what the engine can at
 * best approach). Both SDK readings are measured; the call is allowed, so every contract that
 * applies to the tool runs (the most work a pre-phase call can do).
 *
 *   npx tsx bench/engine-evaluate.bench.ts            (N=20000 by default)
 */
import { evaluate, loadBundle, type EvaluationInput, type Sdk } from '../src/engine/engine.js';

const N = Number(process.env.N ?? 20_000);
const WARMUP = Number(process.env.WARMUP ?? 3_000);
const P50_TARGET_MS = 0.2;

function bundleText(): string {
  let s = 'apiVersion: edictum/v1\nkind: ContractBundle\nmetadata: {name: bench}\ndefaults: {mode: enforce}\n';
  s += 'tools:\n  t0: {side_effect: read}\ncontracts:\n';
  const whens = [
    (i: number) => `{args.path: {starts_with: "/etc/${i}"}}`,
    (i: number) => `{args.amount: {gt: ${1000 + i}}}`,
    (i: number) => `{args.query: {contains_any: ["DROP ${i}", "TRUNCATE ${i}"]}}`,
    () => `{args.region: {not_in: [eu, us, ap]}}`,
    (i: number) => `{args.cmd: {matches: 'rm\\s+-rf\\s+/x${i}'}}`,
    (i: number) => `{all: [{environment: {equals: production}}, {args.amount: {gte: ${5000 + i}}}]}`,
    (i: number) => `{any: [{principal.role: {equals: intern${i}}}, {args.path: {ends_with: ".key${i}"}}]}`,
    () => `{not: {args.path: {starts_with: "/"}}}`,
  ];
  for (let i = 0; i < 80; i++) {
    s += `  - {id: pre-${i}, type: pre, tool: t${i % 20}, when: ${(whens[i % whens.length] as (i: number) => string)(i)}, then: {effect: deny, message: "blocked {args.path} by ${i}"}}\n`;
  }
  for (let i = 0; i < 10; i++) {
    s += `  - {id: any-${i}, type: pre, tool: "*", when: {principal.claims.team: {equals: banned${i}}}, then: {effect: deny, message: "team"}}\n`;
  }
  for (let i = 0; i < 5; i++) s += `  - {id: sbx-${i}, type: sandbox, tools: [t${i}], within: [/workspace, /tmp], message: "outside {args.path}"}\n`;
  for (let i = 0; i < 4; i++) s += `  - {id: post-${i}, type: post, tool: t0, when: {output.text: {matches: '\\d{3}-\\d{2}-\\d{4}'}}, then: {effect: redact, message: "ssn"}}\n`;
  s += '  - {id: budget, type: session, limits: {max_tool_calls: 100}, then: {effect: deny, message: "budget"}}\n';
  return s;
}

const CALL: EvaluationInput = {
  tool: 't0',
  args: { path: '/workspace/src/app.ts', amount: 10, query: 'select 1', region: 'eu', cmd: 'ls -la' },
  principal: { user_id: 'u1', role: 'dev', claims: { team: 'core' } },
  session: { attempts: 3, tool_calls: 2 },
};

/** The conditions of the contracts that apply to t0 for this call, hand-written. */
function baseline(input: EvaluationInput): boolean {
  const a = input.args as Record<string, unknown>;
  const path = a.path;
  const rm = /rm\s+-rf\s+\/x4/;
  if (input.tool === 't0') {
    if (typeof path === 'string' && path.startsWith('/etc/0')) return false;
    if (typeof a.cmd === 'string' && rm.test(a.cmd)) return false;
    if (typeof a.amount === 'number' && a.amount > 1020) return false;
    if (typeof a.query === 'string' && (a.query.includes('DROP 60') || a.query.includes('TRUNCATE 60'))) return false;
  }
  const team = (input.principal?.claims as Record<string, unknown> | undefined)?.team;
  for (let i = 0; i < 10; i++) if (team === `banned${i}`) return false;
  if (typeof path !== 'string' || !(path === '/workspace' || path.startsWith('/workspace/') || path.startsWith('/tmp/'))) return false;
  return (input.session?.tool_calls ?? 0) < 100;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function measure(fn: () => unknown): { p50: number; p99: number } {
  for (let i = 0; i < WARMUP; i++) fn();
  const times = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    fn();
    times[i] = performance.now() - t;
  }
  const sorted = Array.from(times).sort((x, y) => x - y);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

const text = bundleText();
let failed = false;
const base = measure(() => baseline(CALL));
for (const sdk of ['python', 'typescript'] as Sdk[]) {
  const loaded = loadBundle(text, { sdk });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors.slice(0, 3)));
  const contracts = loaded.bundle.contracts.length;
  const v = evaluate(loaded.bundle, CALL);
  if (v.outcome !== 'allowed' || baseline(CALL) !== true) throw new Error(`unexpected verdict ${v.outcome} ${v.decidingContract}`);
  const r = measure(() => evaluate(loaded.bundle, CALL));
  const m = measure(() => evaluate(loaded.bundle, CALL, { trace: 'matched' }));
  const ok = r.p50 < P50_TARGET_MS;
  failed ||= !ok;
  console.log(
    `RESULT engine-evaluate sdk=${sdk} contracts=${contracts} trace=${v.trace.length} p50=${(r.p50 * 1000).toFixed(1)}us p99=${(r.p99 * 1000).toFixed(1)}us ` +
      `matched_trace_p50=${(m.p50 * 1000).toFixed(1)}us baseline_p50=${(base.p50 * 1000).toFixed(2)}us ratio=${(r.p50 / Math.max(base.p50, 1e-6)).toFixed(1)}x target_p50<${P50_TARGET_MS}ms ${ok ? 'PASS' : 'FAIL'}`,
  );
}
process.exit(failed ? 1 : 0);

import { performance } from 'node:perf_hooks';
import { evaluate, loadBundle, type BundleProblem, type CompiledBundle, type EvaluationInput, type Sdk, type Verdict } from '../../engine/engine.js';
import { ToolPlans } from './replay-tool-plans.js';

/**
 * What the playground and replay run inside a worker thread: pure functions over the engine
 * (no I/O), so they are also callable inline from tests. Everything that crosses the thread
 * boundary is plain data (structured clone).
 */

export const SDKS: readonly Sdk[] = ['python', 'typescript'];

export type LoadSummary =
  | { ok: true; contractCount: number; warnings: BundleProblem[] }
  | { ok: false; errors: BundleProblem[]; warnings: BundleProblem[] };

export interface SdkEvaluation {
  load: LoadSummary;
  verdict: Verdict | null;
  /** Load + evaluation time in the worker (the reference's `evaluation_time_ms`; no thread start or queueing). */
  ms: number;
}

export interface PlaygroundRequest {
  yaml: string;
  compose?: string[];
  input: EvaluationInput;
  /** The SDK the caller asked for first; the others are evaluated too, to report differences. */
  sdks: Sdk[];
  /** Per-evaluation deadline handed to the engine (the worker is also killed past a hard limit). */
  deadlineMs: number;
}

export type PlaygroundResult = Partial<Record<Sdk, SdkEvaluation>>;

export function runPlayground(req: PlaygroundRequest): PlaygroundResult {
  const out: PlaygroundResult = {};
  for (const sdk of req.sdks) {
    const started = performance.now();
    const loaded = loadBundle(req.yaml, { sdk, ...(req.compose ? { compose: req.compose } : {}) });
    if (!loaded.ok) {
      out[sdk] = { load: { ok: false, errors: loaded.errors, warnings: loaded.warnings }, verdict: null, ms: performance.now() - started };
      continue;
    }
    const verdict = evaluate(loaded.bundle, req.input, { sdk, deadlineMs: req.deadlineMs });
    out[sdk] = { load: { ok: true, contractCount: loaded.bundle.contracts.length, warnings: loaded.warnings }, verdict, ms: performance.now() - started };
  }
  return out;
}

// ---------- replay ----------

/**
 * One distinct call of a replay batch, as text straight from the database (the main thread never
 * parses the JSON): [tool, tool_args JSON, principal JSON or '', environment].
 */
export type ReplayCall = [tool: string, args: string, principal: string, environment: string];

/** A decision reduced to what replay compares: [outcome, deciding contract, first observed id]. */
export type Decision = [outcome: Verdict['outcome'], contract: string | null, observed: string | null, message: string | null];

export const ALLOW_ALL: Decision = ['allowed', null, null, null];

type Compiled = CompiledBundle;

/** Bundles compiled once per replay job and kept in the worker until the job ends. */
export interface ReplayBundles {
  candidate: Compiled;
  baseline: Compiled | null;
  sdk: Sdk;
  /** What can be decided per tool name (replay-tool-plans.ts); without it every call is evaluated under both. */
  plans?: ToolPlans<Decision>;
}

/** The bundles and their per-tool plans (evaluations use `deadlineMs`). */
export function replayBundles(candidate: Compiled, baseline: Compiled | null, sdk: Sdk, deadlineMs: number): ReplayBundles {
  return { candidate, baseline, sdk, plans: new ToolPlans<Decision>(candidate, baseline, (b, input) => decide(b, input, sdk, deadlineMs)) };
}

export function compileForReplay(
  candidateYaml: string,
  baselineYaml: string | null,
  sdk: Sdk,
  deadlineMs = 250,
): { ok: true; bundles: ReplayBundles } | { ok: false; which: 'candidate' | 'baseline'; errors: BundleProblem[] } {
  // Replay evaluates with the SDK it compiled for: the other SDK's reading would go unused.
  const c = loadBundle(candidateYaml, { sdk, crossCheck: false });
  if (!c.ok) return { ok: false, which: 'candidate', errors: c.errors };
  if (baselineYaml === null) return { ok: true, bundles: replayBundles(c.bundle, null, sdk, deadlineMs) };
  const b = loadBundle(baselineYaml, { sdk, crossCheck: false });
  if (!b.ok) return { ok: false, which: 'baseline', errors: b.errors };
  return { ok: true, bundles: replayBundles(c.bundle, b.bundle, sdk, deadlineMs) };
}

/** Events store the principal as the SDK sent it: camelCase from TS agents, snake_case from Python. */
export function principalFromEvent(raw: unknown): EvaluationInput['principal'] {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const p = raw as Record<string, unknown>;
  const str = (a: string, b: string): string | null => {
    const v = p[a] ?? p[b];
    return typeof v === 'string' ? v : null;
  };
  const claims = p.claims && typeof p.claims === 'object' && !Array.isArray(p.claims) ? (p.claims as Record<string, unknown>) : {};
  return {
    user_id: str('user_id', 'userId'),
    role: str('role', 'role'),
    org_id: str('org_id', 'orgId'),
    service_id: str('service_id', 'serviceId'),
    ticket_ref: str('ticket_ref', 'ticketRef'),
    claims,
  };
}

/** The engine's message for a call past its deadline (engine/evaluate.ts). */
const TIMED_OUT = 'evaluation exceeded its time budget';

function decide(bundle: Compiled, input: EvaluationInput, sdk: Sdk, deadlineMs: number): Decision {
  try {
    // Replay reads only the outcome: the short trace saves most of the per-call allocations.
    let v = evaluate(bundle, input, { sdk, deadlineMs, trace: 'matched' });
    // The deadline is wall time, and replay threads run at nice 10: on a busy machine a call can
    // miss it only because the thread was not scheduled. One more try makes that rare (identical
    // 1M-call replays at load 8-10 differed by 1-3 calls); a call that is really too slow misses
    // it again and stays an error.
    if (v.outcome === 'error' && v.policyError && v.message?.startsWith(TIMED_OUT)) v = evaluate(bundle, input, { sdk, deadlineMs, trace: 'matched' });
    return [v.outcome, v.decidingContract, v.observed[0]?.id ?? null, v.message];
  } catch (err) {
    return ['error', null, null, err instanceof Error ? err.message.slice(0, 200) : 'evaluation failed'];
  }
}

function parseObject(text: string): Record<string, unknown> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Principals repeat across a fleet's calls (a few per agent): parsed once each (the engine only reads them). */
const principals = new Map<string, EvaluationInput['principal']>();

function storedPrincipal(text: string): EvaluationInput['principal'] {
  if (!text || text === 'null') return null;
  let p = principals.get(text);
  if (p === undefined) {
    if (principals.size >= 10_000) principals.clear();
    p = principalFromEvent(parseObject(text));
    principals.set(text, p);
  }
  return p;
}

/**
 * The decisions of a call of `tool` that do not depend on the call (both fixed for the tool, see
 * replay-tool-plans.ts), or null when the call must be evaluated.
 */
export function fixedPair(bundles: ReplayBundles, tool: string): [Decision, Decision] | null {
  const plan = bundles.plans?.for(tool);
  if (!plan?.candidate) return null;
  if (!bundles.baseline) return [plan.candidate, ALLOW_ALL];
  return plan.baseline ? [plan.candidate, plan.baseline] : null;
}

/**
 * One stored call (as text from the database) under the candidate and the baseline, its JSON
 * parsed once (and not at all when the tool's plan fixes both decisions); the baseline is not
 * evaluated when its contracts for the tool are the candidate's.
 */
export function replayPair(bundles: ReplayBundles, tool: string, args: string, principal: string, environment: string, deadlineMs: number): [Decision, Decision] {
  const plan = bundles.plans?.for(tool);
  let candidate = plan?.candidate ?? null;
  let baseline = bundles.baseline ? (plan?.baseline ?? null) : ALLOW_ALL;
  if (candidate && baseline) return [candidate, baseline];
  const input: EvaluationInput = {
    tool,
    args: parseObject(args),
    environment,
    principal: storedPrincipal(principal),
  };
  candidate ??= decide(bundles.candidate, input, bundles.sdk, deadlineMs);
  if (plan?.sameContracts) baseline = candidate;
  baseline ??= decide(bundles.baseline!, input, bundles.sdk, deadlineMs);
  return [candidate, baseline];
}

/** Evaluates each distinct call under the candidate and the baseline: [candidate, baseline][]. */
export function replayBatch(bundles: ReplayBundles, calls: ReplayCall[], deadlineMs: number): [Decision, Decision][] {
  return calls.map(([tool, args, principal, environment]) => replayPair(bundles, tool, args, principal, environment, deadlineMs));
}

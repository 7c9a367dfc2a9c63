/** One call through a compiled bundle: the verdict model of section 15, with a full trace. */
import type { EvaluationInput, Sdk, TraceEntry, Verdict } from './engine.js';
import { MISSING, type CallContext } from './context.js';
import { effectiveMode, type CompiledState } from './compiled.js';
import { prePhase, runRule, runSandbox, type PhaseState } from './evaluate-pre.js';
import { postPhase } from './evaluate-post.js';

export const DEFAULT_DEADLINE_MS = 1000;

/** Section 7: names an SDK refuses before any contract runs. */
function badToolName(tool: unknown, sdk: Sdk): string | null {
  if (typeof tool !== 'string' || tool === '') return 'Invalid tool_name: must be a non-empty string';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  const bad = sdk === 'typescript' ? /[\u0000-\u001f\u007f-\u009f\u2028\u2029/\\]/ : /[\u0000-\u001f\u007f/\\]/;
  return bad.test(tool) ? `Invalid tool_name: ${JSON.stringify(tool.slice(0, 100))} contains a control character, '/' or '\\'` : null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function base(state: CompiledState, trace: TraceEntry[]): Verdict {
  return {
    outcome: 'allowed', phase: 'pre', decidingContract: null, message: null, policyError: false, observed: [], approval: null,
    tags: [], metadata: {}, trace, dryRun: { verdict: 'allow' }, mode: state.defaultMode,
  };
}

export function errorVerdict(state: CompiledState, message: string, policyError: boolean): Verdict {
  return { ...base(state, []), outcome: 'error', message, policyError, dryRun: { verdict: 'deny' } };
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

/** Dry run (`evaluate()` of the SDKs): reuses what the run evaluated, evaluates the rest. */
function dryRun(state: CompiledState, s: PhaseState, postDry: 'deny' | 'warn' | null, postRan: boolean, result: unknown): Verdict['dryRun'] {
  if (s.dryDeny) return { verdict: 'deny' };
  const probe: PhaseState = { ...s, trace: [], observed: [] };
  if (!s.preComplete) {
    for (const c of state.pre) {
      const t = runRule(c, state, probe);
      if (!t.passed && !t.observed) return { verdict: 'deny' };
    }
    for (const sb of state.sandboxes) {
      const t = runSandbox(sb, state, probe);
      if (!t.passed && !t.observed) return { verdict: 'deny' };
    }
  }
  if (result === null || result === undefined) return { verdict: 'allow' };
  if (postRan) return { verdict: postDry ?? 'allow' };
  const post = postPhase(state, probe, result);
  return { verdict: post.dry ?? 'allow' };
}

export function runEvaluation(state: CompiledState, input: EvaluationInput, deadlineMs: number, traceAll = true): Verdict {
  const sdk = state.sdk;
  const bad = badToolName(input.tool, sdk);
  if (bad) return errorVerdict(state, bad, false);
  const ctx: CallContext = {
    sdk,
    tool: input.tool,
    args: isRecord(input.args) ? input.args : {},
    environment: typeof input.environment === 'string' && input.environment !== '' ? input.environment : 'production',
    principal: isRecord(input.principal) ? input.principal : null,
    env: isRecord(input.env) ? (input.env as Record<string, string>) : {},
    metadata: isRecord(input.metadata) ? input.metadata : {},
    outputText: MISSING,
    lastError: null,
  };
  const s: PhaseState = { ctx, trace: [], observed: [], deadlineAt: performance.now() + deadlineMs, timedOut: false, dryDeny: false, preComplete: false, traceAll, ticks: 0 };
  const session = isRecord(input.session) ? input.session : {};
  const perTool = isRecord(session.per_tool) ? session.per_tool : {};
  const counts = { attempts: count(session.attempts) + 1, executions: count(session.tool_calls), toolExecutions: count(perTool[ctx.tool]) };
  const v = base(state, s.trace);
  const failure = prePhase(state, s, counts);
  const timedOut = () => ({ ...errorVerdict(state, `evaluation exceeded its time budget of ${deadlineMs} ms`, true), trace: s.trace });
  if (s.timedOut) return timedOut();
  v.observed = s.observed;
  if (failure && state.defaultMode === 'enforce') {
    Object.assign(v, {
      outcome: failure.approval ? 'approval_required' : 'denied', decidingContract: failure.id, message: failure.message,
      tags: failure.tags, metadata: failure.metadata, approval: failure.approval,
    });
  } else if (failure) {
    // An observe bundle lets the call through and records the would-deny.
    s.observed.push({ id: failure.id, message: failure.message });
  }
  let postDry: 'deny' | 'warn' | null = null;
  const postRan = v.outcome === 'allowed' && input.result !== undefined;
  if (postRan) {
    const post = postPhase(state, s, input.result);
    if (s.timedOut) return timedOut();
    postDry = post.dry;
    v.phase = 'post';
    v.output = post.output;
    if (post.decider) {
      Object.assign(v, { outcome: post.kind, decidingContract: post.decider.id, message: post.decider.message, tags: post.decider.tags, metadata: post.decider.metadata });
    }
  }
  v.policyError = s.trace.some((t) => t.policyError);
  v.dryRun = dryRun(state, s, postDry, postRan, input.result);
  return v;
}

export { effectiveMode };

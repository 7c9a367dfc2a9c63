/**
 * The pre phase (section 8): attempt limit, pre contracts, sandboxes, session contracts, the
 * built-in execution limits, then observe-alongside candidates. Stops at the first enforced
 * failure.
 */
import type { TraceEntry } from './engine.js';
import type { CallContext } from './context.js';
import { effectiveMode, type CompiledState, type CRule, type CSandbox } from './compiled.js';
import { ERROR, FALSE } from './operators.js';
import { checkSandbox, NO_PATHS_SUFFIX, SandboxError } from './sandbox.js';

export interface Failure {
  id: string;
  type: TraceEntry['type'];
  message: string;
  tags: string[];
  metadata: Record<string, unknown>;
  policyError: boolean;
  approval: { timeoutSeconds: number; timeoutEffect: 'deny' | 'allow' } | null;
}

export interface PhaseState {
  ctx: CallContext;
  trace: TraceEntry[];
  observed: { id: string; message: string | null }[];
  deadlineAt: number;
  timedOut: boolean;
  /** Dry-run bookkeeping: an enforced pre/sandbox failure; whether all of them ran. */
  dryDeny: boolean;
  preComplete: boolean;
  /** Keep trace entries of contracts whose tool does not match. */
  traceAll: boolean;
  ticks: number;
}

export interface Counts {
  attempts: number;
  executions: number;
  toolExecutions: number;
}

/** The clock is read every 8th contract: reading it costs about as much as a simple contract. */
export function overDeadline(s: PhaseState): boolean {
  if ((++s.ticks & 7) !== 0 || performance.now() <= s.deadlineAt) return false;
  s.timedOut = true;
  return true;
}

function entry(id: string, type: TraceEntry['type'], over: Partial<TraceEntry>): TraceEntry {
  return { id, type, matched: true, passed: true, message: null, observed: false, effect: null, tags: [], metadata: {}, policyError: false, reason: '', ...over };
}

/** Shared by every non-matching contract when the trace keeps matched ones only (never pushed). */
const NOT_MATCHED: TraceEntry = Object.freeze(entry('', 'pre', { matched: false, reason: 'tool does not match' })) as TraceEntry;

/** tags/metadata of a failing rule (TS: a metadata key `tags` replaces the tags). */
export function ruleTags(c: CRule, sdk: CallContext['sdk']): { tags: string[]; metadata: Record<string, unknown> } {
  if (sdk === 'typescript' && c.metadataClash) return { tags: c.metadata.tags as string[], metadata: c.metadata };
  return { tags: c.tags, metadata: c.metadata };
}

/** Evaluates a pre/post rule against the context; returns the trace entry (passed=false when it fires). */
export function runRule(c: CRule, state: CompiledState, s: PhaseState): TraceEntry {
  const { ctx } = s;
  if (!c.tool(ctx.tool)) return s.traceAll ? entry(c.id, c.type, { matched: false, reason: `tool '${ctx.tool}' does not match '${c.toolPattern}'` }) : NOT_MATCHED;
  ctx.lastError = null;
  const r = c.when(ctx);
  const mode = effectiveMode(c, state.defaultMode);
  const observed = mode === 'observe';
  if (r === FALSE) return entry(c.id, c.type, { observed, effect: c.effect, reason: 'condition is false' });
  const policyError = r === ERROR;
  const reason = policyError ? `evaluation error (fails closed): ${ctx.lastError ?? 'type mismatch'}` : 'condition is true';
  if (ctx.sdk === 'python' && c.metadataClash) {
    const phase = c.type === 'pre' ? 'Precondition' : 'Postcondition';
    return entry(c.id, c.type, { passed: false, observed, effect: c.effect, policyError: true, message: `${phase} error: then.metadata has a key named 'tags'`, reason: "then.metadata key 'tags' clashes with tags (Python raises)" });
  }
  const { tags, metadata } = ruleTags(c, ctx.sdk);
  return entry(c.id, c.type, { passed: false, observed, effect: c.effect, policyError, message: c.message(ctx), tags, metadata, reason });
}

function appliesTo(sb: CSandbox, tool: string, sdk: CallContext['sdk']): boolean {
  // TS a79834e filters on a property the compiled sandbox lacks: every sandbox applies to every tool.
  return sdk === 'typescript' || sb.tools.some((m) => m(tool));
}

export function runSandbox(sb: CSandbox, state: CompiledState, s: PhaseState): TraceEntry {
  const { ctx } = s;
  if (!appliesTo(sb, ctx.tool, ctx.sdk)) return s.traceAll ? entry(sb.id, 'sandbox', { matched: false, reason: `tool '${ctx.tool}' is not in ${sb.toolPatterns.join(', ')}` }) : NOT_MATCHED;
  // TS ignores a sandbox's mode (its compiled form has none); Python honours it.
  const observed = ctx.sdk === 'python' && effectiveMode(sb, state.defaultMode) === 'observe';
  const effect = sb.outside;
  try {
    const out = checkSandbox(sb.spec, ctx.tool, ctx.args, ctx.sdk);
    if (out.ok) return entry(sb.id, 'sandbox', { observed, effect, reason: out.reason });
    const message = sb.message(ctx) + (out.noPaths ? NO_PATHS_SUFFIX : '');
    return entry(sb.id, 'sandbox', { passed: false, observed, effect, message, reason: out.reason });
  } catch (err) {
    if (!(err instanceof SandboxError)) throw err;
    return entry(sb.id, 'sandbox', { passed: false, observed, effect, policyError: true, message: `Sandbox contract error: ${err.message}`, reason: `evaluation error: ${err.message}` });
  }
}

function failureOf(t: TraceEntry, approval: Failure['approval']): Failure {
  return { id: t.id, type: t.type, message: t.message ?? '', tags: t.tags, metadata: t.metadata, policyError: t.policyError, approval };
}

function checkRules(state: CompiledState, s: PhaseState): Failure | null {
  for (const c of state.pre) {
    if (overDeadline(s)) return null;
    const t = runRule(c, state, s);
    if (t.matched || s.traceAll) s.trace.push(t);
    if (t.passed) continue;
    if (t.observed) {
      s.observed.push({ id: t.id, message: t.message });
      continue;
    }
    s.dryDeny = true;
    // A Python exception (the metadata clash) becomes a plain policy-error denial.
    const approve = s.ctx.sdk === 'python' && c.effect === 'approve' && !c.metadataClash;
    return failureOf(t, approve ? { timeoutSeconds: c.timeoutSeconds, timeoutEffect: c.timeoutEffect } : null);
  }
  for (const sb of state.sandboxes) {
    if (overDeadline(s)) return null;
    const t = runSandbox(sb, state, s);
    if (t.matched || s.traceAll) s.trace.push(t);
    if (t.passed) continue;
    if (t.observed) {
      s.observed.push({ id: t.id, message: t.message });
      continue;
    }
    s.dryDeny = true;
    const approve = s.ctx.sdk === 'python' && sb.outside === 'approve' && !t.policyError;
    return failureOf(t, approve ? { timeoutSeconds: sb.timeoutSeconds, timeoutEffect: sb.timeoutEffect } : null);
  }
  s.preComplete = true;
  return null;
}

/** A built-in limit (max_attempts, max_tool_calls, max_calls_per_tool:<tool>), traced like a contract. */
function builtin(s: PhaseState, id: string, message: string, reason: string): Failure {
  s.trace.push(entry(id, 'session', { passed: false, effect: 'deny', message, reason }));
  return { id, type: 'session', message, tags: [], metadata: {}, policyError: false, approval: null };
}

function checkSessions(state: CompiledState, s: PhaseState, n: Counts): Failure | null {
  for (let i = 0; i < state.sessions.length; i++) {
    const c = state.sessions[i] as CompiledState['sessions'][number];
    const lim = state.limitsAfter[i] as CompiledState['limits'];
    const over = n.executions >= lim.maxToolCalls ? `${n.executions} executions >= max_tool_calls ${lim.maxToolCalls}` : n.attempts >= lim.maxAttempts ? `attempt ${n.attempts} >= max_attempts ${lim.maxAttempts}` : null;
    const t = entry(c.id, 'session', { passed: over === null, effect: 'deny', reason: over ?? 'within limits', message: over === null ? null : c.message, tags: over === null ? [] : c.tags, metadata: over === null ? {} : c.metadata });
    s.trace.push(t);
    if (over !== null) return failureOf(t, null);
  }
  const { limits } = state;
  if (n.executions >= limits.maxToolCalls) {
    return builtin(s, 'max_tool_calls', `Execution limit reached (${limits.maxToolCalls} calls). Summarize progress and stop.`, `${n.executions} executions >= ${limits.maxToolCalls}`);
  }
  const perTool = limits.perTool[s.ctx.tool];
  if (perTool !== undefined && n.toolExecutions >= perTool) {
    const id = `max_calls_per_tool:${s.ctx.tool}`;
    return builtin(s, id, `Per-tool limit: ${s.ctx.tool} called ${n.toolExecutions} times (limit: ${perTool}).`, `${n.toolExecutions} executions of ${s.ctx.tool} >= ${perTool}`);
  }
  return null;
}

function runCandidates(state: CompiledState, s: PhaseState): void {
  for (const c of state.candidates) {
    if (c.type === 'session' || c.type === 'post') continue;
    const t = c.type === 'sandbox' ? runSandbox(c, state, s) : runRule(c, state, s);
    if (!t.matched) {
      if (s.traceAll) s.trace.push(t);
      continue;
    }
    t.observed = true;
    s.trace.push(t);
    if (!t.passed) s.observed.push({ id: t.id, message: t.message });
  }
}

/** The pre phase; the first enforced failure, or null when the call may run. */
export function prePhase(state: CompiledState, s: PhaseState, n: Counts): Failure | null {
  if (n.attempts >= state.limits.maxAttempts) {
    const msg = `Attempt limit reached (${state.limits.maxAttempts}). Agent may be stuck in a retry loop. Stop and reassess.`;
    return builtin(s, 'max_attempts', msg, `attempt ${n.attempts} >= ${state.limits.maxAttempts} (this call counts)`);
  }
  const failure = checkRules(state, s) ?? (s.timedOut ? null : checkSessions(state, s, n));
  if (failure === null && !s.timedOut) runCandidates(state, s);
  return failure;
}

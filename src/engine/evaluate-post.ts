/**
 * The post phase (section 10): every matching post contract runs; a failing enforced one warns,
 * redacts or suppresses depending on the tool's side effect. Suppression outranks redaction,
 * which outranks a warning.
 */
import type { TraceEntry } from './engine.js';
import { MISSING } from './context.js';
import type { CompiledState, CRule } from './compiled.js';
import { redactGeneric, redactWith, sideEffectOf } from './post.js';
import { overDeadline, runRule, type PhaseState } from './evaluate-pre.js';
import { stringify } from './values.js';

export interface PostOutcome {
  kind: 'denied' | 'redacted' | 'warned' | 'allowed';
  decider: TraceEntry | null;
  output: unknown;
  /** Dry run: 'deny' (TS deny effect), 'warn', or null. */
  dry: 'deny' | 'warn' | null;
}

export function postPhase(state: CompiledState, s: PhaseState, result: unknown): PostOutcome {
  const { ctx } = s;
  ctx.outputText = result === null || result === undefined ? MISSING : stringify(result, ctx.sdk);
  const effect = sideEffectOf(ctx.tool, ctx.args, state.tools);
  const canRewrite = effect === 'pure' || effect === 'read';
  let output = result;
  let dry: PostOutcome['dry'] = null;
  const firsts: Partial<Record<'denied' | 'redacted' | 'warned', TraceEntry>> = {};
  const rules: CRule[] = [...state.post, ...state.candidates.filter((c): c is CRule => c.type === 'post')];
  for (const c of rules) {
    if (overDeadline(s)) break;
    const t = runRule(c, state, s);
    if (!t.matched) {
      if (s.traceAll) s.trace.push(t);
      continue;
    }
    if (c.candidate) t.observed = true;
    s.trace.push(t);
    if (t.passed) continue;
    if (t.observed) {
      s.observed.push({ id: t.id, message: t.message });
      continue;
    }
    if (result !== null && result !== undefined) dry = ctx.sdk === 'typescript' && c.effect === 'deny' ? 'deny' : dry === 'deny' ? 'deny' : 'warn';
    let kind: 'denied' | 'redacted' | 'warned' = 'warned';
    if (c.effect === 'deny' && canRewrite) {
      kind = 'denied';
      output = `[OUTPUT SUPPRESSED] ${t.message ?? ''}`;
    } else if (c.effect === 'redact' && canRewrite) {
      kind = 'redacted';
      const text = typeof output === 'string' ? output : stringify(output, ctx.sdk);
      // TS a79834e looks for a property the compiler never sets, so only generic patterns apply.
      output = ctx.sdk === 'python' ? redactWith(text, c.outputRegexes) : redactGeneric(text);
    }
    firsts[kind] ??= t;
  }
  const kind = firsts.denied ? 'denied' : firsts.redacted ? 'redacted' : firsts.warned ? 'warned' : 'allowed';
  return { kind, decider: kind === 'allowed' ? null : (firsts[kind] as TraceEntry), output, dry };
}

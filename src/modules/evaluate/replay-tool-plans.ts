import type { CompiledBundle, EvaluationInput } from '../../engine/engine.js';
import type { CContract, CompiledState, CSandbox } from '../../engine/compiled.js';

/**
 * What replay can decide per tool name before it looks at a call (replay evaluates the
 * pre-execution phase only: no tool result, no session counts, no env or metadata).
 *
 * - **Same contracts.** The contracts that can apply to a call of the tool (pre rules whose tool
 *   glob matches, the sandboxes that apply, every session contract, the bundle's default mode) are
 *   identical in the candidate and the baseline, compared by their source mapping in a canonical
 *   form: the baseline's decision is then the candidate's, so only the candidate is evaluated
 *   (the call is "unchanged"; the candidate's decision is still needed, for `by_contract`).
 * - **Fixed decision.** No pre rule and no sandbox applies to the tool in a bundle: the decision
 *   under that bundle does not depend on the arguments, principal or environment (session limits
 *   read only counts, and replay has none), so it is evaluated once per tool, and a call of a tool
 *   fixed in both bundles needs neither its JSON parsed nor a cache entry.
 *
 * Anything this cannot be sure of (compositions, a source value that is not plain YAML data)
 * answers "not the same", which only costs the evaluation it would have saved.
 */

type State = CompiledState;

/** Tool names remembered per replay; past it the map starts again (a fleet has far fewer). */
const TOOL_ENTRIES = 10_000;

/** Canonical JSON of plain YAML data (keys sorted, numbers told apart from null); null for anything else. */
export function canonical(v: unknown): string | null {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'number':
      // JSON.stringify writes NaN and Infinity as null, and -0 as 0.
      return Number.isFinite(v) && !Object.is(v, -0) ? JSON.stringify(v) : `{"$number":"${Object.is(v, -0) ? '-0' : String(v)}"}`;
    case 'object': {
      if (Array.isArray(v)) {
        const parts: string[] = [];
        for (const x of v) {
          const s = canonical(x);
          if (s === null) return null;
          parts.push(s);
        }
        return `[${parts.join(',')}]`;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return null;
      const obj = v as Record<string, unknown>;
      const parts: string[] = [];
      for (const k of Object.keys(obj).sort()) {
        const s = canonical(obj[k]);
        if (s === null) return null;
        parts.push(`${JSON.stringify(k)}:${s}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return null;
  }
}

/** Each compiled contract's source mapping in canonical form; null when the bundle is composed or a source is not plain data. */
function sourcesOf(state: State): Map<CContract, string> | null {
  if (state.source.compose.length > 0 || state.candidates.length > 0) return null;
  const raw = state.source.doc.contracts;
  if (!Array.isArray(raw)) return null;
  const byId = new Map<string, unknown>();
  for (const r of raw) {
    if (r && typeof r === 'object' && typeof (r as { id?: unknown }).id === 'string') byId.set((r as { id: string }).id, r);
  }
  const out = new Map<CContract, string>();
  for (const c of [...state.pre, ...state.sandboxes, ...state.sessions]) {
    const s = byId.has(c.id) ? canonical(byId.get(c.id)) : null;
    if (s === null) return null;
    out.set(c, s);
  }
  return out;
}

/** One bundle's per-tool reading: which contracts can apply to a call of the tool. */
class BundleTools {
  private readonly sources: Map<CContract, string> | null;
  private readonly head: string | null;

  constructor(readonly state: State) {
    this.sources = sourcesOf(state);
    // Sessions apply to every tool; the default mode decides every contract without its own.
    this.head = this.sources ? JSON.stringify([state.sdk, state.defaultMode, state.sessions.map((c) => this.sources!.get(c))]) : null;
  }

  /** The pre rules and sandboxes (and observe-alongside copies) that apply to the tool, in evaluation order. */
  applicable(tool: string): CContract[] {
    const out: CContract[] = this.state.pre.filter((c) => c.tool(tool));
    // The TypeScript SDK applies every sandbox to every tool (evaluate-pre.ts `appliesTo`).
    const applies = (sb: CSandbox) => this.state.sdk === 'typescript' || sb.tools.some((m) => m(tool));
    for (const sb of this.state.sandboxes) if (applies(sb)) out.push(sb);
    // Observe-alongside copies (compositions only; such a bundle has no signature).
    for (const c of this.state.candidates) if (c.type === 'pre' ? c.tool(tool) : c.type === 'sandbox' && applies(c)) out.push(c);
    return out;
  }

  /** Everything that decides a call of the tool, as one string; null when it cannot be told. */
  signature(applicable: CContract[]): string | null {
    if (!this.sources || this.head === null) return null;
    return `${this.head}\n${applicable.map((c) => this.sources!.get(c)).join('\n')}`;
  }
}

export interface ToolPlan<D> {
  /** The candidate's decision for every call of the tool (no pre rule or sandbox applies), or null. */
  candidate: D | null;
  /** The baseline's, likewise; always null when there is no baseline. */
  baseline: D | null;
  /** The baseline decides every call of the tool as the candidate does. */
  sameContracts: boolean;
}

/**
 * Per-tool plans of one replay, computed on first sight of a tool name. `decide` is the replay's
 * own evaluation (so a fixed decision is exactly what evaluating a call would give).
 */
export class ToolPlans<D> {
  private readonly plans = new Map<string, ToolPlan<D>>();
  private readonly candidate: BundleTools;
  private readonly baseline: BundleTools | null;

  constructor(
    candidate: CompiledBundle,
    baseline: CompiledBundle | null,
    private readonly decide: (bundle: CompiledBundle, input: EvaluationInput) => D,
  ) {
    this.candidate = new BundleTools(candidate as State);
    this.baseline = baseline ? new BundleTools(baseline as State) : null;
  }

  for(tool: string): ToolPlan<D> {
    let p = this.plans.get(tool);
    if (p === undefined) {
      if (this.plans.size >= TOOL_ENTRIES) this.plans.clear();
      p = this.plan(tool);
      this.plans.set(tool, p);
    }
    return p;
  }

  private plan(tool: string): ToolPlan<D> {
    const fixed = (b: BundleTools, applicable: CContract[]): D | null =>
      applicable.length === 0 ? this.decide(b.state as unknown as CompiledBundle, { tool, args: {}, environment: '', principal: null }) : null;
    const ca = this.candidate.applicable(tool);
    const candidate = fixed(this.candidate, ca);
    if (!this.baseline) return { candidate, baseline: null, sameContracts: false };
    const ba = this.baseline.applicable(tool);
    const cs = this.candidate.signature(ca);
    const sameContracts = cs !== null && cs === this.baseline.signature(ba);
    return { candidate, baseline: sameContracts ? candidate : fixed(this.baseline, ba), sameContracts };
  }
}

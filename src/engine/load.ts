/** Wiring of the public API (engine.ts): load, compile both SDK readings, evaluate. */
import type { BundleProblem, CompiledBundle, EvaluateOptions, EvaluationInput, LoadOptions, LoadResult, Sdk, Verdict } from './engine.js';
import type { CompiledState } from './compiled.js';
import { compileLayer, mergeLayers, sha256Hex, type Layer } from './compile.js';
import { Problems, formatPath, type Loc } from './problems.js';
import { isRuleset, rulesetAsContractBundle, rulesetLoc } from './ruleset.js';
import { parseSource } from './yaml-source.js';
import { DEFAULT_DEADLINE_MS, errorVerdict, runEvaluation } from './evaluate.js';

export function policyVersion(yamlText: string): string {
  return sha256Hex(yamlText).slice(0, 12);
}

interface Input {
  /** Parsed value, or a text to parse. */
  value?: unknown;
  text?: string;
}

interface Attempt {
  state: CompiledState | null;
  errors: BundleProblem[];
  warnings: BundleProblem[];
}

function withLines(list: BundleProblem[], lineOf: ((loc: Loc) => number | null) | null): BundleProblem[] {
  if (!lineOf) return list;
  return list.map((p) => (p.line === null ? { ...p, line: lineOf(p.loc) } : p));
}

function compileAll(inputs: Input[], sdk: Sdk, strict: boolean): Attempt {
  const errors: BundleProblem[] = [];
  const warnings: BundleProblem[] = [];
  const layers: Layer[] = [];
  const hashes: string[] = [];
  inputs.forEach((input, i) => {
    const problems = new Problems(i === 0 ? [] : ['compose', i - 1]);
    let value = input.value;
    let lineOf: ((loc: Loc) => number | null) | null = null;
    if (input.text !== undefined) {
      const parsed = parseSource(input.text, sdk, problems);
      value = parsed?.value;
      lineOf = parsed ? (loc) => parsed.lineOf(i === 0 ? loc : loc.slice(2)) : null;
      hashes.push(sha256Hex(input.text));
      if (!parsed) {
        errors.push(...problems.errors);
        return;
      }
    } else hashes.push(sha256Hex(JSON.stringify(value) ?? ''));
    let extra: BundleProblem[] = [];
    let rename = (list: (BundleProblem & { loc: Loc })[]): BundleProblem[] => list;
    if (isRuleset(value)) {
      // The current generation's words (sdk-contract-v2.md 3); problems keep the Ruleset's paths.
      const mapped = rulesetAsContractBundle(value);
      value = mapped.doc;
      const prefix: Loc = i === 0 ? [] : ['compose', i - 1];
      const at = (loc: Loc): Loc => [...prefix, ...rulesetLoc(loc.slice(prefix.length))];
      rename = (list) => list.map((q) => ({ ...q, loc: at(q.loc), path: formatPath(at(q.loc)) }));
      extra = mapped.problems.map((q) => {
        const loc = [...prefix, ...q.loc];
        return { loc, path: formatPath(loc), message: q.message, line: null, severity: 'error' as const, rule: 'ruleset-words' };
      });
    }
    const layer = compileLayer(value, sdk, strict, problems);
    errors.push(...withLines([...extra, ...rename(problems.errors)], lineOf));
    warnings.push(...withLines(rename(problems.warnings), lineOf));
    if (extra.length > 0) return;
    if (layer) layers.push(layer);
  });
  if (errors.length > 0 || layers.length !== inputs.length) return { state: null, errors, warnings };
  const version = hashes.length === 1 ? (hashes[0] as string).slice(0, 12) : sha256Hex(hashes.join(':')).slice(0, 12);
  const merged = new Problems();
  const state = mergeLayers(layers, sdk, version, merged);
  errors.push(...merged.errors);
  if (errors.length > 0) return { state: null, errors, warnings };
  const [base, ...rest] = layers;
  return { state: { ...state, source: { doc: (base as Layer).doc, compose: rest.map((l) => l.doc) }, other: undefined }, errors, warnings };
}

const OTHER: Record<Sdk, Sdk> = { python: 'typescript', typescript: 'python' };
const LABEL: Record<Sdk, string> = { python: 'the Python SDK 68ebbbc', typescript: 'the TypeScript SDK a79834e' };

function load(inputs: Input[], opts: LoadOptions): LoadResult {
  const sdk = opts.sdk ?? 'python';
  const strict = opts.strict ?? sdk === 'python';
  const main = compileAll(inputs, sdk, strict);
  if (!main.state) return { ok: false, errors: main.errors, warnings: main.warnings };
  if (opts.crossCheck === false) {
    main.state.other = null;
    return { ok: true, bundle: main.state as CompiledBundle, warnings: main.warnings };
  }
  // The other SDK's reading: evaluation with the other `sdk`, and a warning when it refuses the bundle.
  const other = compileAll(inputs, OTHER[sdk], OTHER[sdk] === 'python');
  const warnings = [...main.warnings];
  for (const e of other.errors.slice(0, 10)) {
    const dup = warnings.some((w) => w.path === e.path && w.message.startsWith(e.message));
    if (!dup) warnings.push({ ...e, severity: 'warning', rule: 'sdk-refuses', message: `${LABEL[OTHER[sdk]]} refuses this bundle: ${e.message}` });
  }
  main.state.other = other.state;
  if (other.state) other.state.other = main.state;
  else (main.state as CompiledState & { otherErrors?: BundleProblem[] }).otherErrors = other.errors;
  return { ok: true, bundle: main.state as CompiledBundle, warnings };
}

export function loadBundle(yamlText: string, opts: LoadOptions = {}): LoadResult {
  const layers: Input[] = [{ text: yamlText }];
  if (opts.compose) layers.push(...opts.compose.map((text) => ({ text })));
  else if (opts.composeObjects) layers.push(...opts.composeObjects.map((value) => ({ value })));
  return load(layers, opts);
}

export function loadBundleObject(doc: unknown, opts: LoadOptions = {}): LoadResult {
  const layers: Input[] = [{ value: doc }];
  if (opts.compose) layers.push(...opts.compose.map((text) => ({ text })));
  else if (opts.composeObjects) layers.push(...opts.composeObjects.map((value) => ({ value })));
  return load(layers, opts);
}

export function evaluate(bundle: CompiledBundle, input: EvaluationInput, opts: EvaluateOptions = {}): Verdict {
  let state = bundle as CompiledState;
  if (opts.sdk && opts.sdk !== state.sdk) {
    const other = state.other;
    if (!other) {
      const errs = (state as CompiledState & { otherErrors?: BundleProblem[] }).otherErrors;
      if (!errs) return errorVerdict(state, `the bundle was loaded with crossCheck: false; load it again to evaluate it as ${LABEL[opts.sdk]}`, false);
      const first = errs[0];
      return errorVerdict(state, `${LABEL[opts.sdk]} refuses this bundle${first ? `: ${first.path}: ${first.message}` : ''}`, false);
    }
    state = other;
  }
  const deadline = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
  try {
    return runEvaluation(state, input ?? ({} as EvaluationInput), deadline, opts.trace !== 'matched');
  } catch (err) {
    // Never throw to callers: an unexpected failure is a policy error, like the SDKs' fail-closed path.
    const msg = err instanceof Error ? err.message : String(err);
    return errorVerdict(state, `evaluation failed: ${msg.slice(0, 200)}`, true);
  }
}

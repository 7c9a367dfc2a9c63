/**
 * Regular expressions of `matches` / `matches_any`, in the dialect of each SDK, bounded in time.
 *
 * Why this is safe against catastrophic backtracking: V8 can switch a RegExp to its linear-time
 * engine when backtracking runs away (`--enable-experimental-regexp-engine-on-excessive-backtracks`,
 * set once here, process-wide). That engine takes patterns without the `u`/`i` flags, lookaround
 * or backreferences, which is why Python patterns are translated into flag-free JS
 * (regex-python.ts) and TS patterns (no flags by definition) are used as written. Patterns that
 * need the backtracking engine (lookaround, backreferences) are refused when they also nest
 * quantifiers; the rest run on inputs capped at 10,000 characters. Measured in
 * tests/unit/engine/regex.test.ts and docs/contracts.md.
 */
import v8 from 'node:v8';
import { PyRegexError, translatePythonRegex } from './regex-python.js';
import type { Sdk } from './engine.js';

export const MAX_REGEX_INPUT = 10_000;
const MAX_PATTERN_CHARS = 10_000;

let linearFallback = false;
function enableLinearFallback(): void {
  if (linearFallback) return;
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  linearFallback = true;
}
enableLinearFallback();

export interface CompiledRegex {
  source: string;
  /** Python dialect: search limited to the first 10,000 code points, else UTF-16 units. */
  test(value: string): boolean;
  /** Every match replaced (Python redaction). */
  replaceAll(value: string, replacement: string): string;
}

export type RegexCompileResult = { ok: true; regex: CompiledRegex } | { ok: false; message: string };

interface Shape {
  backtrackingOnly: boolean;
  nestedQuantifier: boolean;
  /** Rough polynomial degree of a backtracking search (see compileRegex). */
  degree: number;
}

const UNBOUNDED_BRACE = /^\{\d+,\}/;

/**
 * Lookaround, backreferences, whether a group holding a variable quantifier is itself repeated,
 * and the polynomial degree of the backtracking search: unbounded quantifiers in one sequence
 * multiply (those inside one lookaround count together, separate lookarounds add), a
 * backreference adds one, and an unanchored search tries every start position (one more).
 */
function scan(source: string): Shape {
  const hasBackref = /\\[1-9]|\\k</.test(source);
  const backtrackingOnly = hasBackref || /\(\?<?[=!]/.test(source);
  const stack: { quantified: boolean; look: boolean; count: number }[] = [];
  let inClass = false;
  let prevGroupQuantified = false;
  let nested = false;
  let outside = 0;
  let maxLook = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i += 1;
      prevGroupQuantified = false;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      prevGroupQuantified = false;
    } else if (c === '(') {
      stack.push({ quantified: false, look: /^\(\?<?[=!]/.test(source.slice(i, i + 4)), count: 0 });
      prevGroupQuantified = false;
    } else if (c === ')') {
      const g = stack.pop() ?? { quantified: false, look: false, count: 0 };
      if (g.quantified && stack.length > 0) (stack[stack.length - 1] as { quantified: boolean }).quantified = true;
      if (g.look) maxLook = Math.max(maxLook, g.count);
      else if (stack.length > 0) (stack[stack.length - 1] as { count: number }).count += g.count;
      else outside += g.count;
      prevGroupQuantified = g.quantified;
    } else if (c === '*' || c === '+' || (c === '{' && /^\{\d+,\d*\}/.test(source.slice(i, i + 24)))) {
      if (prevGroupQuantified) nested = true;
      const unbounded = c !== '{' || UNBOUNDED_BRACE.test(source.slice(i, i + 24));
      const top = stack[stack.length - 1];
      if (top) {
        top.quantified = true;
        if (unbounded) top.count += 1;
      } else if (unbounded) outside += 1;
      prevGroupQuantified = false;
    } else if (c !== '?') prevGroupQuantified = false;
  }
  for (const g of stack) outside += g.count;
  const anchored = /^(\^|\(\?:\^)/.test(source);
  const degree = Math.max(outside, maxLook) + (hasBackref ? 1 : 0) + (anchored ? 0 : 1);
  return { backtrackingOnly, nestedQuantifier: nested, degree };
}

function truncateCodePoints(value: string, max: number): string {
  if (value.length <= max) return value;
  let units = 0;
  let count = 0;
  while (units < value.length && count < max) {
    const cp = value.codePointAt(units) as number;
    units += cp > 0xffff ? 2 : 1;
    count += 1;
  }
  return value.slice(0, units);
}

function build(source: string, flags: string, python: boolean): CompiledRegex {
  const re = new RegExp(source, flags);
  const global = new RegExp(source, `${flags}g`);
  const cap = (v: string) => (python ? truncateCodePoints(v, MAX_REGEX_INPUT) : v.length > MAX_REGEX_INPUT ? v.slice(0, MAX_REGEX_INPUT) : v);
  return {
    source,
    test: (value) => re.test(cap(value)),
    replaceAll: (value, replacement) => {
      global.lastIndex = 0;
      return value.replace(global, () => replacement);
    },
  };
}

/** Compile one pattern for an SDK; a refusal carries the message the loader reports. */
export function compileRegex(pattern: string, sdk: Sdk): RegexCompileResult {
  if (pattern.length > MAX_PATTERN_CHARS) return { ok: false, message: `Invalid regex pattern: longer than ${MAX_PATTERN_CHARS} characters` };
  let source = pattern;
  let flags = '';
  if (sdk === 'python') {
    try {
      const t = translatePythonRegex(pattern);
      source = t.source;
      flags = t.flags;
    } catch (err) {
      const msg = err instanceof PyRegexError ? err.message : 'could not be translated';
      return { ok: false, message: `Invalid regex pattern '${pattern}': ${msg}` };
    }
  }
  let regex: CompiledRegex;
  try {
    regex = build(source, flags, sdk === 'python');
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, message: `Invalid regex pattern '${pattern}': ${msg}` };
  }
  const s = scan(source);
  // Patterns the linear-time engine cannot take run on the backtracking engine over at most
  // 10,000 characters: quadratic is bounded (~0.3 s at worst), cubic or exponential is not.
  if (s.backtrackingOnly && (s.nestedQuantifier || s.degree >= 3)) {
    return {
      ok: false,
      message: `Regex pattern '${pattern}' uses lookaround or backreferences with nested or chained unbounded quantifiers, which can backtrack catastrophically; the console refuses it`,
    };
  }
  return { ok: true, regex };
}

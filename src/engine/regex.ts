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

/** Lookaround, backreferences, and whether a group holding a variable quantifier is itself repeated. */
function scan(source: string): { backtrackingOnly: boolean; nestedQuantifier: boolean } {
  const backtrackingOnly = /\(\?<?[=!]|\\[1-9]|\\k</.test(source);
  const stack: boolean[] = [];
  let inClass = false;
  let prevGroupQuantified = false;
  let nested = false;
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
      stack.push(false);
      prevGroupQuantified = false;
    } else if (c === ')') {
      const had = stack.pop() ?? false;
      if (had && stack.length > 0) stack[stack.length - 1] = true;
      prevGroupQuantified = had;
    } else if (c === '*' || c === '+' || (c === '{' && /^\{\d+,\d*\}/.test(source.slice(i, i + 24)))) {
      if (prevGroupQuantified) nested = true;
      if (stack.length > 0) stack[stack.length - 1] = true;
      prevGroupQuantified = false;
    } else if (c !== '?') prevGroupQuantified = false;
  }
  return { backtrackingOnly, nestedQuantifier: nested };
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
  if (s.backtrackingOnly && s.nestedQuantifier) {
    return {
      ok: false,
      message: `Regex pattern '${pattern}' uses lookaround or backreferences together with nested quantifiers, which can backtrack catastrophically; the console refuses it`,
    };
  }
  return { ok: true, regex };
}

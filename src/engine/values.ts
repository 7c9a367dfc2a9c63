/**
 * How each SDK turns values into text and compares them: TS `String()` and `===`, Python
 * `str()` (a repr inside containers) and `==` (True == 1, structural lists and dicts).
 */
import type { Sdk } from './engine.js';

function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

function pyRepr(v: unknown, depth: number): string {
  if (depth > 64) return '...';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return pyReprString(v);
  if (Array.isArray(v)) return `[${v.map((x) => pyRepr(x, depth + 1)).join(', ')}]`;
  if (typeof v === 'object') {
    const parts = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyReprString(k)}: ${pyRepr(x, depth + 1)}`);
    return `{${parts.join(', ')}}`;
  }
  return String(v);
}

/** Python `str(value)`. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  return pyRepr(v, 0);
}

/** JavaScript `String(value)`, without throwing on odd objects. */
export function tsString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return '[object Object]';
  }
}

export function stringify(v: unknown, sdk: Sdk): string {
  return sdk === 'python' ? pyStr(v) : tsString(v);
}

function pyNum(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

/** Python `a == b` on JSON-like values. */
export function pyEq(a: unknown, b: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  const na = pyNum(a);
  const nb = pyNum(b);
  if (na !== null || nb !== null) return na !== null && nb !== null && na === nb;
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => pyEq(x, b[i], depth + 1));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && pyEq((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1));
  }
  return a === b;
}

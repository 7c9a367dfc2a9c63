/**
 * The fifteen operators (section 5), compiled per SDK. A test answers TRUE, FALSE or ERROR
 * (type mismatch); a missing value is FALSE for every operator but `exists`.
 */
import type { Sdk } from './engine.js';
import { MISSING } from './context.js';
import { pyEq } from './values.js';
import { compileRegex, type CompiledRegex } from './regex.js';

export const FALSE = 0;
export const TRUE = 1;
export const ERROR = 2;
export type Tri = typeof FALSE | typeof TRUE | typeof ERROR;

export type OperatorTest = (value: unknown, why: { error: string | null }) => Tri;

export const OPERATORS = new Set([
  'exists', 'equals', 'not_equals', 'in', 'not_in', 'contains', 'contains_any',
  'starts_with', 'ends_with', 'matches', 'matches_any', 'gt', 'gte', 'lt', 'lte',
]);
export const NUMERIC_OPS = new Set(['gt', 'gte', 'lt', 'lte']);
export const STRING_OPS = new Set(['contains', 'starts_with', 'ends_with']);
export const LIST_OPS = new Set(['in', 'not_in', 'contains_any', 'matches_any']);

const b = (x: boolean): Tri => (x ? TRUE : FALSE);

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'null';
  return typeof v;
}

function mismatch(op: string, want: string, value: unknown, why: { error: string | null }): Tri {
  why.error = `'${op}' needs a ${want}, the value is a ${typeName(value)}`;
  return ERROR;
}

function isNumber(v: unknown, sdk: Sdk): v is number {
  return typeof v === 'number' || (sdk === 'python' && typeof v === 'boolean');
}

/** Compiled regexes are handed to `onRegex` (Python redaction reuses output.text patterns). */
export function compileOperator(op: string, operand: unknown, sdk: Sdk, regexes: CompiledRegex[]): OperatorTest | string {
  const eq = sdk === 'python' ? (a: unknown, c: unknown) => pyEq(a, c) : (a: unknown, c: unknown) => a === c;
  const str = (fn: (s: string) => boolean): OperatorTest => (v, why) => (typeof v === 'string' ? b(fn(v)) : mismatch(op, 'string', v, why));
  switch (op) {
    case 'exists':
      return (v) => b((v !== MISSING) === operand);
    case 'equals':
      return (v) => b(eq(v, operand));
    case 'not_equals':
      return (v) => b(!eq(v, operand));
    case 'in': {
      const list = operand as unknown[];
      return (v) => b(list.some((x) => eq(v, x)));
    }
    case 'not_in': {
      const list = operand as unknown[];
      return (v) => b(!list.some((x) => eq(v, x)));
    }
    case 'contains':
      return str((s) => s.includes(operand as string));
    case 'starts_with':
      return str((s) => s.startsWith(operand as string));
    case 'ends_with':
      return str((s) => s.endsWith(operand as string));
    case 'contains_any': {
      const list = (operand as unknown[]).map(String);
      return str((s) => list.some((x) => s.includes(x)));
    }
    case 'matches':
    case 'matches_any': {
      const patterns = op === 'matches' ? [operand] : (operand as unknown[]);
      const compiled: CompiledRegex[] = [];
      for (const p of patterns) {
        const r = compileRegex(String(p), sdk);
        if (!r.ok) return r.message;
        compiled.push(r.regex);
      }
      regexes.push(...compiled);
      return str((s) => compiled.some((r) => r.test(s)));
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const n = operand as number;
      const cmp = op === 'gt' ? (x: number) => x > n : op === 'gte' ? (x: number) => x >= n : op === 'lt' ? (x: number) => x < n : (x: number) => x <= n;
      return (v, why) => (isNumber(v, sdk) ? b(cmp(Number(v))) : mismatch(op, 'number', v, why));
    }
    default:
      return `unknown operator '${op}'`;
  }
}

/**
 * `when` expressions (section 3): validated and compiled in one pass into closures that answer
 * TRUE, FALSE or ERROR. `all`/`any` short-circuit left to right; `not` keeps an error an error.
 * Malformed leaves the TS loader lets through (two selectors, `{}`, a bare string, two
 * operators) behave as TS does in TS mode; strict mode (the schema) refuses them.
 */
import type { Sdk } from './engine.js';
import { MISSING, type CallContext } from './context.js';
import { compileSelector } from './selectors.js';
import { compileOperator, ERROR, FALSE, LIST_OPS, NUMERIC_OPS, OPERATORS, STRING_OPS, TRUE, type Tri } from './operators.js';
import type { CompiledRegex } from './regex.js';
import type { Loc, Problems } from './problems.js';

export type Expr = (ctx: CallContext) => Tri;

export const MAX_TS_DEPTH = 50;

export interface ExprOptions {
  sdk: Sdk;
  strict: boolean;
  contractType: 'pre' | 'post';
  problems: Problems;
  /** Regexes of `output.text` leaves (Python redaction). */
  outputRegexes: CompiledRegex[];
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const errorExpr = (why: string): Expr => (ctx) => {
  ctx.lastError = why;
  return ERROR;
};

export function compileExpression(node: unknown, loc: Loc, depth: number, o: ExprOptions): Expr {
  if (depth > MAX_TS_DEPTH) {
    if (o.sdk === 'typescript') o.problems.error(loc, `expression nesting exceeds maximum depth of ${MAX_TS_DEPTH}`);
    else if (depth === MAX_TS_DEPTH + 1) o.problems.warn(loc, `expression nesting deeper than ${MAX_TS_DEPTH}: the TypeScript SDK refuses this bundle`, 'ts-expression-depth');
  }
  if (!isMapping(node)) {
    o.problems.error(loc, 'expression must be a mapping');
    return errorExpr('not a mapping');
  }
  for (const key of ['all', 'any'] as const) {
    if (!(key in node)) continue;
    extraKeys(node, key, loc, o);
    const items = node[key];
    if (!Array.isArray(items) || items.length === 0) {
      o.problems.error([...loc, key], `'${key}' requires a non-empty array`);
      return errorExpr(`empty ${key}`);
    }
    const kids = items.map((item, i) => compileExpression(item, [...loc, key, i], depth + 1, o));
    return key === 'all' ? allOf(kids) : anyOf(kids);
  }
  if ('not' in node) {
    extraKeys(node, 'not', loc, o);
    if (!isMapping(node.not)) {
      o.problems.error([...loc, 'not'], "'not' requires a mapping");
      return errorExpr('bad not');
    }
    const kid = compileExpression(node.not, [...loc, 'not'], depth + 1, o);
    return (ctx) => {
      const r = kid(ctx);
      return r === ERROR ? ERROR : r === TRUE ? FALSE : TRUE;
    };
  }
  return compileLeaf(node, loc, o);
}

function extraKeys(node: Record<string, unknown>, key: string, loc: Loc, o: ExprOptions): void {
  for (const k of Object.keys(node)) {
    if (k !== key) o.problems.schema(o.strict, [...loc, k], `'${k}' next to '${key}' is ignored`, 'schema-expression-keys');
  }
}

function allOf(kids: Expr[]): Expr {
  return (ctx) => {
    for (const k of kids) {
      const r = k(ctx);
      if (r !== TRUE) return r;
    }
    return TRUE;
  };
}

function anyOf(kids: Expr[]): Expr {
  return (ctx) => {
    for (const k of kids) {
      const r = k(ctx);
      if (r !== FALSE) return r;
    }
    return FALSE;
  };
}

function checkOperand(op: string, operand: unknown, loc: Loc, o: ExprOptions): boolean {
  if (NUMERIC_OPS.has(op) && (typeof operand !== 'number' || !Number.isFinite(operand))) {
    o.problems.error(loc, `operator '${op}' requires a number`);
    return false;
  }
  if (STRING_OPS.has(op) && typeof operand !== 'string') {
    o.problems.error(loc, `operator '${op}' requires a string`);
    return false;
  }
  if (LIST_OPS.has(op)) {
    if (!Array.isArray(operand) || operand.length === 0) {
      o.problems.error(loc, `operator '${op}' requires a non-empty array`);
      return false;
    }
    if ((op === 'contains_any' || op === 'matches_any') && operand.some((x) => typeof x !== 'string')) {
      o.problems.error(loc, `operator '${op}' requires an array of strings`);
      return false;
    }
  }
  if (op === 'matches' && typeof operand !== 'string') {
    o.problems.error(loc, `operator 'matches' requires a string`);
    return false;
  }
  if (op === 'matches' && operand === '') o.problems.schema(o.strict, loc, "operator 'matches' needs a non-empty pattern", 'schema-matches-empty');
  if (op === 'exists' && typeof operand !== 'boolean') o.problems.schema(o.strict, loc, "operator 'exists' requires true or false (anything else never matches)", 'schema-exists-boolean');
  if ((op === 'equals' || op === 'not_equals') && (Array.isArray(operand) || isMapping(operand))) {
    o.problems.warn(loc, `'${op}' with a list or mapping compares by content in Python and never matches in the TypeScript SDK`, 'sdk-equals-container');
  }
  return true;
}

const SELECTOR_RE = /^(args\.[^.]+(\..+)?|metadata\.[^.]+(\..+)?|env\.[^.]+|principal\.(user_id|service_id|org_id|role|ticket_ref)|principal\.claims\..+|tool\.name|environment|output\.text)$/;

export function knownSelector(s: string): boolean {
  return SELECTOR_RE.test(s);
}

function compileLeaf(node: Record<string, unknown>, loc: Loc, o: ExprOptions): Expr {
  const keys = Object.keys(node);
  if (keys.length !== 1) {
    o.problems.schema(o.strict, loc, keys.length === 0 ? 'expression is empty (it fails closed on every call)' : 'a leaf must have exactly one selector (it fails closed on every call)', 'schema-leaf-shape');
    return errorExpr(keys.length === 0 ? 'empty expression' : 'leaf with several selectors');
  }
  const selector = keys[0] as string;
  const ops = node[selector];
  const at = [...loc, selector];
  if (selector === 'output.text' && o.contractType === 'pre') {
    o.problems.error(at, 'output.text selector is not available in type: pre contracts');
  }
  if (Array.isArray(ops)) {
    o.problems.error(at, 'selector value must be an operator mapping');
    return errorExpr('bad leaf');
  }
  if (!knownSelector(selector)) o.problems.warn(at, `selector '${selector}' is not one the SDKs resolve: it is always missing`, 'unknown-selector');
  const resolve = compileSelector(selector, o.sdk);
  if (!isMapping(ops)) {
    o.problems.schema(o.strict, at, 'selector value must be an operator mapping', 'schema-operator-block');
    // TS reads a bare string's characters as operator names: error when the field exists.
    return (ctx) => {
      if (resolve(ctx) === MISSING) return FALSE;
      ctx.lastError = 'operator block is not a mapping';
      return ERROR;
    };
  }
  const opNames = Object.keys(ops);
  if (opNames.length !== 1) o.problems.schema(o.strict, at, opNames.length === 0 ? 'operator block is empty' : 'operator block has several operators (the TypeScript SDK uses only the first)', 'schema-operator-count');
  let first: Expr | null = null;
  for (const op of opNames) {
    const opLoc = [...at, op];
    if (!OPERATORS.has(op)) {
      o.problems.error(opLoc, `unknown operator '${op}'`);
      continue;
    }
    if (!checkOperand(op, ops[op], opLoc, o)) continue;
    const regexes = selector === 'output.text' ? o.outputRegexes : [];
    const test = compileOperator(op, ops[op], o.sdk, regexes);
    if (typeof test === 'string') {
      o.problems.error(opLoc, test);
      continue;
    }
    if (first !== null) continue;
    const why = { error: null as string | null };
    const exists = op === 'exists';
    first = (ctx) => {
      const v = resolve(ctx);
      if (v === MISSING && !exists) return FALSE;
      const r = test(v, why);
      if (r === ERROR) ctx.lastError = `${selector}: ${why.error ?? 'type mismatch'}`;
      return r;
    };
  }
  return first ?? errorExpr('no usable operator');
}

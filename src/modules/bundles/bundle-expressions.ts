/**
 * YAML-AST helpers shared by the bundle validator, and validation of contract
 * `when` expressions (combinators, selectors, operators, regexes).
 *
 * Everything here works on `yaml` document nodes (not on plain JS values) so
 * that every problem can be reported with the line its node starts on.
 */
import { isMap, isScalar, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';

export type Loc = (string | number)[];

/** What the validators need from the surrounding validation run. */
export interface Walker {
  /** Record a problem at `loc`, located at `node` (a yaml node, or null when unknown). */
  report(loc: Loc, msg: string, node: unknown): void;
  /** Follow an alias to the node it refers to; other nodes come back unchanged. */
  resolve(node: unknown): unknown;
}

export interface Entry {
  key: string;
  keyNode: unknown;
  /** The value node, aliases already resolved; null when the pair has no value node. */
  value: unknown;
  loc: Loc;
}

/** Maximum nesting of `when` expressions (the root expression is level 1). */
export const MAX_EXPRESSION_DEPTH = 50;
const MAX_REGEX_ERROR_CHARS = 200;

// ---------------------------------------------------------------------------
// Generic node helpers
// ---------------------------------------------------------------------------

/** The key/value pairs of a mapping, keys stringified the way js-yaml does. */
export function mapEntries(w: Walker, map: YAMLMap, loc: Loc): Entry[] {
  const out: Entry[] = [];
  const seen = new Set<string>();
  for (const pair of map.items) {
    const keyNode = w.resolve(pair.key);
    if (!isScalar(keyNode)) {
      w.report(loc, 'mapping keys must be plain scalars', keyNode ?? map);
      continue;
    }
    const key = String(keyNode.value);
    if (seen.has(key)) {
      w.report([...loc, key], 'duplicate mapping key', keyNode);
      continue;
    }
    seen.add(key);
    out.push({ key, keyNode, value: w.resolve(pair.value), loc: [...loc, key] });
  }
  return out;
}

/** The fields of one mapping node, with helpers for required and optional keys. */
export class Fields {
  private readonly byKey: Map<string, Entry>;

  private constructor(
    private readonly w: Walker,
    readonly node: YAMLMap,
    readonly loc: Loc,
  ) {
    this.byKey = new Map(mapEntries(w, node, loc).map((e) => [e.key, e]));
  }

  /** Fields of `node`, or null (after reporting) when it is not a mapping. */
  static of(w: Walker, node: unknown, loc: Loc, at: unknown = node): Fields | null {
    const map = expectMap(w, node, loc, at);
    return map ? new Fields(w, map, loc) : null;
  }

  get entries(): Entry[] {
    return [...this.byKey.values()];
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get(key: string): Entry | undefined {
    return this.byKey.get(key);
  }

  /** Report every missing key as `<loc>.<key>: is required`, located at this mapping. */
  require(...keys: string[]): void {
    for (const key of keys) {
      if (!this.byKey.has(key)) this.w.report([...this.loc, key], 'is required', this.node);
    }
  }

  /** Run `check` on the entry for `key` when present; returns its result or null. */
  with<T>(key: string, check: (e: Entry) => T): T | null {
    const e = this.byKey.get(key);
    return e ? check(e) : null;
  }

  /** The nested mapping at `key` (null when absent or not a mapping). */
  sub(key: string, required: boolean): Fields | null {
    const e = this.byKey.get(key);
    if (!e) {
      if (required) this.require(key);
      return null;
    }
    return Fields.of(this.w, e.value, e.loc, valueNode(e));
  }
}

/** The node a problem about this entry's value should point at. */
export function valueNode(e: Entry): unknown {
  return e.value ?? e.keyNode;
}

export function expectMap(w: Walker, node: unknown, loc: Loc, at: unknown = node): YAMLMap | null {
  if (isMap(node)) return node;
  w.report(loc, 'must be a mapping', at);
  return null;
}

export function expectSeq(w: Walker, node: unknown, loc: Loc, at: unknown = node): YAMLSeq | null {
  if (isSeq(node)) return node;
  w.report(loc, 'must be a list', at);
  return null;
}

/** The JS value of a scalar node, or undefined for collections and missing nodes. */
export function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : undefined;
}

export function expectString(w: Walker, e: Entry): string | null {
  const v = scalarValue(e.value);
  if (typeof v === 'string') return v;
  w.report(e.loc, 'must be a string', valueNode(e));
  return null;
}

export function expectBoolean(w: Walker, e: Entry): void {
  if (typeof scalarValue(e.value) !== 'boolean')
    w.report(e.loc, 'must be a boolean (true or false)', valueNode(e));
}

export function expectEnum(w: Walker, e: Entry, allowed: readonly string[]): string | null {
  const v = scalarValue(e.value);
  if (typeof v === 'string' && allowed.includes(v)) return v;
  w.report(e.loc, `must be one of ${allowed.join(', ')}`, valueNode(e));
  return null;
}

export function expectExact(w: Walker, e: Entry, expected: string): void {
  if (scalarValue(e.value) !== expected) w.report(e.loc, `must be ${expected}`, valueNode(e));
}

export function expectPositiveInt(w: Walker, e: Entry, max?: number): void {
  const v = scalarValue(e.value);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    w.report(e.loc, 'must be a positive integer', valueNode(e));
  } else if (max !== undefined && v > max) {
    w.report(e.loc, `must be at most ${max}`, valueNode(e));
  }
}

/** A list of strings; returns the strings (null when the shape is wrong). */
export function expectStringList(
  w: Walker,
  e: Entry,
  opts: { nonEmpty: boolean },
): string[] | null {
  const seq = expectSeq(w, e.value, e.loc, valueNode(e));
  if (!seq) return null;
  if (opts.nonEmpty && seq.items.length === 0) {
    w.report(e.loc, 'must be a non-empty list', seq);
    return null;
  }
  const out: string[] = [];
  seq.items.forEach((item, i) => {
    const node = w.resolve(item);
    const v = scalarValue(node);
    if (typeof v === 'string' && v.length > 0) out.push(v);
    else w.report([...e.loc, i], 'must be a non-empty string', node ?? seq);
  });
  return out.length === seq.items.length ? out : null;
}

// ---------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------

const COMBINATORS = new Set(['all', 'any', 'not']);
const PRINCIPAL_FIELDS = new Set(['user_id', 'service_id', 'org_id', 'role', 'ticket_ref']);
const PATH_SEGMENTS = /^[^.]+(\.[^.]+)*$/;
const SELECTOR_HINT =
  'unknown selector; use environment, tool.name, args.<path>, principal.<field>, ' +
  'principal.claims.<path>, output.text, env.<VAR> or metadata.<path>';

type OperatorCheck = (w: Walker, e: Entry) => void;

function checkScalar(w: Walker, e: Entry): void {
  const t = typeof scalarValue(e.value);
  if (t !== 'string' && t !== 'number' && t !== 'boolean') {
    w.report(e.loc, 'must be a scalar (string, number or boolean)', valueNode(e));
  }
}

function checkNonEmptyList(w: Walker, e: Entry): void {
  const seq = expectSeq(w, e.value, e.loc, valueNode(e));
  if (seq && seq.items.length === 0) w.report(e.loc, 'must be a non-empty list', seq);
}

function checkString(w: Walker, e: Entry): void {
  expectString(w, e);
}

function checkNumber(w: Walker, e: Entry): void {
  const v = scalarValue(e.value);
  if (typeof v !== 'number' || Number.isNaN(v)) w.report(e.loc, 'must be a number', valueNode(e));
}

function regexError(pattern: string): string | null {
  try {
    new RegExp(pattern);
    return null;
  } catch (err) {
    const text = (err instanceof Error ? err.message : String(err)).replace(
      /^Invalid regular expression: /,
      '',
    );
    return text.length > MAX_REGEX_ERROR_CHARS ? `${text.slice(0, MAX_REGEX_ERROR_CHARS)}…` : text;
  }
}

function checkRegex(w: Walker, node: unknown, loc: Loc, at: unknown): void {
  const v = scalarValue(node);
  if (typeof v !== 'string' || v.length === 0) {
    w.report(loc, 'must be a non-empty string (a regular expression)', at);
    return;
  }
  const error = regexError(v);
  if (error !== null) w.report(loc, `invalid regular expression: ${error}`, at);
}

function checkRegexList(w: Walker, e: Entry): void {
  const seq = expectSeq(w, e.value, e.loc, valueNode(e));
  if (!seq) return;
  if (seq.items.length === 0) w.report(e.loc, 'must be a non-empty list', seq);
  seq.items.forEach((item, i) => {
    const node = w.resolve(item);
    checkRegex(w, node, [...e.loc, i], node ?? seq);
  });
}

const OPERATORS: ReadonlyMap<string, OperatorCheck> = new Map<string, OperatorCheck>([
  ['exists', expectBoolean],
  ['equals', checkScalar],
  ['not_equals', checkScalar],
  ['in', checkNonEmptyList],
  ['not_in', checkNonEmptyList],
  ['contains_any', (w, e) => void expectStringList(w, e, { nonEmpty: true })],
  ['contains', checkString],
  ['starts_with', checkString],
  ['ends_with', checkString],
  ['matches', (w, e) => checkRegex(w, e.value, e.loc, valueNode(e))],
  ['matches_any', checkRegexList],
  ['gt', checkNumber],
  ['gte', checkNumber],
  ['lt', checkNumber],
  ['lte', checkNumber],
]);

/** Whether `selector` names something the SDK can resolve. */
export function isKnownSelector(selector: string): boolean {
  if (selector === 'environment' || selector === 'tool.name' || selector === 'output.text')
    return true;
  const dot = selector.indexOf('.');
  if (dot < 0) return false;
  const head = selector.slice(0, dot);
  const rest = selector.slice(dot + 1);
  switch (head) {
    case 'args':
    case 'metadata':
      return PATH_SEGMENTS.test(rest);
    case 'env':
      return rest.length > 0;
    case 'principal':
      if (PRINCIPAL_FIELDS.has(rest)) return true;
      return rest.startsWith('claims.') && PATH_SEGMENTS.test(rest.slice('claims.'.length));
    default:
      return false;
  }
}

function validateLeaf(w: Walker, entry: Entry, contractType: string): void {
  if (!isKnownSelector(entry.key)) {
    w.report(entry.loc, SELECTOR_HINT, entry.keyNode);
  } else if (entry.key === 'output.text' && contractType === 'pre') {
    w.report(
      entry.loc,
      'output.text is not available in pre contracts (use a post contract)',
      entry.keyNode,
    );
  }
  const opMap = isMap(entry.value) ? entry.value : null;
  if (!opMap) {
    w.report(
      entry.loc,
      'must be a mapping of one operator to its value, e.g. {equals: x}',
      valueNode(entry),
    );
    return;
  }
  const ops = mapEntries(w, opMap, entry.loc);
  if (ops.length !== 1) w.report(entry.loc, 'must have exactly one operator', opMap);
  for (const op of ops) {
    const check = OPERATORS.get(op.key);
    if (check) check(w, op);
    else
      w.report(
        op.loc,
        `unknown operator; use one of ${[...OPERATORS.keys()].join(', ')}`,
        op.keyNode,
      );
  }
}

function validateCombinator(w: Walker, entry: Entry, depth: number, contractType: string): void {
  if (entry.key === 'not') {
    validateExpression(w, entry.value, entry.loc, depth + 1, contractType, entry.keyNode);
    return;
  }
  const seq = expectSeq(w, entry.value, entry.loc, valueNode(entry));
  if (!seq) return;
  if (seq.items.length === 0) w.report(entry.loc, 'must be a non-empty list of expressions', seq);
  seq.items.forEach((item, i) => {
    validateExpression(w, w.resolve(item), [...entry.loc, i], depth + 1, contractType, seq);
  });
}

/**
 * Validate one expression node (`all`/`any`/`not` or a selector leaf).
 * `depth` is 1 for a contract's `when`; `fallback` locates problems when the
 * node itself is missing.
 */
export function validateExpression(
  w: Walker,
  node: unknown,
  loc: Loc,
  depth: number,
  contractType: string,
  fallback: unknown = null,
): void {
  if (depth > MAX_EXPRESSION_DEPTH) {
    w.report(loc, `expressions may nest at most ${MAX_EXPRESSION_DEPTH} levels`, node ?? fallback);
    return;
  }
  const map = isMap(node) ? node : null;
  if (!map) {
    w.report(
      loc,
      'must be an expression mapping (all, any, not or {selector: {operator: value}})',
      node ?? fallback,
    );
    return;
  }
  const entries = mapEntries(w, map, loc);
  if (entries.length === 0) {
    w.report(loc, 'must not be an empty expression', map);
    return;
  }
  const hasCombinator = entries.some((e) => COMBINATORS.has(e.key));
  if (entries.length > 1) {
    const msg = hasCombinator
      ? 'all, any and not must be the only key of their expression'
      : 'must have exactly one selector (combine several with all or any)';
    w.report(loc, msg, map);
  }
  for (const entry of entries) {
    if (COMBINATORS.has(entry.key)) validateCombinator(w, entry, depth, contractType);
    else validateLeaf(w, entry, contractType);
  }
}

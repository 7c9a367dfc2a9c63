/**
 * Bundle text to a plain value, bounded: size, alias expansion (billion laughs), nesting depth,
 * YAML 1.2 core for the TS SDK and YAML 1.1 for Python (`yes`/`no`, merge keys). Duplicate keys
 * are refused in both (the TS loader refuses them; PyYAML keeps the last, which hides mistakes).
 * Keeps the document so each problem can be given the line of its node.
 */
import { Buffer } from 'node:buffer';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { Sdk } from './engine.js';
import type { Loc, Problems } from './problems.js';

/**
 * The yaml package's 1.1 schema reads more plain scalars as numbers than PyYAML's resolver does
 * (the Python SDK's reader): `e0`, `1e5`, `.` and `09` are numbers there and strings in PyYAML,
 * so an id like `e0` would wrongly be refused. Its float and decimal-int tests are replaced by
 * PyYAML 6's (`resolver.py`); sexagesimal numbers (`1:20`) stay strings here, a PyYAML oddity
 * no bundle relies on.
 */
const PY_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)$/;
const PY_FLOAT_EXP = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)[eE][-+][0-9]+$/;
const PY_INT = /^[-+]?(?:0|[1-9][0-9_]*)$/;
type ScalarTag = { tag: string; format?: string; test?: RegExp };
function pyyamlScalars<T>(tags: T[]): T[] {
  return tags.map((t) => {
    const s = t as unknown as ScalarTag;
    if (!(s.test instanceof RegExp)) return t;
    if (s.tag === 'tag:yaml.org,2002:float' && s.format === 'EXP') return { ...s, test: PY_FLOAT_EXP } as T;
    if (s.tag === 'tag:yaml.org,2002:float' && s.format === undefined && !s.test.source.includes('inf')) return { ...s, test: PY_FLOAT } as T;
    if (s.tag === 'tag:yaml.org,2002:int' && s.format === undefined) return { ...s, test: PY_INT } as T;
    return t;
  });
}

export const MAX_BUNDLE_BYTES = 1_048_576;
/** Alias expansion budget per anchor handed to yaml's toJS. */
const MAX_ALIAS_COUNT = 100;
export const MAX_DEPTH = 128;

export interface ParsedSource {
  value: unknown;
  lineOf(loc: Loc): number | null;
}

function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  let visited = 0;
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (d > max) return true;
    if (++visited > 2_000_000) return true;
    if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) stack.push([x, d + 1]);
  }
  return false;
}

/**
 * Flow-collection nesting found by a linear scan before parsing: the parser recurses per level
 * and a deeply nested document costs a stack overflow, so it is refused without parsing.
 * Quotes and comments are skipped roughly (a false alarm needs 128 unbalanced brackets).
 */
function flowDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== '') {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"') i += 1;
      else if (c === '\n') quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > max) return true;
    } else if ((c === ']' || c === '}') && depth > 0) depth -= 1;
  }
  return false;
}

function yamlMessage(code: string, message: string): string {
  if (code === 'DUPLICATE_KEY') return 'YAML parse error: duplicate mapping key';
  if (code === 'MULTIPLE_DOCS') return 'YAML parse error: a bundle must be a single YAML document';
  const first = message.split('\n')[0] ?? '';
  return `YAML parse error: ${first.length > 200 ? `${first.slice(0, 200)}…` : first}`;
}

export function lineFinder(doc: Document | null, lines: LineCounter): (loc: Loc) => number | null {
  return (loc) => {
    if (!doc) return null;
    for (let n = loc.length; n >= 0; n--) {
      const node = doc.getIn(loc.slice(0, n), true);
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    }
    return null;
  };
}

export function parseSource(text: string, sdk: Sdk, problems: Problems): ParsedSource | null {
  if (typeof text !== 'string') {
    problems.error([], 'YAML document must be a string');
    return null;
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_BUNDLE_BYTES) {
    problems.error([], `bundle exceeds ${MAX_BUNDLE_BYTES} bytes (got ${bytes})`);
    return null;
  }
  if (flowDepthExceeds(text, MAX_DEPTH)) {
    problems.error([], `YAML document nests deeper than ${MAX_DEPTH} levels`);
    return null;
  }
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      version: sdk === 'python' ? '1.1' : '1.2',
      schema: sdk === 'python' ? 'yaml-1.1' : 'core',
      merge: sdk === 'python',
      ...(sdk === 'python' ? { customTags: pyyamlScalars } : {}),
      lineCounter: lines,
      prettyErrors: false,
      uniqueKeys: true,
    });
  } catch {
    problems.error([], 'YAML parse error: the document nests too deeply');
    return null;
  }
  const lineOf = lineFinder(doc, lines);
  // Unresolved tags are warnings to the yaml package; both SDKs' safe loaders refuse them.
  const errs = [...doc.errors, ...doc.warnings];
  if (errs.length > 0) {
    for (const e of errs.slice(0, 10)) {
      const before = problems.errors.length;
      problems.error([], yamlMessage(e.code, e.message));
      const p = problems.errors[before];
      if (p) p.line = lines.linePos(e.pos[0]).line;
    }
    return null;
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const bomb = err instanceof Error && err.message.startsWith('Excessive alias count');
    problems.error([], bomb ? 'YAML aliases expand too much (possible resource exhaustion attack)' : 'YAML parse error: the document nests too deeply');
    return null;
  }
  if (depthExceeds(value, MAX_DEPTH)) {
    problems.error([], `YAML document nests deeper than ${MAX_DEPTH} levels`);
    return null;
  }
  return { value, lineOf };
}

/**
 * Validator for edictum/v1 ContractBundle YAML (pure code, no I/O).
 *
 * Follows the rules of the edictum core YAML engine (see
 * docs: sdk-contract.md §11). It reports every problem it finds (up to 100),
 * each with a path, a short message and the 1-based line of the offending node.
 * It never throws.
 */
import { Buffer } from 'node:buffer';
import {
  isAlias,
  isMap,
  isNode,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type YAMLError,
} from 'yaml';
import {
  expectBoolean,
  expectEnum,
  expectExact,
  expectMap,
  expectPositiveInt,
  expectSeq,
  expectString,
  expectStringList,
  Fields,
  validateExpression,
  valueNode,
  type Entry,
  type Loc,
  type Walker,
} from './bundle-expressions.js';

export interface BundleProblem {
  loc: (string | number)[];
  path: string;
  msg: string;
  line: number | null;
}

export type ContractMode = 'enforce' | 'observe';

export interface ContractSummary {
  id: string;
  type: string;
  tool: string | string[] | null;
  mode: ContractMode;
}

export type BundleValidation =
  | {
      ok: true;
      name: string;
      contractCount: number;
      contracts: ContractSummary[];
      defaultsMode: ContractMode;
    }
  | { ok: false; problems: BundleProblem[] };

export const MAX_BUNDLE_BYTES = 1_048_576;
export const MAX_PROBLEMS = 100;
/** Problems kept before sorting by line; the walk is close to document order, so this is plenty. */
const MAX_COLLECTED = 10 * MAX_PROBLEMS;
export const MAX_CONTRACTS = 1000;
const MAX_NAME_LENGTH = 128;
const MAX_MESSAGE_CHARS = 500;
const MAX_APPROVAL_TIMEOUT = 86_400;
/** Per-anchor alias expansion budget handed to yaml's toJS (billion-laughs guard). */
const MAX_ALIAS_EXPANSION = 100;
/** Total number of alias nodes allowed in one document. */
const MAX_ALIASES = 1000;
/** Nodes the walk may visit through aliases (each alias costs the size of what it points to). */
const MAX_ALIASED_NODES = 200_000;
const ALIAS_BOMB_MSG = 'aliases expand too much (possible resource exhaustion attack)';

const NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;
const CONTRACT_ID_RE = /^[a-z0-9][a-z0-9_-]*$/;
const MODES = ['enforce', 'observe'] as const;
const CONTRACT_TYPES = ['pre', 'post', 'session', 'sandbox'];
const SIDE_EFFECTS = ['pure', 'read', 'write', 'irreversible'];
const PRE_EFFECTS = ['deny', 'approve'];
const POST_EFFECTS = ['warn', 'redact', 'deny'];
const SESSION_LIMITS = ['max_tool_calls', 'max_attempts', 'max_calls_per_tool'];
const TOP_LEVEL_REQUIRED = ['apiVersion', 'kind', 'metadata', 'defaults', 'contracts'];
const TOP_LEVEL_KEYS = new Set([
  ...TOP_LEVEL_REQUIRED,
  'tools',
  'observability',
  'observe_alongside',
]);
const CORE_TAGS = new Set(
  ['str', 'seq', 'map', 'null', 'bool', 'int', 'float'].map((t) => `tag:yaml.org,2002:${t}`),
);
const DOC_PATH = 'yaml_content';

// ---------------------------------------------------------------------------
// Problem collection
// ---------------------------------------------------------------------------

/** `["contracts", 1, "then"]` -> `contracts[1].then`; odd keys are quoted: `when["args.path"]`. */
export function formatPath(loc: Loc): string {
  let out = '';
  for (const part of loc) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Thrown by the walk when aliases make it visit too many nodes. */
class AliasBudgetExceeded extends Error {}

/** Number of nodes under `node`, counting each alias as one node. */
function subtreeSize(node: unknown): number {
  if (isMap(node)) {
    return node.items.reduce((n, pair) => n + subtreeSize(pair.key) + subtreeSize(pair.value), 1);
  }
  if (isSeq(node)) return node.items.reduce((n: number, item) => n + subtreeSize(item), 1);
  return 1;
}

class Run implements Walker {
  readonly problems: BundleProblem[] = [];
  private readonly aliasTargets = new Map<unknown, unknown>();
  private readonly targetSizes = new Map<unknown, number>();
  private aliasedNodes = 0;

  constructor(private readonly lines: LineCounter) {}

  lineAt(offset: number | undefined): number | null {
    if (offset === undefined) return null;
    return Math.max(1, this.lines.linePos(offset).line);
  }

  report(loc: Loc, msg: string, node: unknown): void {
    if (this.problems.length >= MAX_COLLECTED) return;
    const range = isNode(node) ? node.range : undefined;
    this.problems.push({ loc, path: formatPath(loc), msg, line: this.lineAt(range?.[0]) });
  }

  reportDoc(msg: string, offset?: number): void {
    if (this.problems.length >= MAX_COLLECTED) return;
    this.problems.push({ loc: [], path: DOC_PATH, msg, line: this.lineAt(offset) });
  }

  bindAlias(alias: unknown, target: unknown): void {
    this.aliasTargets.set(alias, target);
  }

  resolve(node: unknown): unknown {
    if (!isAlias(node)) return node;
    const target = this.aliasTargets.get(node) ?? null;
    let size = this.targetSizes.get(target);
    if (size === undefined) {
      size = subtreeSize(target);
      this.targetSizes.set(target, size);
    }
    this.aliasedNodes += size;
    if (this.aliasedNodes > MAX_ALIASED_NODES) throw new AliasBudgetExceeded(ALIAS_BOMB_MSG);
    return target;
  }
}

/** Problems in document order (stable sort by line; unknown lines last), capped. */
function fail(problems: BundleProblem[]): BundleValidation {
  const byLine = (p: BundleProblem): number => p.line ?? Number.MAX_SAFE_INTEGER;
  const sorted = [...problems].sort((a, b) => byLine(a) - byLine(b));
  return { ok: false, problems: sorted.slice(0, MAX_PROBLEMS) };
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

function yamlErrorMessage(err: YAMLError): string {
  if (err.code === 'MULTIPLE_DOCS') return 'must contain exactly one YAML document';
  if (err.code === 'DUPLICATE_KEY') return 'duplicate mapping key';
  if (err.code === 'RESOURCE_EXHAUSTION') return 'invalid YAML: nesting is too deep';
  const first = err.message.split('\n')[0] ?? '';
  return `invalid YAML: ${first.length > 200 ? `${first.slice(0, 200)}…` : first}`;
}

/** Parse errors, unsupported tags, unresolved aliases and alias bombs; binds aliases. */
function checkDocument(run: Run, doc: Document.Parsed): void {
  const seen = new Set<string>();
  for (const err of [...doc.errors, ...doc.warnings]) {
    const msg = yamlErrorMessage(err);
    const key = `${err.pos[0]}:${msg}`;
    if (seen.has(key)) continue;
    seen.add(key);
    run.reportDoc(msg, err.pos[0]);
  }
  if (run.problems.length > 0) return;

  const anchors = new Map<string, unknown>();
  let aliases = 0;
  visit(doc, {
    Node(_key, node) {
      if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
        run.reportDoc(`unsupported tag ${node.tag}`, node.range?.[0]);
      }
      if (isAlias(node)) {
        aliases += 1;
        const target = anchors.get(node.source);
        if (target === undefined) run.reportDoc(`unknown alias *${node.source}`, node.range?.[0]);
        run.bindAlias(node, target ?? null);
      } else if (node.anchor !== undefined) {
        anchors.set(node.anchor, node);
      }
    },
  });
  if (aliases > MAX_ALIASES) run.reportDoc(`must not use more than ${MAX_ALIASES} aliases`);
  if (run.problems.length > 0) return;
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (err) {
    const excessive = err instanceof Error && err.message.startsWith('Excessive alias count');
    run.reportDoc(excessive ? ALIAS_BOMB_MSG : 'could not be resolved (nesting is too deep)');
  }
}

// ---------------------------------------------------------------------------
// Bundle structure
// ---------------------------------------------------------------------------

function checkSlug(run: Run, e: Entry, re: RegExp, what: string): string | null {
  const v = expectString(run, e);
  if (v === null) return null;
  if (v.length > MAX_NAME_LENGTH) {
    run.report(e.loc, `must be at most ${MAX_NAME_LENGTH} characters`, valueNode(e));
    return null;
  }
  if (!re.test(v)) {
    run.report(e.loc, `must be ${what} matching ${re.source}`, valueNode(e));
    return null;
  }
  return v;
}

function checkMessage(run: Run, e: Entry): void {
  const v = expectString(run, e);
  if (v !== null && [...v].length > MAX_MESSAGE_CHARS) {
    run.report(e.loc, `must be at most ${MAX_MESSAGE_CHARS} characters`, valueNode(e));
  }
}

function checkTools(run: Run, top: Fields): void {
  const tools = top.sub('tools', false);
  for (const tool of tools?.entries ?? []) {
    const def = Fields.of(run, tool.value, tool.loc, valueNode(tool));
    def?.require('side_effect');
    def?.with('side_effect', (e) => expectEnum(run, e, SIDE_EFFECTS));
    def?.with('idempotent', (e) => expectBoolean(run, e));
  }
}

/** `then` of pre/post/session contracts: effect, message, tags, metadata (+ approval fields). */
function checkThen(run: Run, contract: Fields, type: string): void {
  const then = contract.sub('then', true);
  if (!then) return;
  if (type === 'session') {
    then.require('effect', 'message');
    then.with('effect', (e) => expectExact(run, e, 'deny'));
  } else {
    then.require('effect');
    then.with('effect', (e) => expectEnum(run, e, type === 'pre' ? PRE_EFFECTS : POST_EFFECTS));
  }
  then.with('message', (e) => checkMessage(run, e));
  then.with('tags', (e) => expectStringList(run, e, { nonEmpty: false }));
  then.with('metadata', (e) => expectMap(run, e.value, e.loc, valueNode(e)));
  if (type !== 'pre') return;
  then.with('timeout', (e) => expectPositiveInt(run, e, MAX_APPROVAL_TIMEOUT));
  then.with('timeout_effect', (e) => expectEnum(run, e, ['deny', 'allow']));
}

function checkToolName(run: Run, e: Entry): string | null {
  const tool = expectString(run, e);
  if (tool === '') run.report(e.loc, 'must not be empty', valueNode(e));
  return tool;
}

function checkPrePost(run: Run, c: Fields, type: string): string | null {
  c.require('tool', 'when');
  const tool = c.with('tool', (e) => checkToolName(run, e));
  c.with('when', (e) => validateExpression(run, e.value, e.loc, 1, type, e.keyNode));
  checkThen(run, c, type);
  return tool;
}

function checkSession(run: Run, c: Fields): void {
  const limits = c.sub('limits', true);
  if (limits) {
    if (!SESSION_LIMITS.some((k) => limits.has(k))) {
      run.report(limits.loc, `must set at least one of ${SESSION_LIMITS.join(', ')}`, limits.node);
    }
    limits.with('max_tool_calls', (e) => expectPositiveInt(run, e));
    limits.with('max_attempts', (e) => expectPositiveInt(run, e));
    const perTool = limits.sub('max_calls_per_tool', false);
    if (perTool && perTool.entries.length === 0) {
      run.report(perTool.loc, 'must map at least one tool to a limit', perTool.node);
    }
    for (const e of perTool?.entries ?? []) expectPositiveInt(run, e);
  }
  checkThen(run, c, 'session');
}

function checkSandbox(run: Run, c: Fields): string | string[] | null {
  if (!c.has('tool') && !c.has('tools'))
    run.report([...c.loc, 'tool'], 'is required (or tools)', c.node);
  if (c.has('tool'))
    c.with('tools', (e) => run.report(e.loc, 'use either tool or tools, not both', e.keyNode));
  const tool = c.with('tool', (e) => checkToolName(run, e));
  const tools = c.with('tools', (e) => expectStringList(run, e, { nonEmpty: true }));

  if (!c.has('within') && !c.has('allows')) run.report(c.loc, 'must set within or allows', c.node);
  c.with('within', (e) => expectStringList(run, e, { nonEmpty: true }));
  c.with('not_within', (e) => {
    if (!c.has('within')) run.report(e.loc, 'requires within', e.keyNode);
    expectStringList(run, e, { nonEmpty: false });
  });
  const allows = c.sub('allows', false);
  if (allows && !allows.has('commands') && !allows.has('domains')) {
    run.report(allows.loc, 'must set commands and/or domains', allows.node);
  }
  allows?.with('commands', (e) => expectStringList(run, e, { nonEmpty: true }));
  allows?.with('domains', (e) => expectStringList(run, e, { nonEmpty: true }));
  c.with('not_allows', (e) => {
    if (!c.has('allows')) run.report(e.loc, 'requires allows', e.keyNode);
  });
  const notAllows = c.sub('not_allows', false);
  notAllows?.with('domains', (e) => expectStringList(run, e, { nonEmpty: true }));

  c.require('message');
  c.with('message', (e) => checkMessage(run, e));
  c.with('outside', (e) => expectEnum(run, e, ['deny', 'approve']));
  return tools ?? tool;
}

function checkContract(
  run: Run,
  node: unknown,
  index: number,
  ids: Map<string, number>,
  defaultsMode: ContractMode,
): ContractSummary | null {
  const c = Fields.of(run, node, ['contracts', index]);
  if (!c) return null;
  c.require('id', 'type');
  const id = c.with('id', (e) => {
    const v = checkSlug(run, e, CONTRACT_ID_RE, 'a lowercase id');
    const first = v === null ? undefined : ids.get(v);
    if (first !== undefined) {
      const msg = `duplicate contract id "${v}" (first used by contracts[${first}])`;
      run.report(e.loc, msg, valueNode(e));
    } else if (v !== null) ids.set(v, index);
    return v;
  });
  const type = c.with('type', (e) => expectEnum(run, e, CONTRACT_TYPES));
  const mode = c.with('mode', (e) => expectEnum(run, e, MODES));
  c.with('enabled', (e) => expectBoolean(run, e));

  let tool: string | string[] | null = null;
  if (type === 'pre' || type === 'post') tool = checkPrePost(run, c, type);
  else if (type === 'session') checkSession(run, c);
  else if (type === 'sandbox') tool = checkSandbox(run, c);
  if (id === null || type === null) return null;
  return { id, type, tool, mode: (mode as ContractMode | null) ?? defaultsMode };
}

function checkContracts(run: Run, top: Fields, defaultsMode: ContractMode): ContractSummary[] {
  const entry = top.get('contracts');
  const seq = entry ? expectSeq(run, entry.value, entry.loc, valueNode(entry)) : null;
  if (!entry || !seq) return [];
  if (seq.items.length === 0) run.report(entry.loc, 'must contain at least one contract', seq);
  if (seq.items.length > MAX_CONTRACTS) {
    run.report(entry.loc, `must contain at most ${MAX_CONTRACTS} contracts`, seq);
  }
  const ids = new Map<string, number>();
  const out: ContractSummary[] = [];
  // Past the cap only the count is reported; validating the rest would just add noise.
  seq.items.slice(0, MAX_CONTRACTS).forEach((item, i) => {
    const summary = checkContract(run, run.resolve(item), i, ids, defaultsMode);
    if (summary) out.push(summary);
  });
  return out;
}

function checkBundle(run: Run, root: unknown): BundleValidation {
  if (!isMap(root)) {
    run.reportDoc('top level must be a mapping', isNode(root) ? root.range?.[0] : undefined);
    return fail(run.problems);
  }
  const top = Fields.of(run, root, []) as Fields;
  for (const e of top.entries) {
    if (TOP_LEVEL_KEYS.has(e.key)) continue;
    run.report(
      e.loc,
      `unknown top-level key; allowed: ${[...TOP_LEVEL_KEYS].join(', ')}`,
      e.keyNode,
    );
  }
  top.require(...TOP_LEVEL_REQUIRED);
  top.with('apiVersion', (e) => expectExact(run, e, 'edictum/v1'));
  top.with('kind', (e) => expectExact(run, e, 'ContractBundle'));

  const metadata = top.sub('metadata', false);
  metadata?.require('name');
  const name =
    metadata?.with('name', (e) => checkSlug(run, e, NAME_RE, 'a lowercase slug')) ?? null;

  const defaults = top.sub('defaults', false);
  defaults?.require('mode');
  const defaultsMode = (defaults?.with('mode', (e) => expectEnum(run, e, MODES)) ??
    null) as ContractMode | null;

  checkTools(run, top);
  top.with('observability', (e) => expectMap(run, e.value, e.loc, valueNode(e)));
  top.with('observe_alongside', (e) => expectBoolean(run, e));
  const contracts = checkContracts(run, top, defaultsMode ?? 'enforce');

  if (run.problems.length > 0 || name === null || defaultsMode === null) return fail(run.problems);
  return { ok: true, name, contractCount: contracts.length, contracts, defaultsMode };
}

// ---------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------

function validate(text: string): BundleValidation {
  const lines = new LineCounter();
  const run = new Run(lines);
  if (typeof text !== 'string') {
    run.reportDoc('must be a string');
    return fail(run.problems);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_BUNDLE_BYTES) {
    run.reportDoc(`must be at most ${MAX_BUNDLE_BYTES} bytes (got ${bytes})`);
    return fail(run.problems);
  }
  const doc = parseDocument(text, {
    schema: 'core',
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
  });
  checkDocument(run, doc);
  if (run.problems.length > 0) return fail(run.problems);
  return checkBundle(run, doc.contents);
}

/** Validate an edictum/v1 ContractBundle YAML text. Never throws. */
export function validateBundleYaml(text: string): BundleValidation {
  try {
    return validate(text);
  } catch (err) {
    if (err instanceof AliasBudgetExceeded) {
      return fail([{ loc: [], path: DOC_PATH, msg: ALIAS_BOMB_MSG, line: null }]);
    }
    const detail = err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
    return fail([
      { loc: [], path: DOC_PATH, msg: `could not be validated: ${detail}`, line: null },
    ]);
  }
}

/**
 * One contract: validated (TS loader checks always; the schema's extra rules as errors when
 * strict, as warnings otherwise) and compiled. Messages follow the TS loader's wording.
 */
import type { Sdk } from './engine.js';
import type { CContract, CRule, CSandbox, CSession, Mode } from './compiled.js';
import { compileExpression } from './expressions.js';
import { compileGlob } from './globs.js';
import type { Loc, Problems } from './problems.js';
import { compileDomains, compileRoots } from './sandbox.js';
import { compileTemplate } from './template.js';
import type { CompiledRegex } from './regex.js';

export const CONTRACT_ID_RE = /^[a-z0-9][a-z0-9_-]*$/;
const MAX_MESSAGE = 500;
const DEFAULT_APPROVAL_TIMEOUT = 300;

export interface ContractOptions {
  sdk: Sdk;
  strict: boolean;
  problems: Problems;
}

export const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const KEYS: Record<string, string[]> = {
  pre: ['id', 'type', 'enabled', 'mode', 'tool', 'when', 'then'],
  post: ['id', 'type', 'enabled', 'mode', 'tool', 'when', 'then'],
  session: ['id', 'type', 'enabled', 'mode', 'limits', 'then'],
  sandbox: ['id', 'type', 'enabled', 'mode', 'tool', 'tools', 'within', 'not_within', 'allows', 'not_allows', 'outside', 'message', 'timeout', 'timeout_effect'],
};
const THEN_KEYS: Record<string, string[]> = {
  pre: ['effect', 'message', 'tags', 'metadata', 'timeout', 'timeout_effect'],
  post: ['effect', 'message', 'tags', 'metadata'],
  session: ['effect', 'message', 'tags', 'metadata'],
};
const EFFECTS: Record<string, string[]> = { pre: ['deny', 'approve'], post: ['warn', 'redact', 'deny'], session: ['deny'] };
const EFFECT_MSG: Record<string, string> = {
  pre: "effect must be 'deny' or 'approve'",
  post: "effect must be 'warn', 'redact', or 'deny'",
  session: "effect must be 'deny'",
};

function unknownKeys(obj: Record<string, unknown>, allowed: string[], loc: Loc, o: ContractOptions, what: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) o.problems.schema(o.strict, [...loc, k], `unknown field '${k}' in ${what}`, 'schema-unknown-field');
  }
}

/** `message`: a string of at most 500 characters (TS); non-empty (schema). */
function checkMessage(v: unknown, loc: Loc, o: ContractOptions, required: string): string {
  if (v === undefined) {
    o.problems.error(loc, required);
    return '';
  }
  if (typeof v !== 'string') {
    o.problems.error(loc, typeof v === 'boolean' ? 'message must be a string (YAML 1.1 reads yes/no/on/off as booleans: quote it)' : 'message must be a string');
    return '';
  }
  if (v.length > MAX_MESSAGE) o.problems.error(loc, `message exceeds ${MAX_MESSAGE} characters`);
  if (v === '') o.problems.schema(o.strict, loc, 'message must not be empty', 'schema-message-empty');
  return v;
}

function checkMode(c: Record<string, unknown>, loc: Loc, o: ContractOptions): Mode | null {
  if (c.mode === undefined) return null;
  if (c.mode === 'enforce' || c.mode === 'observe') return c.mode;
  o.problems.schema(o.strict, [...loc, 'mode'], "mode must be 'enforce' or 'observe' (the TypeScript SDK treats anything else as enforce)", 'schema-mode');
  return 'enforce';
}

function checkApproval(obj: Record<string, unknown>, loc: Loc, o: ContractOptions): { timeoutSeconds: number; timeoutEffect: 'deny' | 'allow' } {
  let timeoutSeconds = DEFAULT_APPROVAL_TIMEOUT;
  let timeoutEffect: 'deny' | 'allow' = 'deny';
  if (obj.timeout !== undefined) {
    if (typeof obj.timeout === 'number' && Number.isInteger(obj.timeout) && obj.timeout >= 1) timeoutSeconds = obj.timeout;
    else o.problems.schema(o.strict, [...loc, 'timeout'], 'timeout must be an integer >= 1', 'schema-timeout');
  }
  if (obj.timeout_effect !== undefined) {
    if (obj.timeout_effect === 'deny' || obj.timeout_effect === 'allow') timeoutEffect = obj.timeout_effect;
    else o.problems.schema(o.strict, [...loc, 'timeout_effect'], "timeout_effect must be 'deny' or 'allow'", 'schema-timeout-effect');
  }
  return { timeoutSeconds, timeoutEffect };
}

function checkTagsMetadata(then: Record<string, unknown>, loc: Loc, o: ContractOptions): { tags: string[]; metadata: Record<string, unknown> } {
  let tags: string[] = [];
  let metadata: Record<string, unknown> = {};
  if (then.tags !== undefined) {
    if (Array.isArray(then.tags) && then.tags.every((t) => typeof t === 'string')) tags = then.tags as string[];
    else o.problems.schema(o.strict, [...loc, 'tags'], 'tags must be a list of strings', 'schema-tags');
  }
  if (then.metadata !== undefined) {
    if (isMapping(then.metadata)) metadata = then.metadata;
    else o.problems.schema(o.strict, [...loc, 'metadata'], 'metadata must be a mapping', 'schema-metadata');
  }
  if ('tags' in metadata) {
    o.problems.warn([...loc, 'metadata', 'tags'], "a metadata key named 'tags' replaces then.tags in the TypeScript SDK and makes the contract fail with a policy error in Python", 'reserved-metadata-key');
  }
  return { tags, metadata };
}

function compileRule(c: Record<string, unknown>, type: 'pre' | 'post', loc: Loc, o: ContractOptions, id: string): CRule {
  const tool = typeof c.tool === 'string' ? c.tool : '';
  if (typeof c.tool !== 'string') o.problems.error([...loc, 'tool'], `contract '${id}' requires 'tool'`);
  else if (tool === '') o.problems.schema(o.strict, [...loc, 'tool'], 'tool must not be empty', 'schema-tool-empty');
  const outputRegexes: CompiledRegex[] = [];
  let when = compileExpression({}, [...loc, 'when'], 1, { sdk: o.sdk, strict: false, contractType: type, problems: o.problems.silent(), outputRegexes });
  if (!isMapping(c.when)) o.problems.error([...loc, 'when'], `contract '${id}' requires 'when' to be a mapping`);
  else when = compileExpression(c.when, [...loc, 'when'], 1, { sdk: o.sdk, strict: o.strict, contractType: type, problems: o.problems, outputRegexes });
  const then = isMapping(c.then) ? c.then : null;
  if (!then) o.problems.error([...loc, 'then'], `contract '${id}' requires 'then' to be a mapping`);
  const t = then ?? {};
  if (then) unknownKeys(then, THEN_KEYS[type] as string[], [...loc, 'then'], o, 'then');
  const effect = t.effect as CRule['effect'];
  if (then && !(EFFECTS[type] as string[]).includes(t.effect as string)) o.problems.error([...loc, 'then', 'effect'], `contract '${id}': ${EFFECT_MSG[type]}`);
  const message = then ? checkMessage(t.message, [...loc, 'then', 'message'], o, `contract '${id}' requires 'then.message'`) : '';
  const { tags, metadata } = checkTagsMetadata(t, [...loc, 'then'], o);
  const approval = type === 'pre' ? checkApproval(t, [...loc, 'then'], o) : { timeoutSeconds: DEFAULT_APPROVAL_TIMEOUT, timeoutEffect: 'deny' as const };
  return {
    type, id, ownMode: checkMode(c, loc, o), candidate: false, tags, metadata,
    toolPattern: tool, tool: compileGlob(tool, o.sdk), when, effect,
    message: compileTemplate(message, o.sdk), ...approval, outputRegexes,
    metadataClash: 'tags' in metadata,
  };
}

function limitValue(v: unknown, loc: Loc, name: string, o: ContractOptions): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    o.problems.error(loc, `${name} must be a finite number`);
    return null;
  }
  if (!Number.isInteger(v) || v < 1) o.problems.schema(o.strict, loc, `${name} must be an integer >= 1`, 'schema-limit');
  return v;
}

function compileSession(c: Record<string, unknown>, loc: Loc, o: ContractOptions, id: string): CSession {
  const limits = isMapping(c.limits) ? c.limits : null;
  if (!limits) o.problems.error([...loc, 'limits'], `contract '${id}' requires 'limits' to be a mapping`);
  const l = limits ?? {};
  if (limits && l.max_tool_calls === undefined && l.max_attempts === undefined && l.max_calls_per_tool === undefined) {
    o.problems.error([...loc, 'limits'], 'limits must have max_tool_calls, max_attempts, or max_calls_per_tool');
  }
  if (limits) unknownKeys(limits, ['max_tool_calls', 'max_attempts', 'max_calls_per_tool'], [...loc, 'limits'], o, 'limits');
  const maxToolCalls = l.max_tool_calls === undefined ? null : limitValue(l.max_tool_calls, [...loc, 'limits', 'max_tool_calls'], 'max_tool_calls', o);
  const maxAttempts = l.max_attempts === undefined ? null : limitValue(l.max_attempts, [...loc, 'limits', 'max_attempts'], 'max_attempts', o);
  const perTool: Record<string, number> = {};
  if (l.max_calls_per_tool !== undefined) {
    const at = [...loc, 'limits', 'max_calls_per_tool'];
    if (!isMapping(l.max_calls_per_tool)) o.problems.error(at, 'max_calls_per_tool must be a mapping');
    else {
      if (Object.keys(l.max_calls_per_tool).length === 0) o.problems.schema(o.strict, at, 'max_calls_per_tool needs at least one tool', 'schema-per-tool-empty');
      for (const [tool, v] of Object.entries(l.max_calls_per_tool)) {
        const n = limitValue(v, [...at, tool], `max_calls_per_tool.${tool}`, o);
        if (n !== null) perTool[tool] = n;
      }
    }
  }
  const then = isMapping(c.then) ? c.then : null;
  if (!then) o.problems.error([...loc, 'then'], `contract '${id}' requires 'then' to be a mapping`);
  const t = then ?? {};
  if (then) unknownKeys(then, THEN_KEYS.session as string[], [...loc, 'then'], o, 'then');
  if (then && t.effect !== 'deny') o.problems.error([...loc, 'then', 'effect'], `contract '${id}': ${EFFECT_MSG.session}`);
  const message = then ? checkMessage(t.message, [...loc, 'then', 'message'], o, `contract '${id}' requires 'then.message'`) : '';
  const { tags, metadata } = checkTagsMetadata(t, [...loc, 'then'], o);
  return { type: 'session', id, ownMode: checkMode(c, loc, o), candidate: false, tags, metadata, maxToolCalls, maxAttempts, perTool, message };
}

function stringList(v: unknown, loc: Loc, name: string, o: ContractOptions): string[] | null {
  if (v === undefined) return null;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    o.problems.error(loc, `${name} must be a list of strings`);
    return null;
  }
  if (v.length === 0) o.problems.schema(o.strict, loc, `${name} must not be empty`, 'schema-empty-list');
  return v as string[];
}

function compileSandbox(c: Record<string, unknown>, loc: Loc, o: ContractOptions, id: string): CSandbox {
  const toolPatterns: string[] = [];
  if (c.tool === undefined && c.tools === undefined) o.problems.error(loc, `sandbox contract '${id}' requires either 'tool' or 'tools'`);
  if (c.tool !== undefined && c.tools !== undefined) o.problems.schema(o.strict, [...loc, 'tools'], "use either 'tool' or 'tools', not both ('tools' wins)", 'schema-tool-and-tools');
  const tools = stringList(c.tools, [...loc, 'tools'], 'tools', o);
  if (tools) toolPatterns.push(...tools);
  else if (c.tool !== undefined) {
    if (typeof c.tool === 'string') toolPatterns.push(c.tool);
    else o.problems.error([...loc, 'tool'], 'tool must be a string');
  }
  if (c.within === undefined && c.allows === undefined) o.problems.error(loc, `sandbox contract '${id}' requires either 'within' or 'allows'`);
  const within = stringList(c.within, [...loc, 'within'], 'within', o);
  const notWithin = stringList(c.not_within, [...loc, 'not_within'], 'not_within', o) ?? [];
  if (c.not_within !== undefined && c.within === undefined) o.problems.error([...loc, 'not_within'], 'not_within requires within');
  const allows = c.allows === undefined ? null : isMapping(c.allows) ? c.allows : null;
  if (c.allows !== undefined && !allows) o.problems.error([...loc, 'allows'], 'allows must be a mapping');
  if (allows) unknownKeys(allows, ['commands', 'domains'], [...loc, 'allows'], o, 'allows');
  const notAllows = c.not_allows === undefined ? null : isMapping(c.not_allows) ? c.not_allows : null;
  if (c.not_allows !== undefined && !notAllows) o.problems.error([...loc, 'not_allows'], 'not_allows must be a mapping');
  if (c.not_allows !== undefined && c.allows === undefined) o.problems.error([...loc, 'not_allows'], 'not_allows requires allows');
  if (notAllows) unknownKeys(notAllows, ['domains'], [...loc, 'not_allows'], o, 'not_allows');
  const commands = allows ? stringList(allows.commands, [...loc, 'allows', 'commands'], 'allows.commands', o) : null;
  const domains = allows ? stringList(allows.domains, [...loc, 'allows', 'domains'], 'allows.domains', o) : null;
  const notDomains = notAllows ? stringList(notAllows.domains, [...loc, 'not_allows', 'domains'], 'not_allows.domains', o) : null;
  if (notDomains && !domains) o.problems.error([...loc, 'not_allows', 'domains'], 'not_allows.domains requires allows.domains');
  const message = checkMessage(c.message, [...loc, 'message'], o, `sandbox contract '${id}' requires 'message'`);
  let outside: 'deny' | 'approve' = 'deny';
  if (c.outside !== undefined) {
    if (c.outside === 'deny' || c.outside === 'approve') outside = c.outside;
    else o.problems.schema(o.strict, [...loc, 'outside'], "outside must be 'deny' or 'approve'", 'schema-outside');
  }
  return {
    type: 'sandbox', id, ownMode: checkMode(c, loc, o), candidate: false, tags: [], metadata: {},
    toolPatterns, tools: toolPatterns.map((p) => compileGlob(p, o.sdk)),
    spec: {
      within: within ? compileRoots(within, o.sdk) : null,
      notWithin: compileRoots(notWithin, o.sdk),
      commands,
      domains: compileDomains(domains, o.sdk),
      notDomains: compileDomains(notDomains, o.sdk) ?? [],
    },
    message: compileTemplate(message, o.sdk), outside, ...checkApproval(c, loc, o),
  };
}

/** Validates and compiles one contract; null when it cannot be compiled at all. */
export function compileContract(c: unknown, loc: Loc, o: ContractOptions): CContract | null {
  if (!isMapping(c)) {
    o.problems.error(loc, 'contract must be a mapping');
    return null;
  }
  if (typeof c.id !== 'string') {
    o.problems.error([...loc, 'id'], "contract requires a string 'id'");
    return null;
  }
  const id = c.id;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(id) || !CONTRACT_ID_RE.test(id)) {
    o.problems.error([...loc, 'id'], `contract id '${id.slice(0, 100)}' must match pattern ${CONTRACT_ID_RE.source}`);
  }
  const type = c.type;
  if (type !== 'pre' && type !== 'post' && type !== 'session' && type !== 'sandbox') {
    o.problems.error([...loc, 'type'], `contract '${id}': invalid type '${String(type)}'`);
    return null;
  }
  unknownKeys(c, KEYS[type] as string[], loc, o, `a ${type} contract`);
  if (c.enabled !== undefined && typeof c.enabled !== 'boolean') {
    o.problems.schema(o.strict, [...loc, 'enabled'], 'enabled must be true or false (the TypeScript SDK keeps the contract enabled)', 'schema-enabled');
  }
  if (type === 'pre' || type === 'post') return compileRule(c, type, loc, o, id);
  if (type === 'session') return compileSession(c, loc, o, id);
  return compileSandbox(c, loc, o, id);
}

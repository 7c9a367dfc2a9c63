/**
 * The current SDK generation's document (`kind: Ruleset`, sdk-contract-v2.md section 3) read by
 * the engine: the same language in other words. The words are mapped on plain data here, apart
 * from the console's renderer (src/modules/bundles/bundle-rendering.ts, which edits YAML nodes to
 * keep comments), so a test can check the renderer against the engine's own reading: both
 * renderings of a bundle must give the same verdicts.
 *
 * Only the mapping table's places change; a word the table does not know is left as it is, so
 * the ContractBundle checks that follow refuse it with its path (`rules[0].then.action`).
 */
import type { Loc } from './problems.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `then.action` per contract type -> `then.effect`. */
const ACTION: Record<string, Record<string, string>> = {
  pre: { block: 'deny', ask: 'approve' },
  post: { block: 'deny', warn: 'warn', redact: 'redact' },
  session: { block: 'deny' },
};
const OUTSIDE: Record<string, string> = { block: 'deny', ask: 'approve' };
const TIMEOUT: Record<string, string> = { block: 'deny', allow: 'allow' };

export function isRuleset(doc: unknown): doc is Obj {
  return isObj(doc) && doc.kind === 'Ruleset';
}

function mapWord(table: Record<string, string>, v: unknown): unknown {
  return typeof v === 'string' && Object.hasOwn(table, v) ? table[v] : v;
}

/** A refusal the ContractBundle checks cannot make (a key of the other generation). */
export interface RulesetProblem {
  loc: Loc;
  message: string;
}

function rule(r: unknown, i: number, problems: RulesetProblem[]): unknown {
  if (!isObj(r)) return r;
  const out: Obj = { ...r };
  if (r.type === 'sandbox') {
    if ('outside' in r) out.outside = mapWord(OUTSIDE, r.outside);
    if ('timeout_effect' in r) problems.push({ loc: ['rules', i, 'timeout_effect'], message: "a Ruleset names the sandbox timeout 'timeout_action'" });
    if ('timeout_action' in r) {
      delete out.timeout_action;
      out.timeout_effect = mapWord(TIMEOUT, r.timeout_action);
    }
    return out;
  }
  if (!isObj(r.then)) return out;
  const then: Obj = { ...r.then };
  if ('effect' in r.then) problems.push({ loc: ['rules', i, 'then', 'effect'], message: "a Ruleset names the outcome 'then.action' (block, ask, warn, redact)" });
  if ('timeout_effect' in r.then) problems.push({ loc: ['rules', i, 'then', 'timeout_effect'], message: "a Ruleset names the timeout outcome 'then.timeout_action' (block or allow)" });
  if ('action' in r.then) {
    delete then.action;
    then.effect = mapWord(ACTION[String(r.type)] ?? {}, r.then.action);
  }
  if ('timeout_action' in r.then) {
    delete then.timeout_action;
    then.timeout_effect = mapWord(TIMEOUT, r.then.timeout_action);
  }
  out.then = then;
  return out;
}

/** The document in ContractBundle words, and what only a Ruleset reading can refuse. */
export function rulesetAsContractBundle(doc: Obj): { doc: Obj; problems: RulesetProblem[] } {
  const problems: RulesetProblem[] = [];
  const out: Obj = { ...doc, kind: 'ContractBundle' };
  delete out.rules;
  if ('contracts' in doc) problems.push({ loc: ['contracts'], message: "a Ruleset lists its rules under 'rules', not 'contracts'" });
  if ('rules' in doc) out.contracts = Array.isArray(doc.rules) ? doc.rules.map((r, i) => rule(r, i, problems)) : doc.rules;
  else delete out.contracts;
  return { doc: out, problems };
}

/** Paths of problems found on the mapped document, in the Ruleset's own words. */
export function rulesetLoc(loc: Loc): Loc {
  if (loc[0] !== 'contracts') return loc;
  const out: Loc = ['rules', ...loc.slice(1)];
  if (out[2] === 'then' && out[3] === 'effect') out[3] = 'action';
  else if (out[2] === 'then' && out[3] === 'timeout_effect') out[3] = 'timeout_action';
  else if (out[2] === 'timeout_effect') out[2] = 'timeout_action';
  return out;
}

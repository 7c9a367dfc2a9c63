import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Pair, type YAMLMap } from 'yaml';

/**
 * One bundle, two renderings (ARCHITECTURE.md decision 16, sdk-contract-v2.md section 3): the
 * pre-rename SDKs load `kind: ContractBundle`, the current ones `kind: Ruleset`, and neither
 * loads the other. The mapping is purely structural, so it works on the parsed YAML document
 * (comments, key order and quoting survive) and touches only the keys and enum values of the
 * mapping table; everything else (`when` values, messages, tags) is left byte-for-byte alone.
 */

export type BundleFormat = 'contract_bundle' | 'ruleset';

export const KIND: Record<BundleFormat, string> = { contract_bundle: 'ContractBundle', ruleset: 'Ruleset' };
const LIST_KEY: Record<BundleFormat, string> = { contract_bundle: 'contracts', ruleset: 'rules' };
const THEN_KEY: Record<BundleFormat, string> = { contract_bundle: 'effect', ruleset: 'action' };
const TIMEOUT_KEY: Record<BundleFormat, string> = { contract_bundle: 'timeout_effect', ruleset: 'timeout_action' };

/** Enum values by position (the mapping table); values not listed are the same in both. */
const THEN_VALUES: Record<string, Record<string, string>> = {
  pre: { deny: 'block', approve: 'ask' },
  post: { deny: 'block' },
  session: { deny: 'block' },
};
const OUTSIDE_VALUES = { deny: 'block', approve: 'ask' };
const TIMEOUT_VALUES = { deny: 'block' };

export interface RenderProblem {
  path: string;
  msg: string;
}

export type RenderResult = { ok: true; text: string } | { ok: false; problems: RenderProblem[] };

/** A block-style top-level `kind:` line (what nearly every bundle has). */
const KIND_LINE = /^kind:[ \t]*(["']?)(ContractBundle|Ruleset)\1[ \t]*(?:#.*)?$/m;

/**
 * The format a document declares, from its `kind` (null when it is neither). The line is read
 * without parsing (parsing costs about 1 ms per KB on the event loop); only a document without
 * such a line is parsed.
 */
export function detectFormat(text: string): BundleFormat | null {
  const line = KIND_LINE.exec(text);
  if (line) return line[2] === KIND.ruleset ? 'ruleset' : 'contract_bundle';
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return null;
  const kind: unknown = doc.contents.get('kind');
  if (kind === KIND.contract_bundle) return 'contract_bundle';
  if (kind === KIND.ruleset) return 'ruleset';
  return null;
}

function invert(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k]));
}

class Renderer {
  readonly problems: RenderProblem[] = [];
  constructor(
    readonly from: BundleFormat,
    readonly to: BundleFormat,
  ) {}

  private values(table: Record<string, string>): Record<string, string> {
    return this.from === 'contract_bundle' ? table : invert(table);
  }

  private pair(map: YAMLMap, key: string): Pair | undefined {
    return map.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
  }

  /** Renames `key` to its other-generation name and maps its enum value; refuses what has no twin. */
  private rename(map: YAMLMap, path: string, keys: Record<BundleFormat, string>, table: Record<string, string>): void {
    const wrong = this.pair(map, keys[this.to]);
    if (wrong) {
      this.problems.push({ path: `${path}.${keys[this.to]}`, msg: `is not a ${KIND[this.from]} key (write '${keys[this.from]}')` });
      return;
    }
    const p = this.pair(map, keys[this.from]);
    if (!p) return;
    this.setValue(p, `${path}.${keys[this.from]}`, table);
    (p.key as { value: unknown }).value = keys[this.to];
  }

  /** Maps an enum value in place; an alias or anchor there could change other places too, so it is refused. */
  private setValue(p: Pair, path: string, table: Record<string, string>): void {
    const v = p.value;
    if (isAlias(v) || (isScalar(v) && v.anchor)) {
      this.problems.push({ path, msg: 'uses a YAML alias or anchor; write the value out so it can be rendered for both SDK generations' });
      return;
    }
    if (isScalar(v) && typeof v.value === 'string') {
      const mapped = this.values(table)[v.value];
      if (mapped !== undefined) v.value = mapped;
    }
  }

  /** A structural node reached through an alias would be rendered once for every use: refused. */
  private structural(node: unknown, path: string): node is YAMLMap {
    if (isAlias(node)) {
      this.problems.push({ path, msg: 'is a YAML alias; write it out so it can be rendered for both SDK generations' });
      return false;
    }
    return isMap(node);
  }

  contract(item: unknown, path: string): void {
    if (!this.structural(item, path)) return;
    const type: unknown = item.get('type');
    if (type === 'sandbox') {
      const outside = this.pair(item, 'outside');
      if (outside) this.setValue(outside, `${path}.outside`, OUTSIDE_VALUES);
      this.rename(item, path, TIMEOUT_KEY, TIMEOUT_VALUES);
      return;
    }
    const thenNode = item.get('then', true);
    if (!this.structural(thenNode, `${path}.then`)) return;
    this.rename(thenNode, `${path}.then`, THEN_KEY, typeof type === 'string' ? (THEN_VALUES[type] ?? {}) : {});
    this.rename(thenNode, `${path}.then`, TIMEOUT_KEY, TIMEOUT_VALUES);
  }

  document(doc: Document): void {
    const root = doc.contents;
    if (!isMap(root)) {
      this.problems.push({ path: '$', msg: 'must be a mapping' });
      return;
    }
    if (this.from === 'ruleset' && this.pair(root, 'extends')) {
      // The schema repository allows it; no SDK loader does (sdk-contract-v2.md section 3).
      this.problems.push({ path: 'extends', msg: 'is not loaded by any SDK; resolve it into the ruleset before uploading' });
    }
    const kind = this.pair(root, 'kind');
    if (kind && isScalar(kind.value)) kind.value.value = KIND[this.to];
    if (this.pair(root, LIST_KEY[this.to])) {
      this.problems.push({ path: LIST_KEY[this.to], msg: `is not a ${KIND[this.from]} key (write '${LIST_KEY[this.from]}')` });
    }
    const list = this.pair(root, LIST_KEY[this.from]);
    if (!list) return;
    (list.key as { value: unknown }).value = LIST_KEY[this.to];
    if (isAlias(list.value)) {
      this.problems.push({ path: LIST_KEY[this.from], msg: 'is a YAML alias; write it out' });
      return;
    }
    if (isSeq(list.value)) list.value.items.forEach((item, i) => this.contract(item, `${LIST_KEY[this.from]}[${i}]`));
  }
}

/**
 * Renders `text` (a document of format `from`) as format `to`. The identity when the formats
 * match. Problems name what has no equivalent in the other generation.
 */
export function renderBundle(text: string, from: BundleFormat, to: BundleFormat): RenderResult {
  if (from === to) return { ok: true, text };
  const doc = parseDocument(text, { uniqueKeys: false, keepSourceTokens: false });
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.slice(0, 5).map((e) => ({ path: '$', msg: e.message })) };
  }
  const r = new Renderer(from, to);
  r.document(doc);
  if (r.problems.length > 0) return { ok: false, problems: r.problems };
  // lineWidth 0: never fold long strings, so a rendering changes nothing but the mapped tokens.
  return { ok: true, text: doc.toString({ lineWidth: 0 }) };
}

/**
 * The ContractBundle form of an upload of either format (what is validated and stored as the
 * canonical form). A document of neither kind is passed through so the validator reports its
 * `kind` the usual way.
 */
export function canonicalOf(text: string): { ok: true; format: BundleFormat; text: string } | { ok: false; problems: RenderProblem[] } {
  const format = detectFormat(text) ?? 'contract_bundle';
  const out = renderBundle(text, format, 'contract_bundle');
  return out.ok ? { ok: true, format, text: out.text } : out;
}

/**
 * The Ruleset rendering of a validated upload: the uploaded text itself when it was a Ruleset
 * (its author's exact bytes are what /v1 serves), else rendered from the canonical form.
 */
export function rulesetOf(uploaded: string, format: BundleFormat, canonical: string): RenderResult {
  return format === 'ruleset' ? { ok: true, text: uploaded } : renderBundle(canonical, 'contract_bundle', 'ruleset');
}

// Contract-by-contract, field-by-field difference of two edictum/v1 bundles (the deployed one and
// the one about to replace it), from the YAML both sides already have in the browser.
import { parse } from 'yaml';

export interface FieldDiff {
  path: string;
  before: string | undefined;
  after: string | undefined;
}

export interface ContractDiffEntry {
  id: string;
  fields: FieldDiff[];
}

export interface BundleDiff {
  added: string[];
  removed: string[];
  changed: ContractDiffEntry[];
  unchanged: string[];
  /** changes outside the contracts list (defaults, tools, metadata other than the name) */
  other: FieldDiff[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Leaves of a value as dotted paths with JSON text (arrays index as [n]). */
function flatten(v: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (isObj(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0 && prefix) out.set(prefix, '{}');
    for (const k of keys) flatten(v[k], prefix ? `${prefix}.${k}` : k, out);
  } else if (Array.isArray(v)) {
    if (v.length === 0 && prefix) out.set(prefix, '[]');
    v.forEach((x, i) => flatten(x, `${prefix}[${i}]`, out));
  } else {
    out.set(prefix, JSON.stringify(v));
  }
  return out;
}

function fieldDiffs(a: unknown, b: unknown): FieldDiff[] {
  const fa = flatten(a, '', new Map());
  const fb = flatten(b, '', new Map());
  const paths = [...new Set([...fa.keys(), ...fb.keys()])];
  return paths.filter((p) => fa.get(p) !== fb.get(p)).map((p) => ({ path: p, before: fa.get(p), after: fb.get(p) }));
}

function contractsOf(doc: unknown): Map<string, Obj> {
  const list = isObj(doc) && Array.isArray(doc.contracts) ? doc.contracts : [];
  const out = new Map<string, Obj>();
  for (const c of list) if (isObj(c) && typeof c.id === 'string') out.set(c.id, c);
  return out;
}

function safeParse(text: string): unknown {
  if (!text.trim()) return {};
  try {
    return parse(text, { maxAliasCount: 50 }) as unknown;
  } catch {
    return {};
  }
}

/** `before` empty = nothing deployed yet (every contract is added). */
export function diffBundles(before: string, after: string): BundleDiff {
  const a = safeParse(before);
  const b = safeParse(after);
  const ca = contractsOf(a);
  const cb = contractsOf(b);
  const added = [...cb.keys()].filter((k) => !ca.has(k));
  const removed = [...ca.keys()].filter((k) => !cb.has(k));
  const changed: ContractDiffEntry[] = [];
  const unchanged: string[] = [];
  for (const [id, c] of cb) {
    const old = ca.get(id);
    if (!old) continue;
    const fields = fieldDiffs(old, c);
    if (fields.length > 0) changed.push({ id, fields });
    else unchanged.push(id);
  }
  const strip = (d: unknown) => {
    if (!isObj(d)) return {};
    const { contracts: _c, metadata, ...rest } = d;
    const m = isObj(metadata) ? Object.fromEntries(Object.entries(metadata).filter(([k]) => k !== 'name')) : {};
    return { ...rest, metadata: m };
  };
  const other = before.trim() ? fieldDiffs(strip(a), strip(b)) : [];
  return { added, removed, changed, unchanged, other };
}

/**
 * What changed between two bundle documents (issue 13): contracts added, removed and changed
 * field by field (matched by id), and changes outside the contracts. Pure; both documents were
 * parsed by the engine's loader (bundle-document.ts).
 */
import { canonical } from './library-content.js';

export interface FieldChange {
  path: string;
  from: unknown;
  to: unknown;
}

export interface ContractSide {
  contract_id: string;
  type: string;
  mode: string;
}

export interface BundleDiff {
  added: ContractSide[];
  removed: ContractSide[];
  changed: { contract_id: string; fields: FieldChange[] }[];
  unchanged: string[];
  bundle_fields: FieldChange[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** Leaf-by-leaf differences of two values; mappings recurse, lists and scalars compare whole. */
export function fieldChanges(from: unknown, to: unknown, prefix = ''): FieldChange[] {
  if (isObj(from) && isObj(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((k) => fieldChanges(from[k], to[k], prefix ? `${prefix}.${k}` : k));
  }
  if (same(from, to)) return [];
  return [{ path: prefix, from: from ?? null, to: to ?? null }];
}

function contractsOf(doc: Obj): Map<string, Obj> {
  const list = Array.isArray(doc.contracts) ? (doc.contracts as unknown[]) : [];
  const out = new Map<string, Obj>();
  for (const c of list) if (isObj(c) && typeof c.id === 'string') out.set(c.id, c);
  return out;
}

function side(c: Obj, defaultsMode: string): ContractSide {
  return { contract_id: String(c.id), type: typeof c.type === 'string' ? c.type : 'pre', mode: typeof c.mode === 'string' ? c.mode : defaultsMode };
}

const modeOf = (doc: Obj) => (isObj(doc.defaults) && typeof doc.defaults.mode === 'string' ? doc.defaults.mode : 'enforce');

/** `from` null: nothing before (every contract is added). */
export function diffBundles(from: Obj | null, to: Obj): BundleDiff {
  const a = from ? contractsOf(from) : new Map<string, Obj>();
  const b = contractsOf(to);
  const out: BundleDiff = { added: [], removed: [], changed: [], unchanged: [], bundle_fields: [] };
  for (const [id, c] of b) {
    const before = a.get(id);
    if (!before) {
      out.added.push(side(c, modeOf(to)));
      continue;
    }
    // The effective mode is compared, so a defaults change shows on the contracts it moves.
    const fields = fieldChanges({ ...before, mode: side(before, modeOf(from!)).mode }, { ...c, mode: side(c, modeOf(to)).mode });
    if (fields.length === 0) out.unchanged.push(id);
    else out.changed.push({ contract_id: id, fields });
  }
  for (const [id, c] of a) if (!b.has(id)) out.removed.push(side(c, modeOf(from!)));
  const rest = (d: Obj | null) => {
    if (!d) return {};
    const { contracts: _c, ...others } = d;
    return others;
  };
  out.bundle_fields = fieldChanges(rest(from), rest(to));
  return out;
}

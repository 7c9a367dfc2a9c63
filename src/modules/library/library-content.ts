/**
 * Pure helpers for library contracts: the stored definition (the contract body without `id` and
 * `type`, console-api.md 4.7), its content hash, and the YAML a contract or a composition becomes.
 * Key order is fixed here because jsonb does not keep it: the assembled YAML reads like a
 * hand-written bundle and its bytes (hence its revision hash) depend on content only.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

export type Definition = Record<string, unknown>;

/** Contract keys in the order a person writes them (contract-language.md section 2); others follow, sorted. */
const CONTRACT_KEYS = [
  'id', 'type', 'enabled', 'mode', 'tool', 'tools', 'when', 'limits', 'within', 'not_within', 'allows', 'not_allows',
  'outside', 'message', 'timeout', 'timeout_effect', 'then',
];
const THEN_KEYS = ['effect', 'message', 'timeout', 'timeout_effect', 'tags', 'metadata'];

function ordered(obj: Record<string, unknown>, first: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of first) if (k in obj) out[k] = obj[k];
  for (const k of Object.keys(obj).filter((k) => !first.includes(k)).sort()) out[k] = obj[k];
  return out;
}

/** Deep copy with every mapping's keys sorted (for hashing and comparing). */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** The same content hashes the same, whatever the key order. */
export function contentHash(type: string, definition: Definition): string {
  return createHash('sha256').update(JSON.stringify(canonical({ type, definition })), 'utf8').digest('hex');
}

/** A contract as it appears in a bundle: `id`, `type`, then its definition, in reading order. */
export function contractEntry(contractId: string, type: string, definition: Definition, overrides: { mode?: string } = {}): Record<string, unknown> {
  const body: Record<string, unknown> = { ...definition, id: contractId, type, ...overrides };
  const out = ordered(body, CONTRACT_KEYS);
  if (out.then && typeof out.then === 'object' && !Array.isArray(out.then)) out.then = ordered(out.then as Record<string, unknown>, THEN_KEYS);
  return out;
}

/**
 * The body of a bundle's contract as the library stores it: without `id` and `type` (they are
 * columns). Problems name the field: a definition's `id`/`type` must agree with the contract's.
 */
export function splitDefinition(
  entry: Record<string, unknown>,
  expect: { contractId?: string; type?: string },
): { ok: true; definition: Definition } | { ok: false; field: 'id' | 'type'; msg: string } {
  const { id, type, ...rest } = entry;
  if (id !== undefined && expect.contractId !== undefined && id !== expect.contractId) {
    return { ok: false, field: 'id', msg: `must be absent or equal contract_id '${expect.contractId}'` };
  }
  if (type !== undefined && expect.type !== undefined && type !== expect.type) {
    return { ok: false, field: 'type', msg: `must be absent or equal type '${expect.type}'` };
  }
  return { ok: true, definition: rest };
}

export interface BundleHead {
  name: string;
  description?: string | null;
  defaultsMode: string;
  tools?: Record<string, unknown> | null;
  observability?: Record<string, unknown> | null;
}

/** An edictum/v1 ContractBundle document in the reference's key order (console-api.md 4.7). */
export function bundleDocumentOf(head: BundleHead, contracts: Record<string, unknown>[]): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    apiVersion: 'edictum/v1',
    kind: 'ContractBundle',
    metadata: head.description ? { name: head.name, description: head.description } : { name: head.name },
    defaults: { mode: head.defaultsMode },
    contracts,
  };
  if (head.tools) doc.tools = head.tools;
  if (head.observability) doc.observability = head.observability;
  return doc;
}

/**
 * YAML text of a document. Plain block style, no anchors/aliases (a repeated value is written
 * out again), no line folding (a long message stays on one line).
 */
export function toYaml(doc: unknown): string {
  return stringify(doc, { aliasDuplicateObjects: false, lineWidth: 0, minContentWidth: 0 });
}

/** A single contract wrapped in a bundle, so the engine validates it exactly as it would ship. */
export function contractCheckYaml(contractId: string, type: string, definition: Definition): string {
  return toYaml(bundleDocumentOf({ name: 'library-check', defaultsMode: 'enforce' }, [contractEntry(contractId, type, definition)]));
}

/** "refund-limit_v2" -> "Refund Limit V2" (the reference's display name for imported ids). */
export function displayName(contractId: string): string {
  return contractId
    .split(/[-_]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
}

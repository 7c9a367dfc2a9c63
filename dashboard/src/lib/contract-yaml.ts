// A library contract's definition shown and edited as YAML, and checked by the console's one
// validator: the definition is wrapped into a one-contract bundle (a fixed header, then the
// definition's lines shifted by a known offset) and sent to the Evaluate endpoint, whose 422
// problems carry bundle lines that map straight back to the editor's lines.
import { isMap, parseDocument, stringify } from 'yaml';

// Local shapes (the same as YamlEditor's LineProblem and the library's ContractType): this file
// has no relative imports, so the server's unit tests can import it under NodeNext resolution.
type ContractType = 'pre' | 'post' | 'session' | 'sandbox';
interface LineProblem {
  line: number | null;
  message: string;
  severity: 'error' | 'warning';
}

/** Keys the form owns (id and type are fields of the library row, not of its definition). */
const OWN_KEYS = new Set(['id', 'type']);

export function definitionToYaml(definition: Record<string, unknown>): string {
  const rest = Object.fromEntries(Object.entries(definition).filter(([k]) => !OWN_KEYS.has(k)));
  return Object.keys(rest).length === 0 ? '' : stringify(rest, { lineWidth: 0 });
}

export interface ParsedDefinition {
  value: Record<string, unknown> | null;
  problems: LineProblem[];
}

/** The YAML text to a definition object, with syntax problems at their lines. */
export function parseDefinition(text: string): ParsedDefinition {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      value: null,
      problems: doc.errors.map((e) => ({ line: e.linePos?.[0]?.line ?? null, message: e.message.split('\n')[0] ?? e.message, severity: 'error' as const })),
    };
  }
  if (doc.contents !== null && !isMap(doc.contents)) return { value: null, problems: [{ line: 1, message: 'The definition must be a mapping (keys such as tool, when, then)', severity: 'error' }] };
  const value = (doc.toJS({ maxAliasCount: 50 }) ?? {}) as Record<string, unknown>;
  return { value, problems: [] };
}

/** Lines before the definition in the wrapped bundle (see wrapDefinition). */
export const WRAP_OFFSET = 9;

/** A one-contract edictum/v1 bundle around the definition text; its line WRAP_OFFSET+n is the editor's line n. */
export function wrapDefinition(text: string, contractId: string, type: ContractType): string {
  const id = /^[a-z0-9][a-z0-9_-]*$/.test(contractId) ? contractId : 'draft-contract';
  const body = text
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => (l ? `    ${l}` : l))
    .join('\n');
  return [
    'apiVersion: edictum/v1',
    'kind: ContractBundle',
    'metadata:',
    '  name: library-check',
    'defaults:',
    '  mode: enforce',
    'contracts:',
    `  - id: ${id}`,
    `    type: ${type}`,
    body,
    '',
  ].join('\n');
}

/** A bundle line back to the editor's line (header problems go to line 1). */
export function unwrapLine(line: number | null | undefined): number | null {
  if (line === null || line === undefined) return null;
  return Math.max(1, line - WRAP_OFFSET);
}

/** The tool a definition names, for a validation call ("*" and lists fall back to a placeholder). */
export function definitionTool(definition: Record<string, unknown> | null): string {
  const t = definition?.tool;
  return typeof t === 'string' && t && t !== '*' ? t : 'library_check';
}

/** Slug for an id from free text: lower case, [a-z0-9_-], at most 128 characters. */
export function slugify(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|-+$/g, '')
    .slice(0, 128);
}

/**
 * The assistant's proposal (a whole bundle, a list of contracts or one contract) as the text of a
 * library definition: its first contract without the keys the form owns. Null when the text holds
 * no contract mapping.
 */
export function proposalToDefinition(text: string): string | null {
  let doc: unknown;
  try {
    const parsed = parseDocument(text, { uniqueKeys: true });
    if (parsed.errors.length > 0) return null;
    doc = parsed.toJS({ maxAliasCount: 50 });
  } catch {
    return null; // an alias bomb past the limit
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const list = isObject(doc) && Array.isArray(doc.contracts) ? doc.contracts : Array.isArray(doc) ? doc : [doc];
  const first: unknown = list[0];
  if (!isObject(first) || (isObject(doc) && 'apiVersion' in doc && !Array.isArray(doc.contracts))) return null;
  const out = definitionToYaml(first);
  return out === '' ? null : out;
}

/**
 * Upload validation of edictum/v1 ContractBundle YAML, through the contract engine's loader
 * (src/engine): a bundle is accepted exactly when the Python SDK 68ebbbc (the normative engine,
 * JSON Schema included) accepts it. Problems the TypeScript SDK a79834e would add come back as
 * warnings. Every problem has a path and the line of its node. Pure code, never throws; runs
 * inline for small documents and on the validator pool otherwise (bundle-validator.ts).
 */
import { loadBundle, type BundleProblem as EngineProblem } from '../../engine/engine.js';
import { MAX_BUNDLE_BYTES } from '../../engine/yaml-source.js';

export { MAX_BUNDLE_BYTES };

export interface BundleProblem {
  loc: (string | number)[];
  path: string;
  msg: string;
  line: number | null;
  rule?: string;
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
      warnings: BundleProblem[];
    }
  | { ok: false; problems: BundleProblem[] };

export const MAX_PROBLEMS = 100;

export interface ValidateOptions {
  /**
   * Stored bundles: load with the TS loader's laxer rules (schema problems become warnings), so a
   * bundle accepted by an earlier, laxer validator keeps loading. Uploads are always strict.
   */
  lenient?: boolean;
}

function toProblem(p: EngineProblem): BundleProblem {
  return { loc: p.loc, path: p.path, msg: p.message, line: p.line, ...(p.rule ? { rule: p.rule } : {}) };
}

/** Problems in document order (stable by line; unknown lines last), capped. */
function ordered(list: EngineProblem[]): BundleProblem[] {
  const byLine = (p: EngineProblem) => p.line ?? Number.MAX_SAFE_INTEGER;
  return [...list].sort((a, b) => byLine(a) - byLine(b)).slice(0, MAX_PROBLEMS).map(toProblem);
}

/** Validate an edictum/v1 ContractBundle YAML text. Never throws. */
export function validateBundleYaml(text: string, opts: ValidateOptions = {}): BundleValidation {
  try {
    const r = loadBundle(text, { sdk: 'python', strict: !opts.lenient, crossCheck: false });
    if (!r.ok) return { ok: false, problems: ordered(r.errors) };
    const doc = (r.bundle as unknown as { source: { doc: { contracts?: unknown[] } } }).source.doc;
    return {
      ok: true,
      name: r.bundle.name,
      contractCount: Array.isArray(doc.contracts) ? doc.contracts.length : r.bundle.contracts.length,
      contracts: r.bundle.contracts.map((c) => ({ ...c })),
      defaultsMode: r.bundle.defaultMode,
      warnings: ordered(r.warnings),
    };
  } catch (err) {
    const detail = err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
    return { ok: false, problems: [{ loc: [], path: 'yaml_content', msg: `could not be validated: ${detail}`, line: null }] };
  }
}

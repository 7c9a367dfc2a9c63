/**
 * Everything an upload does to the text before it is stored, in one pure step (decision 16):
 * the ContractBundle form of either format, its validation by the engine, and the Ruleset
 * rendering. Each of these parses the YAML, so the whole step runs where the validator runs
 * (bundle-validator.ts: inline when small, else on a worker thread within the concurrency limit),
 * never on the main thread for a large or hostile document.
 */
import { validateBundleYaml, type BundleValidation } from './bundle-validation.js';
import { canonicalOf, rulesetOf, type BundleFormat, type RenderProblem } from './bundle-rendering.js';

export type PreparedUpload =
  | { ok: true; format: BundleFormat; canonical: string; ruleset: string; validation: Extract<BundleValidation, { ok: true }> }
  | { ok: false; stage: 'render'; problems: RenderProblem[] }
  | { ok: false; stage: 'validate'; validation: Extract<BundleValidation, { ok: false }> };

export function prepareUpload(text: string): PreparedUpload {
  const canonical = canonicalOf(text);
  if (!canonical.ok) return { ok: false, stage: 'render', problems: canonical.problems };
  const validation = validateBundleYaml(canonical.text);
  if (!validation.ok) return { ok: false, stage: 'validate', validation };
  const ruleset = rulesetOf(text, canonical.format, canonical.text);
  if (!ruleset.ok) return { ok: false, stage: 'render', problems: ruleset.problems };
  return { ok: true, format: canonical.format, canonical: canonical.text, ruleset: ruleset.text, validation };
}

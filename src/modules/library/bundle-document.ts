/**
 * A bundle's parsed document, for the library: import splits it into contracts, diff compares
 * two. The same engine loader as upload validation (src/engine: size limit, alias budget, depth,
 * duplicate keys), so a document is parsed once and only when the engine accepts it. Pure code,
 * never throws; runs where the validator runs (bundle-validator.ts: on a worker thread when large).
 */
import { loadBundle } from '../../engine/engine.js';
import { validateBundleYaml, type BundleProblem, type BundleValidation } from '../bundles/bundle-validation.js';

export type BundleDocument =
  | { ok: true; validation: Extract<BundleValidation, { ok: true }>; doc: Record<string, unknown> }
  | { ok: false; problems: BundleProblem[] };

/** `lenient`: stored bundles (accepted by an earlier, laxer validator) still load for a diff. */
export function bundleDocument(text: string, opts: { lenient?: boolean } = {}): BundleDocument {
  const validation = validateBundleYaml(text, opts);
  if (!validation.ok) return { ok: false, problems: validation.problems };
  try {
    const r = loadBundle(text, { sdk: 'python', strict: !opts.lenient, crossCheck: false });
    if (!r.ok) return { ok: false, problems: [{ loc: [], path: 'yaml_content', msg: 'could not be loaded', line: null }] };
    const doc = (r.bundle as unknown as { source: { doc: Record<string, unknown> } }).source.doc;
    // A plain JSON copy: what crosses the worker boundary and what the library stores.
    return { ok: true, validation, doc: JSON.parse(JSON.stringify(doc)) as Record<string, unknown> };
  } catch (err) {
    const detail = err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
    return { ok: false, problems: [{ loc: [], path: 'yaml_content', msg: `could not be loaded: ${detail}`, line: null }] };
  }
}

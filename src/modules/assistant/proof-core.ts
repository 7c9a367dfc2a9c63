import { isMap, isSeq, parseDocument, stringify } from 'yaml';
import { loadBundle, type BundleProblem, type Verdict } from '../../engine/engine.js';
import { compileGlob } from '../../engine/globs.js';
import { replayBatch, type ReplayCall } from '../evaluate/evaluation-core.js';

/**
 * The assistant's proof of one proposed YAML, run in an evaluation worker thread (pure, no I/O):
 * validate it with the one engine, then evaluate it against a bounded sample of this tenant's
 * stored calls. A bare contract (or a list of them, as the library editor holds) is wrapped in a
 * bundle first so the same validator and evaluator judge it.
 */

export interface ProofRequest {
  yaml: string;
  calls: ReplayCall[];
  deadlineMs: number;
}

/** [outcome, deciding contract, message, whether a contract of the candidate targets the call's tool]. */
export type ProofDecision = [outcome: Verdict['outcome'], contract: string | null, message: string | null, targeted: boolean];

export type ProofResult =
  | { ok: false; wrapped: boolean; errors: BundleProblem[]; warnings: BundleProblem[] }
  | {
      ok: true;
      wrapped: boolean;
      warnings: BundleProblem[];
      contracts: { id: string; type: string; tool: string | string[] | null; mode: string }[];
      decisions: ProofDecision[];
    };

const WRAP_NAME = 'assistant-proposal';

/** The YAML to validate: as given when it is a bundle, else wrapped; `wrapped` says which. */
export function normaliseCandidate(yamlText: string): { yaml: string; wrapped: boolean } {
  const doc = parseDocument(yamlText, { uniqueKeys: true });
  if (doc.errors.length > 0) return { yaml: yamlText, wrapped: false };
  const root = doc.contents;
  const header = { apiVersion: 'edictum/v1', kind: 'ContractBundle', metadata: { name: WRAP_NAME }, defaults: { mode: 'enforce' } };
  if (isMap(root)) {
    if (root.has('apiVersion') || root.has('kind')) return { yaml: yamlText, wrapped: false };
    if (root.has('id') && root.has('type')) return { yaml: stringify({ ...header, contracts: [doc.toJS()] }), wrapped: true };
    if (root.has('contracts')) return { yaml: stringify({ ...header, ...(doc.toJS() as Record<string, unknown>) }), wrapped: true };
  }
  if (isSeq(root)) return { yaml: stringify({ ...header, contracts: doc.toJS() as unknown[] }), wrapped: true };
  return { yaml: yamlText, wrapped: false };
}

export function proveCandidate(req: ProofRequest): ProofResult {
  const { yaml, wrapped } = normaliseCandidate(req.yaml);
  const loaded = loadBundle(yaml, { sdk: 'python' });
  if (!loaded.ok) return { ok: false, wrapped, errors: loaded.errors, warnings: loaded.warnings };
  const bundle = loaded.bundle;
  const matchers = bundle.contracts.flatMap((c) => (c.tool === null ? [() => true] : [c.tool].flat().map((p) => compileGlob(p, 'python'))));
  const decisions = replayBatch({ candidate: bundle, baseline: null, sdk: 'python' }, req.calls, req.deadlineMs).map(
    ([candidate], i): ProofDecision => [candidate[0], candidate[1], candidate[3], matchers.some((m) => m(req.calls[i]![0]))],
  );
  return {
    ok: true,
    wrapped,
    warnings: loaded.warnings,
    contracts: bundle.contracts.map((c) => ({ id: c.id, type: c.type, tool: c.tool === null ? null : Array.isArray(c.tool) ? [...c.tool] : c.tool, mode: c.mode })),
    decisions,
  };
}

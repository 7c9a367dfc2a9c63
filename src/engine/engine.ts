/**
 * The console's one contract engine (edictum/v1 `kind: ContractBundle`): parse, validate,
 * compile, evaluate. Pure code, no I/O. Python 68ebbbc semantics are the default;
 * `sdk: 'typescript'` reproduces the TS SDK a79834e, defects included
 * (reference/contract-language.md section 16). See docs/contracts.md.
 */
export type Sdk = 'python' | 'typescript';

export interface BundleProblem {
  path: string;
  message: string;
  line: number | null;
  rule?: string;
  severity: 'error' | 'warning';
  /** The same path as segments (`["contracts", 0, "then"]`), for 422 `loc`s. */
  loc: (string | number)[];
}

/** Compiled once, evaluated many times (regexes, globs, selectors and templates are prebuilt). */
export interface CompiledBundle {
  readonly sdk: Sdk;
  readonly name: string;
  readonly defaultMode: 'enforce' | 'observe';
  readonly policyVersion: string;
  readonly contracts: ReadonlyArray<{ id: string; type: string; tool: string | string[] | null; mode: 'enforce' | 'observe' }>;
}

export type LoadResult =
  | { ok: true; bundle: CompiledBundle; warnings: BundleProblem[] }
  | { ok: false; errors: BundleProblem[]; warnings: BundleProblem[] };

export interface LoadOptions {
  sdk?: Sdk;
  /** Later layers, YAML texts (section 13). */
  compose?: string[];
  /** Later layers as already-parsed mappings (the fixtures' `compose:`); used when `compose` is absent. */
  composeObjects?: unknown[];
  /**
   * Refuse what the JSON Schema refuses (section 1.1). Default: true for Python, false for
   * TypeScript (whose loader skips those rules; they come back as warnings naming the rule).
   */
  strict?: boolean;
  /**
   * Also compile the other SDK's reading (default true): `evaluate` with the other `sdk`, and
   * warnings where that SDK refuses the bundle. Upload validation turns it off to halve the cost.
   */
  crossCheck?: boolean;
}

export interface Principal {
  user_id?: string | null;
  role?: string | null;
  org_id?: string | null;
  service_id?: string | null;
  ticket_ref?: string | null;
  claims?: Record<string, unknown>;
}

export interface EvaluationInput {
  tool: string;
  args: Record<string, unknown>;
  environment?: string;
  principal?: Principal | null;
  env?: Record<string, string>;
  metadata?: Record<string, unknown>;
  /** Tool output; when present post contracts run. */
  result?: unknown;
  /** Counts BEFORE the call. */
  session?: { attempts?: number; tool_calls?: number; per_tool?: Record<string, number> };
}

export interface TraceEntry {
  id: string;
  type: 'pre' | 'post' | 'session' | 'sandbox';
  matched: boolean;
  passed: boolean;
  message: string | null;
  observed: boolean;
  effect: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  policyError: boolean;
  /** Why it matched or not, one line. */
  reason: string;
}

export interface Verdict {
  outcome: 'allowed' | 'denied' | 'approval_required' | 'warned' | 'redacted' | 'error';
  phase: 'pre' | 'post';
  decidingContract: string | null;
  message: string | null;
  policyError: boolean;
  observed: { id: string; message: string | null }[];
  approval: { timeoutSeconds: number; timeoutEffect: 'deny' | 'allow' } | null;
  output?: unknown;
  tags: string[];
  metadata: Record<string, unknown>;
  trace: TraceEntry[];
  dryRun: { verdict: 'allow' | 'deny' | 'warn' };
  mode: 'enforce' | 'observe';
}

export interface EvaluateOptions {
  sdk?: Sdk;
  /** Budget; exceeded => outcome 'error' + policyError, never a hang. */
  deadlineMs?: number;
  /**
   * 'full' (default): one entry per contract, including those whose tool does not match.
   * 'matched': only contracts that applied to the call (replay: far fewer allocations).
   */
  trace?: 'full' | 'matched';
}

export { loadBundle, loadBundleObject, evaluate, policyVersion } from './load.js';

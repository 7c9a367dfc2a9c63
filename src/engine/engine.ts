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
}

/** Opaque to callers: compiled once, evaluated many times. */
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
}

export function loadBundle(_yamlText: string, _opts?: LoadOptions): LoadResult {
  return { ok: false, errors: [{ path: 'yaml_content', message: 'engine not implemented yet', line: null, severity: 'error' }], warnings: [] };
}

export function loadBundleObject(_doc: unknown, _opts?: LoadOptions): LoadResult {
  return { ok: false, errors: [{ path: 'yaml_content', message: 'engine not implemented yet', line: null, severity: 'error' }], warnings: [] };
}

export function evaluate(_bundle: CompiledBundle, _input: EvaluationInput, _opts?: EvaluateOptions): Verdict {
  throw new Error('engine not implemented yet');
}

export function policyVersion(yamlText: string): string {
  void yamlText;
  return '';
}

import { Buffer } from 'node:buffer';
import type { AppContext } from '../../context.js';
import type { Sdk, Verdict } from '../../engine/engine.js';
import { sha256Hex } from '../../platform/crypto.js';
import { notFound, tooManyRequests, unavailable, unprocessable, type Problem } from '../../platform/errors.js';
import { bundlesRepository } from '../bundles/bundles.repository.js';
import { SDKS, type PlaygroundResult, type SdkEvaluation } from './evaluation-core.js';
import { EvaluationTimeout, type EvaluationPool } from './evaluation-pool.js';
import { MAX_CONTRACTS, MAX_YAML_DOCUMENTS, type EvaluateBodyT, type EvaluateResponseT } from './evaluate.schemas.js';
import { differenceNote, differs, summarize, type VerdictSummaryT } from './sdk-differences.js';

export interface EvaluateLimits {
  /** Hard limit per request: past it the worker is killed and the caller gets a 422 (reference: 5 s). */
  timeoutMs: number;
  /** Handed to the engine for each evaluation; it reports a policy error instead of running on. */
  deadlineMs: number;
  /** How long a request waits for a free worker before its 429 (reference: 1 s). */
  waitMs: number;
}

export const DEFAULT_EVALUATE_LIMITS: EvaluateLimits = { timeoutMs: 5000, deadlineMs: 2000, waitMs: 1000 };

const yamlProblem = (msg: string, extra: Record<string, unknown> = {}): Problem => ({ loc: ['body', 'yaml_content'], msg, ...extra });

/** The reference counts documents as `\n---` separators + 1. */
function documentCount(yaml: string): number {
  return yaml.split('\n---').length;
}

function traceOf(v: Verdict): EvaluateResponseT['trace'] {
  return v.trace.map((t) => ({
    id: t.id,
    type: t.type,
    matched: t.matched,
    passed: t.passed,
    message: t.message,
    observed: t.observed,
    effect: t.effect,
    tags: t.tags,
    metadata: t.metadata,
    policy_error: t.policyError,
    reason: t.reason,
  }));
}

function respond(
  yaml: string,
  sdk: Sdk,
  primary: SdkEvaluation,
  v: Verdict,
  others: { sdk: Sdk; evaluation: SdkEvaluation }[],
  ms: number,
  bundle: EvaluateResponseT['bundle'],
): EvaluateResponseT {
  const differences: Record<string, VerdictSummaryT> = {};
  let note: string | null = null;
  for (const o of others) {
    if (!differs(primary, o.evaluation)) continue;
    differences[o.sdk] = summarize(o.evaluation);
    note ??= differenceNote(primary, o.sdk, o.evaluation);
  }
  // The reference's deciding contract: the first failing, non-observed contract of the trace.
  const firstFailing = v.trace.find((t) => t.matched && !t.passed && !t.observed)?.id ?? null;
  return {
    verdict: v.dryRun.verdict,
    mode: v.mode,
    contracts_evaluated: v.trace.map((t) => ({
      id: t.id,
      type: t.type,
      matched: t.matched,
      effect: t.effect,
      message: t.message,
      observed: t.observed,
      tags: t.tags,
    })),
    deciding_contract: v.decidingContract ?? firstFailing,
    policy_version: sha256Hex(new Uint8Array(Buffer.from(yaml, 'utf8'))).slice(0, 12),
    evaluation_time_ms: Math.round(ms * 1000) / 1000,
    sdk,
    outcome: v.outcome,
    phase: v.phase,
    message: v.message,
    policy_error: v.policyError,
    observed: v.observed,
    approval: v.approval ? { timeout_seconds: v.approval.timeoutSeconds, timeout_effect: v.approval.timeoutEffect } : null,
    ...(v.output !== undefined ? { output: v.output } : {}),
    tags: v.tags,
    metadata: v.metadata,
    trace: traceOf(v),
    warnings: primary.load.warnings,
    bundle,
    ...(Object.keys(differences).length > 0 ? { sdk_differences: differences } : {}),
    sdk_difference_note: note,
  };
}

export function createEvaluateService(ctx: AppContext, pool: EvaluationPool, limits: EvaluateLimits = DEFAULT_EVALUATE_LIMITS) {
  const { db } = ctx.deps.database;

  async function resolveYaml(tenantId: string, body: EvaluateBodyT): Promise<{ yaml: string; bundle: EvaluateResponseT['bundle'] }> {
    if (body.yaml_content !== undefined) return { yaml: body.yaml_content, bundle: null };
    const name = body.bundle_name ?? '';
    const version = body.version ?? 0;
    const row = await bundlesRepository.get(db, tenantId, name, version);
    if (!row) throw notFound(`Bundle '${name}' v${version} not found`, 'bundles.version_not_found');
    return { yaml: Buffer.from(row.yamlBytes).toString('utf8'), bundle: { name, version } };
  }

  return {
    async evaluate(tenantId: string, body: EvaluateBodyT): Promise<EvaluateResponseT> {
      const { yaml, bundle } = await resolveYaml(tenantId, body);
      if (documentCount(yaml) > MAX_YAML_DOCUMENTS) {
        throw unprocessable([yamlProblem(`Too many YAML documents (maximum ${MAX_YAML_DOCUMENTS}).`)], 'evaluate.too_many_documents');
      }
      const sdks = [body.sdk, ...SDKS.filter((s) => s !== body.sdk)];
      const input = {
        tool: body.tool_name,
        args: body.tool_args,
        environment: body.environment,
        principal: body.principal ?? null,
        ...(body.env ? { env: body.env } : {}),
        ...(body.metadata ? { metadata: body.metadata } : {}),
        ...(body.result !== undefined ? { result: body.result } : {}),
        ...(body.session ? { session: body.session } : {}),
      };
      let run: { value: PlaygroundResult } | null;
      try {
        run = await pool.run<PlaygroundResult>(
          { op: 'playground', req: { yaml, input, sdks, deadlineMs: limits.deadlineMs } },
          limits.timeoutMs,
          limits.waitMs,
        );
      } catch (err) {
        if (err instanceof EvaluationTimeout) {
          throw unprocessable('Evaluation timed out — contract bundle may be too complex.', 'evaluate.timeout');
        }
        ctx.deps.logger.error({ err }, 'evaluation failed');
        throw unavailable('Evaluation failed unexpectedly; try again.', 'evaluate.failed');
      }
      if (!run) throw tooManyRequests('Too many concurrent evaluations. Try again shortly.', 1, 'evaluate.busy');
      const primary = run.value[body.sdk];
      if (!primary) throw unavailable('Evaluation failed unexpectedly; try again.', 'evaluate.failed');
      if (!primary.load.ok || !primary.verdict) {
        const errors = primary.load.ok ? [] : primary.load.errors;
        throw unprocessable(
          errors.map((p) => yamlProblem(`${p.path}: ${p.message}`, { path: p.path, line: p.line, ...(p.rule ? { rule: p.rule } : {}) })),
          'evaluate.invalid_bundle',
        );
      }
      if (primary.load.contractCount > MAX_CONTRACTS) {
        throw unprocessable([yamlProblem(`Too many contracts (maximum ${MAX_CONTRACTS}).`)], 'evaluate.too_many_contracts');
      }
      const others = sdks.slice(1).flatMap((s) => {
        const e = run.value[s];
        return e ? [{ sdk: s, evaluation: e }] : [];
      });
      return respond(yaml, body.sdk, primary, primary.verdict, others, primary.ms, bundle);
    },
  };
}

export type EvaluateService = ReturnType<typeof createEvaluateService>;

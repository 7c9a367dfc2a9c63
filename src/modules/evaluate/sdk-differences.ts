import type { BundleProblem, Sdk, Verdict } from '../../engine/engine.js';
import type { SdkEvaluation } from './evaluation-core.js';

const SDK_LABEL: Record<Sdk, string> = { python: 'Python', typescript: 'TypeScript' };

const OUTCOME_PHRASE: Record<Verdict['outcome'], string> = {
  allowed: 'allow this call',
  denied: 'deny this call',
  approval_required: 'ask for approval on this call',
  warned: 'allow this call with a warning',
  redacted: 'redact this call’s output',
  error: 'fail to evaluate this call',
};

export interface VerdictSummaryT {
  outcome: string;
  phase: string;
  deciding_contract: string | null;
  message: string | null;
  policy_error: boolean;
  dry_run_verdict: string;
  load_errors?: BundleProblem[];
}

export function summarize(e: SdkEvaluation): VerdictSummaryT {
  const v = e.verdict;
  if (!v || !e.load.ok) {
    return {
      outcome: 'error',
      phase: 'pre',
      deciding_contract: null,
      message: 'the bundle does not load',
      policy_error: false,
      dry_run_verdict: 'deny',
      load_errors: e.load.ok ? [] : e.load.errors,
    };
  }
  return {
    outcome: v.outcome,
    phase: v.phase,
    deciding_contract: v.decidingContract,
    message: v.message,
    policy_error: v.policyError,
    dry_run_verdict: v.dryRun.verdict,
  };
}

/** Whether two SDKs decide the call differently enough for the caller to be told. */
export function differs(a: SdkEvaluation, b: SdkEvaluation): boolean {
  if (a.load.ok !== b.load.ok) return true;
  if (!a.verdict || !b.verdict) return false;
  return (
    a.verdict.outcome !== b.verdict.outcome ||
    a.verdict.decidingContract !== b.verdict.decidingContract ||
    a.verdict.dryRun.verdict !== b.verdict.dryRun.verdict
  );
}

/** Why the other SDK decides differently, from the known disagreements (contract-language.md §16). */
function reason(primary: Verdict, other: Verdict): string | null {
  const deciding = other.trace.find((t) => t.id === other.decidingContract);
  const mine = primary.trace.find((t) => t.id === other.decidingContract);
  if (deciding?.type === 'sandbox' && (!mine || !mine.matched)) return 'every sandbox applies to every tool there';
  if (primary.outcome === 'approval_required' && other.outcome === 'denied') return '`effect: approve` is a plain deny there';
  if (other.outcome === 'approval_required' && primary.outcome === 'denied') return 'it asks a human instead of denying';
  if (deciding?.type === 'sandbox' && mine?.passed) return 'its sandbox reads paths, commands and URLs differently';
  if (other.decidingContract) return `contract '${other.decidingContract}' ${other.message ? `says “${other.message}”` : 'decides it'}`;
  if (primary.decidingContract) return `contract '${primary.decidingContract}' does not fire there`;
  return null;
}

/** "Your TypeScript agents would deny this call: every sandbox applies to every tool there." */
export function differenceNote(primary: SdkEvaluation, otherSdk: Sdk, other: SdkEvaluation): string {
  const who = `Your ${SDK_LABEL[otherSdk]} agents`;
  if (!other.load.ok) {
    const first = other.load.errors[0];
    return `${who} would refuse this bundle${first ? `: ${first.path}: ${first.message}` : ''}.`;
  }
  if (!primary.load.ok || !other.verdict) return `${who} would load this bundle.`;
  const p = primary.verdict;
  const o = other.verdict;
  if (!p) return `${who} would ${OUTCOME_PHRASE[o.outcome]}.`;
  if (p.outcome === o.outcome && p.dryRun.verdict !== o.dryRun.verdict) {
    return `${who} would report a dry-run verdict of '${o.dryRun.verdict}' for this call.`;
  }
  const why = reason(p, o);
  const verb = p.outcome === o.outcome ? `${OUTCOME_PHRASE[o.outcome]} by another contract` : OUTCOME_PHRASE[o.outcome];
  return `${who} would ${verb}${why ? `: ${why}` : ''}.`;
}

import { createHash } from 'node:crypto';

/**
 * Canary decisions without I/O (docs/rollouts.md "Canaries"): who is in a percentage slice, how
 * the slice compares with the rest, and when a threshold is breached.
 */

/** 0..9999, stable for an agent id: the same agents form the first 10 % of every canary. */
export function sliceBucket(agentId: string): number {
  return createHash('sha256').update(agentId, 'utf8').digest().readUInt32BE(0) % 10_000;
}

export function inPercentSlice(agentId: string, percent: number): boolean {
  return sliceBucket(agentId) < Math.round(percent * 100);
}

export interface Thresholds {
  /** Largest allowed rise of the slice's deny rate over the rest's (absolute, 0..1). */
  deny_rate_increase: number;
  /** Largest allowed rise of the approval-request rate. */
  approval_rate_increase: number;
  /** Largest allowed rise of the tool error rate (call_failed among executed calls). */
  tool_error_rate_increase: number;
  /** Slice agents that may fail to activate (stragglers) before it counts as a breach. */
  failed_activations: number;
  /** Rates are compared only once the slice made at least this many decisions in the window. */
  min_decisions: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  deny_rate_increase: 0.05,
  approval_rate_increase: 0.05,
  tool_error_rate_increase: 0.05,
  failed_activations: 0,
  min_decisions: 20,
};

/** Event counts of one group over the window. */
export interface GroupCounts {
  decisions: number;
  denied: number;
  approvals: number;
  executed: number;
  failed: number;
}

export interface GroupRates {
  decisions: number;
  deny_rate: number;
  approval_rate: number;
  tool_error_rate: number;
}

export interface Comparison {
  slice: GroupRates;
  rest: GroupRates;
  failed_activations: number;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

export function ratesOf(c: GroupCounts): GroupRates {
  return {
    decisions: c.decisions,
    deny_rate: ratio(c.denied, c.decisions),
    approval_rate: ratio(c.approvals, c.decisions),
    tool_error_rate: ratio(c.failed, c.executed + c.failed),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The first breached threshold, as a sentence naming the metric and both values; null when none. */
export function breachOf(c: Comparison, t: Thresholds): string | null {
  if (c.failed_activations > t.failed_activations) {
    return `${c.failed_activations} slice agent(s) failed to activate the canary version (threshold ${t.failed_activations})`;
  }
  if (c.slice.decisions < t.min_decisions) return null;
  const checks: [string, number, number, number][] = [
    ['deny rate', c.slice.deny_rate, c.rest.deny_rate, t.deny_rate_increase],
    ['approval request rate', c.slice.approval_rate, c.rest.approval_rate, t.approval_rate_increase],
    ['tool error rate', c.slice.tool_error_rate, c.rest.tool_error_rate, t.tool_error_rate_increase],
  ];
  for (const [name, slice, rest, max] of checks) {
    if (slice - rest > max) {
      return `${name} ${pct(slice)} in the slice vs ${pct(rest)} in the rest (allowed rise ${pct(max)})`;
    }
  }
  return null;
}

/** The step after `percent` in the admin's steps (ascending, ending at 100), or null at the end. */
export function nextStep(steps: number[], percent: number): number | null {
  return steps.find((s) => s > percent) ?? null;
}

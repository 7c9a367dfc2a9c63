import { describe, expect, it } from 'vitest';
import { breachOf, DEFAULT_THRESHOLDS, inPercentSlice, nextStep, ratesOf, sliceBucket } from '../../src/modules/rollouts/canary-rules.js';
import { latencySummary, percentile, track, type TrackedAgent } from '../../src/modules/rollouts/rollout-tracking.js';

const fresh: TrackedAgent = { state: 'pending', reason: null, activatedVia: null, pushedAt: null, activatedAt: null, lastRevision: null, lastContactAt: null };
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const target = { createdAt: T0, revisions: ['aaa', 'bbb'], stragglerAfterMs: 60_000 };

describe('deploy tracking rules', () => {
  it('percentiles are nearest-rank and the histogram holds every latency once', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    const s = latencySummary([500, 4_000, 4_000_000]);
    expect(s.histogram.reduce((n, h) => n + h.count, 0)).toBe(3);
    expect(s.histogram[0]).toEqual({ leMs: 1_000, count: 1 });
    expect(s.histogram.at(-1)).toEqual({ leMs: null, count: 1 });
  });

  it('an event with either rendering hash activates; never before the push', () => {
    const out = track(target, { ...fresh, pushedAt: at(10) }, { connectedAt: at(0), firstEventWithRevision: at(5), latestEventAt: at(5), latestEventRevision: 'bbb' }, at(20));
    expect(out).toMatchObject({ state: 'activated', activatedVia: 'event', activatedAt: at(10) });
  });

  it('a reconnect reporting the revision activates; an older report does not', () => {
    expect(track(target, fresh, { connectedAt: at(30), reportedRevision: 'AAA', reportedAt: at(30) }, at(31))).toMatchObject({ state: 'activated', activatedVia: 'connect', pushedAt: at(30) });
    expect(track(target, fresh, { reportedRevision: 'aaa', reportedAt: at(-5) }, at(1)).state).toBe('pending');
  });

  it('past the delay a straggler is offline, refused or still old', () => {
    expect(track(target, fresh, {}, at(61))).toMatchObject({ state: 'straggler', reason: 'offline' });
    const pushed = { ...fresh, pushedAt: T0 };
    expect(track(target, pushed, { connectedAt: at(-100) }, at(61))).toMatchObject({ reason: 'old_revision' });
    expect(track(target, pushed, { connectedAt: at(-100), latestEventAt: at(30), latestEventRevision: 'old' }, at(61))).toMatchObject({ reason: 'refused' });
    expect(track(target, pushed, { connectedAt: at(-100) }, at(59)).state).toBe('pending');
  });
});

describe('canary rules', () => {
  it('slices are stable by agent id and nested as they widen', () => {
    expect(sliceBucket('agent-1')).toBe(sliceBucket('agent-1'));
    const ids = Array.from({ length: 2000 }, (_, i) => `a-${i}`);
    const ten = ids.filter((id) => inPercentSlice(id, 10));
    const fifty = ids.filter((id) => inPercentSlice(id, 50));
    expect(ten.every((id) => fifty.includes(id))).toBe(true);
    expect(ten.length).toBeGreaterThan(120);
    expect(ten.length).toBeLessThan(280);
  });

  it('a breach names the metric and both values; too few decisions compare nothing', () => {
    const slice = ratesOf({ decisions: 40, denied: 20, approvals: 0, executed: 20, failed: 0 });
    const rest = ratesOf({ decisions: 400, denied: 20, approvals: 0, executed: 380, failed: 0 });
    expect(breachOf({ slice, rest, failed_activations: 0 }, DEFAULT_THRESHOLDS)).toBe('deny rate 50.0 % in the slice vs 5.0 % in the rest (allowed rise 5.0 %)');
    expect(breachOf({ slice, rest, failed_activations: 0 }, { ...DEFAULT_THRESHOLDS, min_decisions: 41 })).toBeNull();
    expect(breachOf({ slice: rest, rest, failed_activations: 1 }, DEFAULT_THRESHOLDS)).toMatch(/failed to activate/);
    expect(breachOf({ slice: rest, rest, failed_activations: 0 }, DEFAULT_THRESHOLDS)).toBeNull();
  });

  it('steps go up to 100, then end', () => {
    expect(nextStep([25, 50, 100], 10)).toBe(25);
    expect(nextStep([25, 50, 100], 50)).toBe(100);
    expect(nextStep([25, 50, 100], 100)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { classifyTools, manifestMatchers, parseSince, patternMatches, summarise, type Matcher } from '../../src/modules/coverage/coverage.matching.js';
import { TtlCache, driftStatus } from '../../src/modules/coverage/coverage.service.js';
import { agentBundle, buildTimeline, secondsBetween, versionBefore } from '../../src/modules/coverage/coverage.history.js';
import { driftStatus as compareRevisions, newestLive, runningRevision } from '../../src/modules/fleet/drift.js';

const m = (contractName: string, mode: string, patterns: string[]): Matcher => ({ contractName, contractType: 'pre', mode, patterns, bundleName: 'b', bundleVersion: 1 });

describe('tool patterns (fnmatch, case-sensitive)', () => {
  it('matches *, globs and exact names only', () => {
    expect(patternMatches('*', 'anything')).toBe(true);
    expect(patternMatches('file_*', 'file_read')).toBe(true);
    expect(patternMatches('file_?', 'file_ab')).toBe(false);
    expect(patternMatches('file_[ab]*', 'file_b2')).toBe(true);
    expect(patternMatches('file_[!ab]*', 'file_b2')).toBe(false);
    expect(patternMatches('Exec', 'exec')).toBe(false);
    expect(patternMatches('a.b', 'axb')).toBe(false);
    expect(patternMatches('[ab]', 'a')).toBe(false);
    expect(patternMatches('[ab]', '[ab]')).toBe(true);
  });
});

describe('classification', () => {
  const rows = [
    { tool_name: 'exec', event_count: 1, last_used: 'x' },
    { tool_name: 'read', event_count: 1, last_used: 'x' },
    { tool_name: 'other', event_count: 1, last_used: 'x' },
  ];
  it('prefers an enforcing contract, then observe, and sorts enforced, observed, ungoverned', () => {
    const out = classifyTools(rows, [m('watch-all', 'observe', ['*']), m('no-exec', 'enforce', ['exec'])], 'console');
    expect(out.map((t) => [t.tool_name, t.status, t.contract_name])).toEqual([
      ['exec', 'enforced', 'no-exec'],
      ['read', 'observed', 'watch-all'],
      ['other', 'observed', 'watch-all'],
    ]);
    expect(summarise(out)).toEqual({ total_tools: 3, enforced: 1, observed: 2, ungoverned: 0, coverage_pct: 33 });
    expect(summarise([])).toMatchObject({ coverage_pct: 100 });
  });
  it('reads an agent manifest, skipping malformed contracts', () => {
    const ms = manifestMatchers({ contracts: [{ id: 'a', tool: 'Bash' }, { tool: 'x' }, 'junk', { id: 'b', tool: ['R*'], mode: 'observe', type: 'post' }] });
    expect(ms.map((x) => [x.contractName, x.mode, x.contractType, x.bundleName, x.patterns])).toEqual([
      ['a', 'enforce', 'pre', 'local', ['Bash']],
      ['b', 'observe', 'post', 'local', ['R*']],
    ]);
    expect(manifestMatchers(null)).toEqual([]);
  });
});

describe('since', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const iso = (s: string) => (Number.isNaN(Date.parse(s)) ? null : Date.parse(s.endsWith('Z') ? s : `${s}Z`));
  it('reads durations up to 3650 units, ISO instants and dates', () => {
    expect(parseSince(undefined, now, iso)).toEqual({ at: new Date('2026-05-31T12:00:00Z') });
    expect(parseSince('15m', now, iso)).toEqual({ at: new Date('2026-06-01T11:45:00Z') });
    expect(parseSince('7d', now, iso)).toEqual({ at: new Date('2026-05-25T12:00:00Z') });
    expect(parseSince('3651h', now, iso)).toEqual({ error: 'Duration too large: 3651h (max 10 years)' });
    expect(parseSince('2026-05-01', now, iso)).toEqual({ at: new Date('2026-05-01T00:00:00Z') });
    expect(parseSince('1w', now, iso)).toEqual({ error: 'Invalid since value: 1w' });
  });
});

describe('coverage cache', () => {
  it('forgets entries after the TTL and evicts the oldest past its size', () => {
    let clock = 0;
    const c = new TtlCache<number>(60_000, 2, () => clock);
    c.set('a', 1);
    clock = 59_999;
    expect(c.get('a')).toBe(1);
    clock = 60_000;
    expect(c.get('a')).toBeUndefined();
    c.set('x', 1);
    c.set('y', 2);
    c.set('z', 3);
    expect([c.get('x'), c.get('y'), c.get('z')]).toEqual([undefined, 2, 3]);
  });
});

describe('drift per bundle (decision 10)', () => {
  const deployed = [
    { name: 'ops', version: 3, revision_hash: 'h-ops', env: 'prod', deployed_at: '2' },
    { name: 'support', version: 1, revision_hash: 'h-sup', env: 'prod', deployed_at: '1' },
  ];
  it("compares with the agent's own bundle, not the env's latest deployment", () => {
    expect(driftStatus('prod', { bundle_name: 'support', policy_version: 'h-sup' }, undefined, deployed)).toBe('current');
    expect(driftStatus('prod', { bundle_name: 'support', policy_version: 'h-old' }, undefined, deployed)).toBe('drift');
    expect(driftStatus('prod', { bundle_name: null, policy_version: null }, { bundle_name: 'ops', last_policy_version: 'h-ops' }, deployed)).toBe('current');
    expect(driftStatus('prod', { bundle_name: 'nope', policy_version: 'h' }, undefined, deployed)).toBe('unknown');
    expect(driftStatus('stage', { bundle_name: 'support', policy_version: 'h-sup' }, undefined, deployed)).toBe('unknown');
  });
  it('a live connection speaks for a connected agent; its newest event only when it is offline', () => {
    const live = { env: 'prod', bundleName: 'support', policyVersion: 'h-sup' };
    // The newest event predates the push the live connection already received.
    expect(driftStatus('prod', { bundle_name: 'support', policy_version: 'h-old' }, undefined, deployed, live)).toBe('current');
    expect(driftStatus('prod', { bundle_name: 'support', policy_version: 'h-sup' }, undefined, deployed, { ...live, policyVersion: 'h-old' })).toBe('drift');
    expect(runningRevision(undefined, { env: 'prod', bundle_name: 'support', policy_version: 'h-old' }, undefined)).toMatchObject({ source: 'event', revision: 'h-old' });
    expect(runningRevision(live, undefined, undefined)).toMatchObject({ source: 'live', revision: 'h-sup' });
    // An event newer than the connection says what the agent really runs (it refused a push).
    const at = new Date('2026-01-01T00:00:00Z');
    const ev = (ts: string) => ({ ts, env: 'prod', bundle_name: 'support', policy_version: 'h-old' });
    expect(runningRevision({ ...live, connectedAt: at }, ev('2026-01-01T00:00:01.000000Z'), undefined)).toMatchObject({ source: 'event', revision: 'h-old' });
    expect(runningRevision({ ...live, connectedAt: at }, ev('2025-12-31T23:59:59.000000Z'), undefined)).toMatchObject({ source: 'live', revision: 'h-sup' });
  });
  it('identical revisions never drift, whatever their case', () => {
    expect(compareRevisions('ABCDEF', 'abcdef')).toBe('current');
    expect(compareRevisions('abc', null)).toBe('unknown');
    expect(compareRevisions(null, 'abc')).toBe('unknown');
    expect(compareRevisions('abc', 'abd')).toBe('drift');
  });
  it('the newest of several streams of one agent speaks for it', () => {
    const rows = [
      { agentId: 'a', connectedAt: new Date(1), v: 1 },
      { agentId: 'a', connectedAt: new Date(3), v: 2 },
      { agentId: 'a', connectedAt: new Date(2), v: 3 },
    ];
    expect(newestLive(rows).get('a')?.v).toBe(2);
  });
});

describe('history timeline', () => {
  const run = (pv: string, start: string, last: string) => ({ pv, start, last });
  it('measures whole seconds across microsecond timestamps', () => {
    expect(secondsBetween('2026-01-01T00:00:00.900000Z', '2026-01-01T00:00:02.100000Z')).toBe(1);
    expect(secondsBetween('2026-01-01T00:00:00.000000Z', '2026-01-01T01:00:00.000000Z')).toBe(3600);
  });
  it('takes the version of the last run that began before an instant', () => {
    const runs = [run('a', '2026-01-01T00:00:00.000000Z', '2026-01-01T01:00:00.000000Z'), run('b', '2026-01-01T02:00:00.000000Z', '2026-01-01T03:00:00.000000Z')];
    expect(versionBefore(runs, '2026-01-01T00:00:00.000000Z')).toBeNull();
    expect(versionBefore(runs, '2026-01-01T01:30:00.000000Z')).toBe('a');
    expect(versionBefore(runs, '2026-01-01T09:00:00.000000Z')).toBe('b');
  });
  it('skips drift entries when the agent reached the deployed version at the deployment instant', async () => {
    const dep = { bundle_name: 'b', bundle_version: 1, deployed_by: 'x', created: '2026-01-01T01:00:00.000000Z', revision_hash: 'h' };
    const out = buildTimeline([dep], [run('h', '2026-01-01T01:00:00.000000Z', '2026-01-01T02:00:00.000000Z')]);
    expect(out.map((e) => e.type)).toEqual(['deployment']);
  });
  const T = (h: number) => `2026-01-01T${String(h).padStart(2, '0')}:00:00.000000Z`;
  const dep = (bundle: string, hash: string, at: string) => ({ bundle_name: bundle, bundle_version: 1, deployed_by: 'x', created: at, revision_hash: hash });
  it('never says "expected X, agent runs X": an agent already running the deployed revision has no drift', () => {
    // A redeploy of the revision the agent runs, with no event since (the reported bug).
    const hash = '091d1b1594d7'.padEnd(64, 'a');
    const out = buildTimeline([dep('b', hash, T(3))], [run('old', T(0), T(1)), run(hash, T(2), T(2))]);
    expect(out.map((e) => e.type)).toEqual(['deployment']);
    // The same revision reported in another case is the same revision.
    expect(buildTimeline([dep('b', hash, T(3))], [run('old', T(0), T(0)), run(hash.toUpperCase(), T(1), T(4))]).map((e) => e.type)).toEqual(['deployment']);
  });
  it('drift entries come only from deployments of the agent\'s own bundle', () => {
    const runs = [run('h-sup', T(0), T(5))];
    const deps = [dep('ops', 'h-ops', T(3)), dep('support', 'h-sup', T(1))];
    expect(buildTimeline(deps, runs, 'support').map((e) => e.type)).toEqual(['deployment', 'deployment']);
    expect(buildTimeline(deps, runs, null).map((e) => e.type)).toEqual(['deployment', 'drift_detected', 'deployment']);
    expect(agentBundle(null, deps, runs)).toBe('support');
    expect(agentBundle('named', deps, runs)).toBe('named');
  });
  it('a deployment the agent has not picked up yet stays detected, with what the agent runs', () => {
    const out = buildTimeline([dep('b', 'h2', T(3)), dep('b', 'h1', T(0))], [run('h1', T(0), T(4))]);
    expect(out.map((e) => [e.type, e.expected_version, e.actual_version])).toEqual([
      ['deployment', null, null],
      ['drift_detected', 'h2', 'h1'],
      ['deployment', null, null],
    ]);
  });
});

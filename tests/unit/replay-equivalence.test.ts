import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, loadBundle, type CompiledBundle, type Sdk } from '../../src/engine/engine.js';
import { ALLOW_ALL, compileForReplay, principalFromEvent, replayBatch, type Decision, type ReplayCall } from '../../src/modules/evaluate/evaluation-core.js';
import { ToolPlans, canonical } from '../../src/modules/evaluate/replay-tool-plans.js';
import { DecisionCache, SliceCounter, pgTimestampToIso, type SliceRow } from '../../src/modules/replay/replay-slice.js';
import { ReplayAccumulator, type AccumulatorState } from '../../src/modules/replay/replay-summary.js';

/**
 * Replay's shortcuts (the decision cache, the per-tool plans: fixed decisions and a baseline that
 * shares the candidate's contracts) must not change a single count or example: generated fleets
 * and bundle pairs, replayed the optimised way and the straightforward way (every call evaluated
 * under both bundles with the engine's full trace, nothing remembered), give the same state.
 */

const TOOLS = ['shell', 'read_file', 'write_file', 'db_query', 'http_get', 'unused', 'bad/tool'];
const GLOBS = ['shell', 'read_file', 'write_file', 'db_query', '*', 'read_*', 'db_?uery', '*_file', 'http_[gp]et'];
const WHENS = [
  { 'args.path': { starts_with: '/etc/' } },
  { 'args.command': { contains: 'rm' } },
  { 'args.limit': { gt: 50 } },
  { 'principal.user_id': { equals: 'u1' } },
  { 'principal.role': { in: ['admin', 'ops'] } },
  { environment: { equals: 'staging' } },
  { any: [{ 'args.path': { matches: '^/srv/[0-9]+$' } }, { 'args.limit': { lt: 0 } }] },
];

type Raw = Record<string, unknown>;

const preRule = fc.record({
  tool: fc.constantFrom(...GLOBS),
  when: fc.constantFrom(...WHENS),
  effect: fc.constantFrom('deny', 'approve'),
  mode: fc.constantFrom(undefined, 'enforce', 'observe'),
  message: fc.constantFrom('blocked {args.path}', 'no {tool.name}', 'ask first'),
});
const sandbox = fc.record({ tools: fc.subarray(['read_file', 'write_file', 'shell'], { minLength: 1 }), within: fc.constantFrom(['/workspace'], ['/srv', '/tmp']) });
const session = fc.record({ max_attempts: fc.constantFrom(1, 5), max_tool_calls: fc.constantFrom(1, 100) });
const contract = fc.oneof(
  { weight: 8, arbitrary: preRule.map((r): Raw => ({ type: 'pre', tool: r.tool, when: r.when, then: { effect: r.effect, message: r.message }, ...(r.mode ? { mode: r.mode } : {}) })) },
  { weight: 1, arbitrary: sandbox.map((s): Raw => ({ type: 'sandbox', tools: s.tools, within: s.within, message: 'outside' })) },
  { weight: 1, arbitrary: session.map((s): Raw => ({ type: 'session', limits: s, then: { effect: 'deny', message: 'budget' } })) },
);

/** A baseline and a candidate that keeps most of it (so many tools share their contracts). */
const bundlePair = fc
  .record({
    base: fc.array(contract, { minLength: 1, maxLength: 8 }),
    edits: fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('keep', 'keep', 'keep', 'drop', 'replace', 'add'), with: contract })),
    baseMode: fc.constantFrom('enforce', 'observe'),
    candidateMode: fc.constantFrom('enforce', 'enforce', 'observe'),
    noBaseline: fc.boolean(),
  })
  .map(({ base, edits, baseMode, candidateMode, noBaseline }) => {
    const baseline = base.map((c, i) => ({ id: `c-${i}`, ...c }));
    const candidate = [...baseline];
    edits.forEach((e, n) => {
      const i = e.at % Math.max(1, candidate.length);
      if (e.op === 'drop' && candidate.length > 1) candidate.splice(i, 1);
      else if (e.op === 'replace' && candidate[i]) candidate[i] = { id: candidate[i]!.id, ...e.with };
      else if (e.op === 'add') candidate.splice(i, 0, { id: `new-${n}`, ...e.with });
    });
    return { candidate: doc(candidate, candidateMode), baseline: noBaseline ? null : doc(baseline, baseMode) };
  });

const doc = (contracts: Raw[], mode: string) => JSON.stringify({ apiVersion: 'edictum/v1', kind: 'ContractBundle', metadata: { name: 'fleet' }, defaults: { mode }, contracts });

const ARGS = ['{"path": "/etc/passwd"}', '{"command": "rm -rf /"}', '{"limit": 80, "path": "/srv/12"}', '{"limit": -1}', '{}', 'null', '{"path": "/workspace/a"}', '{"path": "/tmp/x", "command": "ls"}'];
const PRINCIPALS = ['{"user_id": "u1", "role": "analyst"}', '{"userId": "u2", "role": "admin"}', '', 'null', '{"role": "ops"}'];

const rows = fc.array(
  fc.record({ tool: fc.constantFrom(...TOOLS), args: fc.constantFrom(...ARGS), principal: fc.constantFrom(...PRINCIPALS), env: fc.constantFrom('production', 'staging', ''), agent: fc.constantFrom('a1', 'a2', 'a3') }),
  { minLength: 1, maxLength: 120 },
);

const asRows = (rs: { tool: string; args: string; principal: string; env: string; agent: string }[]): SliceRow[] =>
  rs.map((r, i) => [`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, `call-${i}`, r.agent, r.tool, `2026-12-02 10:00:${String(59 - (i % 60)).padStart(2, '0')}.5+00`, r.args, r.principal || null, r.env]);

/** The straightforward replay: every call evaluated under both bundles, full trace, nothing cached. */
function reference(candidateYaml: string, baselineYaml: string | null, sdk: Sdk, input: SliceRow[]): AccumulatorState {
  const load = (y: string): CompiledBundle => {
    const r = loadBundle(y, { sdk });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.bundle;
  };
  const candidate = load(candidateYaml);
  const baseline = baselineYaml === null ? null : load(baselineYaml);
  const parse = (t: string | null): unknown => {
    try {
      return t ? JSON.parse(t) : null;
    } catch {
      return null;
    }
  };
  const decide = (b: CompiledBundle, r: SliceRow): Decision => {
    const a = parse(r[5]);
    const v = evaluate(b, { tool: r[3], args: a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : {}, environment: r[7], principal: principalFromEvent(parse(r[6])) }, { sdk, deadlineMs: 10_000 });
    return [v.outcome, v.decidingContract, v.observed[0]?.id ?? null, v.message];
  };
  const acc = new ReplayAccumulator(HEAD, 5, pgTimestampToIso);
  for (const r of input) {
    acc.add({ id: r[0], call_id: r[1], agent_id: r[2], tool_name: r[3], ts: r[4] }, decide(candidate, r), baseline ? decide(baseline, r) : ALLOW_ALL);
  }
  acc.eventsRead = input.length;
  return acc.state();
}

const HEAD = { candidate: { bundle_name: null, version: null }, baseline: null, env: '', since: '', until: '', sdk: 'python' as const };

function compiled(c: string, b: string | null, sdk: Sdk) {
  const r = compileForReplay(c, b, sdk, 10_000);
  if (!r.ok) throw new Error(`${r.which}: ${JSON.stringify(r.errors)}`);
  return r.bundles;
}

describe('replay shortcuts', () => {
  it('the slice worker counts generated fleets exactly as evaluating every call under both bundles does', () => {
    fc.assert(
      fc.property(bundlePair, rows, fc.constantFrom<Sdk>('python', 'typescript'), fc.integer({ min: 1, max: 50 }), ({ candidate, baseline }, rs, sdk, pageSize) => {
        const input = asRows(rs);
        const counter = new SliceCounter(new DecisionCache(compiled(candidate, baseline, sdk), 10_000), 5);
        for (let i = 0; i < input.length; i += pageSize) counter.page(input.slice(i, i + pageSize));
        expect(counter.state()).toEqual(reference(candidate, baseline, sdk, input));
      }),
      { numRuns: 150 },
    );
  });

  it('the PGlite path (a batch of distinct calls on the evaluation worker) decides as evaluating every call does', () => {
    fc.assert(
      fc.property(bundlePair, rows, fc.constantFrom<Sdk>('python', 'typescript'), ({ candidate, baseline }, rs, sdk) => {
        const input = asRows(rs);
        const calls: ReplayCall[] = input.map((r) => [r[3], r[5] ?? '{}', r[6] ?? '', r[7]]);
        const acc = new ReplayAccumulator(HEAD, 5, pgTimestampToIso);
        replayBatch(compiled(candidate, baseline, sdk), calls, 10_000).forEach(([c, b], i) => {
          const r = input[i]!;
          acc.add({ id: r[0], call_id: r[1], agent_id: r[2], tool_name: r[3], ts: r[4] }, c, b);
        });
        acc.eventsRead = input.length;
        expect(acc.state()).toEqual(reference(candidate, baseline, sdk, input));
      }),
      { numRuns: 100 },
    );
  });

  it('a tool whose contracts the candidate shares with the baseline costs one evaluation; a tool no contract applies to costs none', () => {
    const rule = (id: string, tool: string, contains: string) => ({ id, type: 'pre', tool, when: { 'args.command': { contains } }, then: { effect: 'deny', message: 'no' } });
    const baseline = doc([rule('a', 'shell', 'rm'), rule('b', 'http_*', 'x')], 'enforce');
    const candidate = doc([rule('a', 'shell', 'rm'), rule('b', 'http_*', 'y')], 'enforce');
    const b = compiled(candidate, baseline, 'python');
    let evaluations = 0;
    const plans = new ToolPlans(b.candidate, b.baseline, () => {
      evaluations += 1;
      return ALLOW_ALL;
    });
    expect(plans.for('shell')).toEqual({ candidate: null, baseline: null, sameContracts: true });
    expect(plans.for('http_get')).toEqual({ candidate: null, baseline: null, sameContracts: false });
    // No contract applies: both decisions fixed once (one evaluation, the baseline's is the same).
    expect(plans.for('read_file')).toEqual({ candidate: ALLOW_ALL, baseline: ALLOW_ALL, sameContracts: true });
    plans.for('read_file');
    expect(evaluations).toBe(1);

    const cache = new DecisionCache(b, 10_000);
    const counter = new SliceCounter(cache, 5);
    counter.page(asRows([{ tool: 'read_file', args: '{"command": "rm"}', principal: '', env: 'production', agent: 'a1' }]));
    expect(cache.fixedHits).toBe(1);
    expect(cache.misses).toBe(0);
  });

  it('a call past its deadline is an error, also after its second try', () => {
    const rules = Array.from({ length: 16 }, (_, i) => ({ id: `r-${i}`, type: 'pre', tool: '*', when: { 'args.path': { contains: `x${i}` } }, then: { effect: 'deny', message: 'no' } }));
    const b = compiled(doc(rules, 'enforce'), null, 'python');
    // A deadline of 0 ms has passed by the 8th contract (where the engine reads the clock).
    const [[c]] = replayBatch(b, [['shell', '{"path": "/a"}', '', 'production']], 0) as [[Decision, Decision]];
    expect(c[0]).toBe('error');
    expect(c[3]).toMatch(/^evaluation exceeded its time budget/);
  });

  it('a contract counts as shared only when its whole source is the same', () => {
    expect(canonical({ b: 1, a: [true, null, 'x'] })).toBe(canonical({ a: [true, null, 'x'], b: 1 }));
    expect(canonical({ a: Number.NaN })).not.toBe(canonical({ a: null }));
    expect(canonical({ a: -0 })).not.toBe(canonical({ a: 0 }));
    expect(canonical({ a: new Date(0) })).toBeNull();
    // A different default mode changes every contract without its own mode: nothing is shared.
    const rule = { id: 'a', type: 'pre', tool: 'shell', when: { 'args.command': { contains: 'rm' } }, then: { effect: 'deny', message: 'no' } };
    const b = compiled(doc([rule], 'observe'), doc([rule], 'enforce'), 'python');
    expect(new ToolPlans(b.candidate, b.baseline, () => ALLOW_ALL).for('shell').sameContracts).toBe(false);
  });
});

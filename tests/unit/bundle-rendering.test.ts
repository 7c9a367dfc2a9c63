import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { canonicalOf, detectFormat, renderBundle, rulesetOf } from '../../src/modules/bundles/bundle-rendering.js';
import { validateBundleYaml } from '../../src/modules/bundles/bundle-validation.js';
import { evaluate, loadBundle, type Verdict } from '../../src/engine/engine.js';

/**
 * The mapping table of sdk-contract-v2.md section 3, written a second time on plain data (not on
 * YAML nodes) so the renderer is checked against an independent reading of the table.
 */
type Obj = Record<string, unknown>;
const THEN: Record<string, Record<string, string>> = { pre: { deny: 'block', approve: 'ask' }, post: { deny: 'block' }, session: { deny: 'block' } };
function expectedRuleset(cb: Obj): Obj {
  const out: Obj = { ...cb, kind: 'Ruleset' };
  delete out.contracts;
  out.rules = (cb.contracts as Obj[]).map((c) => {
    const r: Obj = { ...c };
    if (c.type === 'sandbox') {
      if (c.outside !== undefined) r.outside = ({ deny: 'block', approve: 'ask' } as Obj)[c.outside as string] ?? c.outside;
      if (c.timeout_effect !== undefined) {
        delete r.timeout_effect;
        r.timeout_action = c.timeout_effect === 'deny' ? 'block' : c.timeout_effect;
      }
      return r;
    }
    const then = { ...(c.then as Obj) };
    then.action = THEN[c.type as string]![then.effect as string] ?? then.effect;
    delete then.effect;
    if (then.timeout_effect !== undefined) {
      then.timeout_action = then.timeout_effect === 'deny' ? 'block' : then.timeout_effect;
      delete then.timeout_effect;
    }
    r.then = then;
    return r;
  });
  return out;
}

// YAML 1.1 (the Python SDK's reading) takes y/n/yes/no/on/off as booleans: not an id or a name.
const YAML11_WORDS = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null']);
const id = fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/).filter((w) => !YAML11_WORDS.has(w));
const message = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 .,:{}-]{0,40}$/).filter((w) => !YAML11_WORDS.has(w.toLowerCase()));
const when = fc.constantFrom<Obj>(
  { 'args.path': { ends_with: '.env' } },
  { any: [{ 'args.amount': { gt: 500 } }, { 'tool.name': { equals: 'deny' } }] },
  { 'args.mode': { in: ['deny', 'approve', 'block'] } },
);
const pre = fc.record({
  effect: fc.constantFrom('deny', 'approve'),
  timeout: fc.option(fc.integer({ min: 1, max: 86_400 }), { nil: undefined }),
  timeout_effect: fc.option(fc.constantFrom('deny', 'allow'), { nil: undefined }),
});
const contract = fc.oneof(
  fc.tuple(id, message, when, pre).map(([i, m, w, p]): Obj => {
    const then: Obj = { effect: p.effect, message: m };
    if (p.effect === 'approve' && p.timeout !== undefined) then.timeout = p.timeout;
    if (p.effect === 'approve' && p.timeout_effect !== undefined) then.timeout_effect = p.timeout_effect;
    return { id: i, type: 'pre', tool: 'read_file', when: w, then };
  }),
  fc.tuple(id, message, fc.constantFrom('warn', 'redact', 'deny')).map(([i, m, e]): Obj => ({
    id: i,
    type: 'post',
    tool: '*',
    when: { 'output.text': { contains: 'secret' } },
    then: { effect: e, message: m, tags: ['deny', 'pii'] },
  })),
  fc.tuple(id, message, fc.integer({ min: 1, max: 500 })).map(([i, m, n]): Obj => ({
    id: i,
    type: 'session',
    limits: { max_tool_calls: n },
    then: { effect: 'deny', message: m },
  })),
  fc.tuple(id, message, fc.constantFrom('deny', 'approve', undefined), fc.constantFrom('deny', 'allow', undefined)).map(([i, m, o, te]): Obj => {
    const c: Obj = { id: i, type: 'sandbox', tools: ['read_file'], within: ['/work'], message: m };
    if (o !== undefined) c.outside = o;
    if (o === 'approve' && te !== undefined) c.timeout_effect = te;
    return c;
  }),
);
const bundle = fc
  .uniqueArray(contract, { minLength: 1, maxLength: 8, selector: (c) => c.id })
  .chain((contracts) =>
    fc.record({ mode: fc.constantFrom('enforce', 'observe'), name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((w) => !YAML11_WORDS.has(w)) }).map(({ mode, name }): Obj => ({
      apiVersion: 'edictum/v1',
      kind: 'ContractBundle',
      metadata: { name, description: 'generated: effect deny approve' },
      defaults: { mode },
      contracts,
    })),
  );

describe('bundle rendering (ContractBundle <-> Ruleset)', () => {
  it('ContractBundle -> Ruleset -> ContractBundle is the identity on valid bundles (fast-check)', () => {
    fc.assert(
      fc.property(bundle, (obj) => {
        const text = stringify(obj);
        expect(validateBundleYaml(text).ok).toBe(true);
        const rs = renderBundle(text, 'contract_bundle', 'ruleset');
        if (!rs.ok) throw new Error(JSON.stringify(rs.problems));
        const back = renderBundle(rs.text, 'ruleset', 'contract_bundle');
        if (!back.ok) throw new Error(JSON.stringify(back.problems));
        expect(back.text).toBe(text);
        expect(parse(back.text)).toEqual(obj);
      }),
      { numRuns: 100 },
    );
  });

  it('renders every key and enum of the mapping table, and nothing else (fast-check)', () => {
    fc.assert(
      fc.property(bundle, (obj) => {
        const rs = renderBundle(stringify(obj), 'contract_bundle', 'ruleset');
        if (!rs.ok) throw new Error(JSON.stringify(rs.problems));
        expect(parse(rs.text)).toEqual(expectedRuleset(obj));
      }),
      { numRuns: 100 },
    );
  });

  it('the engine gives the same verdict on both renderings, for either SDK (fast-check)', () => {
    const call = fc.record({
      tool: fc.constantFrom('read_file', 'refund', 'send_email'),
      args: fc.record({
        path: fc.constantFrom('/work/a.txt', '/etc/.env', 'notes.env', '/work/sub/x'),
        amount: fc.integer({ min: 0, max: 1000 }),
        mode: fc.constantFrom('deny', 'approve', 'read'),
      }),
      result: fc.option(fc.constantFrom('all fine', 'the secret is 42'), { nil: undefined }),
      session: fc.record({ attempts: fc.integer({ min: 0, max: 600 }), tool_calls: fc.integer({ min: 0, max: 600 }) }),
    });
    const summary = (v: Verdict) => ({
      outcome: v.outcome,
      phase: v.phase,
      decidingContract: v.decidingContract,
      message: v.message,
      policyError: v.policyError,
      observed: v.observed,
      approval: v.approval,
      output: v.output,
      dryRun: v.dryRun,
    });
    fc.assert(
      fc.property(bundle, fc.array(call, { minLength: 1, maxLength: 5 }), (obj, calls) => {
        const text = stringify(obj);
        const rs = renderBundle(text, 'contract_bundle', 'ruleset');
        if (!rs.ok) throw new Error(JSON.stringify(rs.problems));
        for (const sdk of ['python', 'typescript'] as const) {
          const a = loadBundle(text, { sdk });
          const b = loadBundle(rs.text, { sdk });
          if (!a.ok) throw new Error(JSON.stringify(a.errors));
          if (!b.ok) throw new Error(JSON.stringify(b.errors));
          for (const c of calls) {
            expect(summary(evaluate(b.bundle, c, { sdk }))).toEqual(summary(evaluate(a.bundle, c, { sdk })));
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('the engine reads a Ruleset in its own words and names its paths', () => {
    const ok = loadBundle(`apiVersion: edictum/v1
kind: Ruleset
metadata: { name: words }
defaults: { mode: enforce }
rules:
  - id: ask-refunds
    type: pre
    tool: refund
    when: { args.amount: { gt: 500 } }
    then: { action: ask, message: "needs a human", timeout: 60, timeout_action: allow }
`);
    if (!ok.ok) throw new Error(JSON.stringify(ok.errors));
    const v = evaluate(ok.bundle, { tool: 'refund', args: { amount: 900 } });
    expect(v.outcome).toBe('approval_required');
    expect(v.approval).toEqual({ timeoutSeconds: 60, timeoutEffect: 'allow' });
    const bad = loadBundle(`apiVersion: edictum/v1
kind: Ruleset
metadata: { name: words }
defaults: { mode: enforce }
rules:
  - id: old-word
    type: pre
    tool: refund
    when: { args.amount: { gt: 500 } }
    then: { effect: deny, message: "no" }
`);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors.map((e) => e.path)).toContain('rules[0].then.effect');
    expect(bad.errors.find((e) => e.path === 'rules[0].then.effect')?.line).toBe(10);
  });

  it('keeps comments, quoting and untouched values (a `deny` inside `when` stays `deny`)', () => {
    const text = `# support bundle
apiVersion: edictum/v1
kind: ContractBundle # the old kind
metadata:
  name: support
defaults:
  mode: enforce
contracts:
  - id: no-env
    type: pre
    tool: read_file
    when:
      args.verb: { equals: "deny" }
    then:
      effect: "deny" # keep the quotes
      message: "deny reading {args.path}"
`;
    const rs = renderBundle(text, 'contract_bundle', 'ruleset');
    expect(rs.ok && rs.text).toBe(
      text.replace('kind: ContractBundle', 'kind: Ruleset').replace('contracts:', 'rules:').replace('effect: "deny"', 'action: "block"'),
    );
  });

  it('refuses what has no equivalent, naming it', () => {
    const ruleset = (extra: string, then = 'action: block') => `apiVersion: edictum/v1
kind: Ruleset
metadata: { name: x }
defaults: { mode: enforce }
${extra}rules:
  - id: a
    type: pre
    tool: t
    when: { args.x: { exists: true } }
    then: { ${then}, message: m }
`;
    const cases: [string, string][] = [
      [ruleset('extends: base\n'), 'extends'],
      [ruleset('', 'action: ask, timeout_action: block, timeout_effect: block'), 'rules[0].then.timeout_effect'],
      [ruleset('', 'effect: deny'), 'rules[0].then.effect'],
      [ruleset('contracts: []\n'), 'contracts'],
    ];
    for (const [text, path] of cases) {
      const out = canonicalOf(text);
      expect(out.ok, text).toBe(false);
      if (!out.ok) expect(out.problems.map((p) => p.path)).toContain(path);
    }
    const aliased = `apiVersion: edictum/v1
kind: ContractBundle
metadata: { name: x }
defaults: { mode: enforce }
contracts:
  - id: a
    type: pre
    tool: t
    when: { args.x: { equals: &d deny } }
    then: { effect: *d, message: m }
`;
    const out = renderBundle(aliased, 'contract_bundle', 'ruleset');
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.problems[0]!.path).toBe('contracts[0].then.effect');
  });

  it('tells the formats apart by kind, and keeps an uploaded Ruleset byte for byte', () => {
    const rs = `apiVersion: edictum/v1\nkind: Ruleset\nmetadata: {name: x}\ndefaults: {mode: observe}\nrules:\n  - {id: s, type: session, limits: {max_attempts: 3}, then: {action: block, message: m}}\n`;
    expect(detectFormat(rs)).toBe('ruleset');
    const canonical = canonicalOf(rs);
    expect(canonical.ok).toBe(true);
    if (!canonical.ok) return;
    expect(canonical.format).toBe('ruleset');
    expect(validateBundleYaml(canonical.text).ok).toBe(true);
    expect(parse(canonical.text).contracts[0].then.effect).toBe('deny');
    expect(rulesetOf(rs, 'ruleset', canonical.text)).toEqual({ ok: true, text: rs });
    expect(detectFormat('kind: Other\n')).toBeNull();
    expect(detectFormat('{apiVersion: edictum/v1, kind: Ruleset}\n')).toBe('ruleset');
    expect(detectFormat('kind: "ContractBundle" # old\n')).toBe('contract_bundle');
  });
});

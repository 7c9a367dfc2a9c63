import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, loadBundle, policyVersion, type CompiledBundle } from '../../../src/engine/engine.js';

const TEXT = `apiVersion: edictum/v1
kind: ContractBundle
metadata: {name: mixed}
defaults: {mode: enforce}
tools:
  read_file: {side_effect: read}
contracts:
  - id: big-refund
    type: pre
    tool: refund
    when: {args.amount: {gt: 500}}
    then: {effect: approve, message: "Refund of {args.amount} needs a human", timeout: 60, timeout_effect: allow, tags: [money]}
  - id: no-etc
    type: pre
    tool: "*"
    when: {any: [{args.path: {starts_with: /etc/}}, {args.url: {matches: '^http://'}}]}
    then: {effect: deny, message: "{tool.name}: blocked"}
  - id: workspace
    type: sandbox
    tools: [read_file]
    within: [/workspace]
    message: "outside /workspace"
  - id: ssn
    type: post
    tool: read_file
    when: {output.text: {matches: '\\d{3}-\\d{2}-\\d{4}'}}
    then: {effect: redact, message: "SSN"}
`;

function load(sdk: 'python' | 'typescript' = 'python'): CompiledBundle {
  const r = loadBundle(TEXT, { sdk });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.bundle;
}

describe('evaluate', () => {
  const bundle = load();

  it('asks for approval with its timeout in Python and denies as the TS SDK does', () => {
    const v = evaluate(bundle, { tool: 'refund', args: { amount: 900 } });
    expect(v).toMatchObject({ outcome: 'approval_required', decidingContract: 'big-refund', message: 'Refund of 900 needs a human', approval: { timeoutSeconds: 60, timeoutEffect: 'allow' }, tags: ['money'] });
    const ts = evaluate(bundle, { tool: 'refund', args: { amount: 900 } }, { sdk: 'typescript' });
    expect(ts).toMatchObject({ outcome: 'denied', decidingContract: 'big-refund', approval: null });
  });

  it('traces every contract with whether it matched and why', () => {
    const v = evaluate(bundle, { tool: 'read_file', args: { path: '/workspace/a' }, result: 'id 123-45-6789' });
    expect(v.outcome).toBe('redacted');
    expect(v.output).toBe('id [REDACTED]');
    expect(v.phase).toBe('post');
    expect(v.trace.map((t) => [t.id, t.matched, t.passed])).toEqual([
      ['big-refund', false, true],
      ['no-etc', true, true],
      ['workspace', true, true],
      ['ssn', true, false],
    ]);
    expect(v.trace[0]?.reason).toContain('does not match');
    expect(v.trace[1]?.reason).toBe('condition is false');
    const matched = evaluate(bundle, { tool: 'read_file', args: { path: '/workspace/a' } }, { trace: 'matched' });
    expect(matched.trace.map((t) => t.id)).toEqual(['no-etc', 'workspace']);
  });

  it('explains an evaluation error in the trace and flags the policy error', () => {
    const v = evaluate(bundle, { tool: 'x', args: { path: 7, url: ['http://a'] } });
    expect(v).toMatchObject({ outcome: 'denied', decidingContract: 'no-etc', policyError: true, message: 'x: blocked' });
    expect(v.trace.find((t) => t.id === 'no-etc')?.reason).toContain('needs a string');
  });

  it('traces a built-in limit like a contract', () => {
    const v = evaluate(bundle, { tool: 'x', args: {}, session: { attempts: 499 } });
    expect(v).toMatchObject({ outcome: 'denied', decidingContract: 'max_attempts' });
    expect(v.trace.at(-1)).toMatchObject({ id: 'max_attempts', type: 'session', passed: false, reason: 'attempt 500 >= 500 (this call counts)' });
  });

  it('refuses a bad tool name before any contract runs', () => {
    expect(evaluate(bundle, { tool: 'fs/read', args: {} })).toMatchObject({ outcome: 'error', trace: [] });
  });

  it('reports, for the other SDK, that it refuses the bundle', () => {
    const r = loadBundle(TEXT.replace("'^http://'", "'(?P<x>http)'"), { sdk: 'python' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings.some((w) => w.rule === 'sdk-refuses' && w.line === 16)).toBe(true);
    const v = evaluate(r.bundle, { tool: 'x', args: {} }, { sdk: 'typescript' });
    expect(v.outcome).toBe('error');
    expect(v.message).toContain('TypeScript SDK a79834e refuses this bundle');
  });

  it('stops at its deadline with a policy error instead of running on', () => {
    let text = 'apiVersion: edictum/v1\nkind: ContractBundle\nmetadata: {name: slow}\ndefaults: {mode: enforce}\ncontracts:\n';
    for (let i = 0; i < 200; i++) text += `  - {id: c${i}, type: pre, tool: t, when: {args.q: {matches: '(.*a){12}$'}}, then: {effect: deny, message: m}}\n`;
    const r = loadBundle(text);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const v = evaluate(r.bundle, { tool: 't', args: { q: `${'a'.repeat(9_999)}!` } }, { deadlineMs: 1 });
    expect(v).toMatchObject({ outcome: 'error', policyError: true });
    expect(v.message).toContain('time budget');
  });

  it('gives the policy version as the first 12 hex digits of the SHA-256 of the text', () => {
    expect(policyVersion('abc')).toBe('ba7816bf8f01');
    expect(load().policyVersion).toBe(policyVersion(TEXT));
  });

  it('never throws, whatever the call (arbitrary args, principal, session, result)', () => {
    const ts = load('typescript');
    const json = fc.jsonValue({ maxDepth: 4 });
    fc.assert(
      fc.property(
        fc.constantFrom('refund', 'read_file', 'x', 'Bash', '', 'a/b', 'read\u2028file'),
        fc.dictionary(fc.constantFrom('amount', 'path', 'url', 'command', 'q', 'to'), json),
        fc.option(json),
        fc.option(fc.record({ attempts: json, tool_calls: json, per_tool: json })),
        fc.option(json),
        (tool, args, principal, session, result) => {
          for (const b of [bundle, ts]) {
            const v = evaluate(b, { tool, args, principal: principal as never, session: session as never, result: result ?? undefined });
            expect(['allowed', 'denied', 'approval_required', 'warned', 'redacted', 'error']).toContain(v.outcome);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws while loading arbitrary mappings', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.constantFrom('python' as const, 'typescript' as const), (doc, sdk) => {
        const wrapped = { apiVersion: 'edictum/v1', kind: 'ContractBundle', metadata: { name: 'x' }, defaults: { mode: 'enforce' }, contracts: [doc] };
        for (const d of [doc, wrapped]) {
          const r = loadBundle(JSON.stringify(d), { sdk });
          expect(typeof r.ok).toBe('boolean');
          if (!r.ok) expect(r.errors.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});

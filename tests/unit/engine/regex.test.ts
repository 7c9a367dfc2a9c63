import { describe, expect, it } from 'vitest';
import { compileRegex } from '../../../src/engine/regex.js';
import { evaluate, loadBundle } from '../../../src/engine/engine.js';

function py(pattern: string) {
  const r = compileRegex(pattern, 'python');
  if (!r.ok) throw new Error(r.message);
  return r.regex;
}

describe('Python regex dialect, translated to JavaScript', () => {
  it.each([
    ['(?i)drop\\s+table', 'Drop  TABLE users', true],
    ['(?i:ab)c', 'ABc', true],
    ['(?i:ab)c', 'ABC', false],
    ['(?P<acct>\\d{8})(?P=acct)', '1234567812345678', true],
    ['\\Aabc\\Z', 'abc', true],
    ['\\Aabc\\Z', 'abc\n', false],
    ['^yes$', 'yes\n', true],
    ['(?m)^b$', 'a\nb\nc', true],
    ['a{,2}b', 'aab', true],
    ['^\\d+$', '١٢٣٤', true],
    ['^\\w+$', 'café', true],
    ['^.{1,2}$', '😀😀', true],
    ['^[^a]$', '😀', true],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['(?x) a  b # comment', 'ab', true],
    ['\\-\\#\\ ', '-# ', true],
    ['[\\d-]+', '12-3', true],
    ['(?a)^\\d$', '١', false],
  ])('%s on %j -> %s', (pattern, input, want) => {
    expect(py(pattern).test(input)).toBe(want);
  });

  it.each([['(?<n>a)'], ['a++'], ['(?>a)'], ['\\q'], ['(a'], ['*a'], ['a(?i)b'], ['[z-a]'], ['(?P=nope)']])('refuses %s as Python does (or as unsupported)', (pattern) => {
    expect(compileRegex(pattern, 'python').ok).toBe(false);
  });

  it('keeps JavaScript semantics for the TypeScript SDK (no flags, UTF-16 units, ASCII \\d)', () => {
    const ts = (p: string) => {
      const r = compileRegex(p, 'typescript');
      if (!r.ok) throw new Error(r.message);
      return r.regex;
    };
    expect(ts('^.{1,2}$').test('😀😀')).toBe(false);
    expect(ts('^\\d+$').test('١٢٣٤')).toBe(false);
    expect(ts('^yes$').test('yes\n')).toBe(false);
    expect(compileRegex('(?i)x', 'typescript').ok).toBe(false);
    expect(compileRegex('(?<n>a)', 'typescript').ok).toBe(true);
  });
});

describe('regexes cannot stall evaluation', () => {
  const text = (pattern: string) => `apiVersion: edictum/v1
kind: ContractBundle
metadata: {name: redos}
defaults: {mode: enforce}
contracts:
  - id: redos
    type: pre
    tool: t
    when: {args.q: {matches: '${pattern}'}}
    then: {effect: deny, message: "m"}
`;

  it.each([
    ['(a+)+$', 'python'],
    ['(a+)+$', 'typescript'],
    ['(a|aa)+$', 'python'],
    ['(?i)(a+)+$', 'python'],
    ['(\\w+\\s?)+$', 'python'],
    ['(.*a){12}$', 'typescript'],
  ] as const)('%s (%s) answers on a hostile 10,000-character argument', (pattern, sdk) => {
    const loaded = loadBundle(text(pattern), { sdk });
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    // Without the linear-time fallback this takes longer than the age of the universe.
    const v = evaluate(loaded.bundle, { tool: 't', args: { q: `${'a'.repeat(9_999)}!` } });
    expect(v.outcome).toBe('allowed');
  });

  it.each(['(?=a)(a+)+$', '(\\w+)\\1x', '(?=.*a.*b)x'])('refuses %s at load: backtracking-only and cubic or worse', (pattern) => {
    for (const sdk of ['python', 'typescript'] as const) {
      const r = loadBundle(text(pattern), { sdk });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors[0]?.message).toContain('backtrack catastrophically');
    }
  });

  it.each(['^(\\w+)\\1x', '(?=.*x)a', '^(?=.*\\d)(?=.*[a-z]).{8,}$'])('keeps %s (at most quadratic on 10,000 characters)', (pattern) => {
    const loaded = loadBundle(text(pattern));
    expect(loaded.ok).toBe(true);
    if (loaded.ok) expect(evaluate(loaded.bundle, { tool: 't', args: { q: 'a'.repeat(10_000) } }).outcome).toBe('allowed');
  });
});

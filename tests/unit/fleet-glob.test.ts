import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileGlob, GlobError, globMatch } from '../../src/platform/glob.js';
import { tagsMatch, resolveWith } from '../../src/modules/fleet/resolution.js';

/** A straightforward regex translation of fnmatch, used as the oracle on small inputs. */
function oracle(pattern: string, text: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '[') {
      let j = i + 1;
      let neg = false;
      if (pattern[j] === '!' || pattern[j] === '^') {
        neg = true;
        j++;
      }
      let body = '';
      let first = true;
      while (j < pattern.length && (pattern[j] !== ']' || first)) {
        const ch = pattern[j]!;
        body += ch === '\\' || ch === ']' || ch === '^' || ch === '[' ? `\\${ch}` : ch === '-' ? '\\-' : ch;
        if (pattern[j + 1] === '-' && j + 2 < pattern.length && pattern[j + 2] !== ']') {
          const hi = pattern[j + 2]!;
          body += `-${/[\\\]^[-]/.test(hi) ? `\\${hi}` : hi}`;
          j += 3;
        } else j++;
        first = false;
      }
      re += `[${neg ? '^' : ''}${body}]`;
      i = j;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(text);
}

describe('assignment rule globs', () => {
  it('match shell-style: *, ?, [...], [!...], ranges, case-sensitive', () => {
    expect(globMatch('web-*', 'web-1')).toBe(true);
    expect(globMatch('web-*', 'Web-1')).toBe(false);
    expect(globMatch('a?c', 'abc')).toBe(true);
    expect(globMatch('a?c', 'ac')).toBe(false);
    expect(globMatch('node-[0-9][0-9]', 'node-42')).toBe(true);
    expect(globMatch('node-[!0-9]', 'node-x')).toBe(true);
    expect(globMatch('node-[!0-9]', 'node-4')).toBe(false);
    expect(globMatch('[]]x', ']x')).toBe(true);
    expect(globMatch('a.b', 'aXb')).toBe(false);
    expect(globMatch('*', '')).toBe(true);
    expect(globMatch('agent.prod_1-*', 'agent.prod_1-eu')).toBe(true);
  });

  it('refuse unclosed or empty classes and reversed ranges', () => {
    for (const p of ['web-[0-9', '[]', '[!]', '[z-a]']) expect(() => compileGlob(p), p).toThrow(GlobError);
  });

  it('agree with a regex translation of fnmatch on random inputs', () => {
    const alphabet = fc.constantFrom('a', 'b', '-', '.', '*', '?', '[', ']', '!', '0', '9');
    fc.assert(
      fc.property(
        fc.string({ unit: alphabet, maxLength: 8 }),
        fc.string({ unit: fc.constantFrom('a', 'b', '-', '.', '0', '9', ']', '!'), maxLength: 8 }),
        (p, s) => {
          let valid = true;
          try {
            compileGlob(p);
          } catch {
            valid = false;
          }
          fc.pre(valid);
          expect(globMatch(p, s)).toBe(oracle(p, s));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('stay linear-ish on patterns that make backtracking regexes explode', () => {
    const text = 'a'.repeat(20_000);
    // A naive backtracking matcher needs ~20000^10 steps here; ours does at most pattern x text.
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*b', text)).toBe(false);
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*', text)).toBe(true);
  });
});

describe('rule resolution', () => {
  const rules = [
    { id: 'r1', pattern: 'db-*', tagMatch: { team: 'red' }, bundleName: 'red-db', env: 'production' },
    { id: 'r2', pattern: 'db-*', tagMatch: null, bundleName: 'any-db', env: 'production' },
  ];

  it('takes the first matching rule whose tags all match', () => {
    expect(resolveWith({ explicit: null, rules, agentId: 'db-1', tags: { team: 'red' } })).toMatchObject({
      bundle_name: 'red-db',
      rule_id: 'r1',
    });
    expect(resolveWith({ explicit: null, rules, agentId: 'db-1', tags: { team: 'blue' } })).toMatchObject({
      bundle_name: 'any-db',
      rule_id: 'r2',
    });
    expect(resolveWith({ explicit: 'pin', rules, agentId: 'db-1', tags: {} })).toMatchObject({
      bundle_name: 'pin',
      source: 'explicit',
    });
    expect(resolveWith({ explicit: null, rules, agentId: 'web', tags: {}, agentProvided: 'own' })).toMatchObject({
      source: 'agent_provided',
    });
    expect(resolveWith({ explicit: null, rules, agentId: 'web', tags: {} })).toEqual({
      bundle_name: null,
      source: 'none',
      rule_id: null,
      rule_pattern: null,
    });
  });

  it('compares tag values exactly (1 is not "1", a missing key never matches)', () => {
    expect(tagsMatch({ tier: 1 }, { tier: '1' })).toBe(false);
    expect(tagsMatch({ tier: 1 }, { tier: 1 })).toBe(true);
    expect(tagsMatch({ x: null }, {})).toBe(false);
    expect(tagsMatch({}, {})).toBe(true);
  });

  it('lenient mode (routing filters, tool patterns) reads malformed classes as fnmatch does', () => {
    expect(globMatch('db[1', 'db[1', { lenient: true })).toBe(true);
    expect(globMatch('db[1', 'db[1')).toBe(false);
    expect(globMatch('x[^a]', 'x^', { lenient: true })).toBe(true);
    expect(globMatch('x[^a]', 'xb', { lenient: true })).toBe(false);
    expect(globMatch('x[^a]', 'xb')).toBe(true);
    expect(globMatch('[z-a]', 'm', { lenient: true })).toBe(false);
  });
});

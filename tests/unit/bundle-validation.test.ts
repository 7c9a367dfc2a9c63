import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BUNDLE_BYTES, validateBundleYaml, type BundleProblem, type BundleValidation } from '../../src/modules/bundles/bundle-validation.js';

/** The example bundle from sdk-contract.md §11 (validated with the SDK). */
const EXAMPLE = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: support-agent
  description: Guardrails for a customer-support agent
defaults:
  mode: enforce
tools:
  lookup_customer:
    side_effect: read
  issue_refund:
    side_effect: irreversible
contracts:
  - id: no-secret-files
    type: pre
    tool: read_file
    when:
      any:
        - args.path: { ends_with: ".env" }
        - args.path: { contains: "id_rsa" }
    then:
      effect: deny
      message: "Refusing to read {args.path}"
      tags: [secrets]
  - id: big-refunds-need-a-human
    type: pre
    tool: issue_refund
    when:
      args.amount: { gt: 500 }
    then:
      effect: approve
      message: "Refund of {args.amount} needs approval"
      timeout: 600
      timeout_effect: deny
  - id: mask-card-numbers
    type: post
    tool: lookup_customer
    mode: observe
    when:
      output.text: { matches: '\\b\\d{4}-\\d{4}-\\d{4}-\\d{4}\\b' }
    then:
      effect: redact
      message: "Card number in tool output"
  - id: session-budget
    type: session
    limits:
      max_tool_calls: 50
      max_calls_per_tool:
        issue_refund: 3
    then:
      effect: deny
      message: "Session budget exhausted"
`;

const HEADER = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: test-bundle
defaults:
  mode: enforce
contracts:
`;
const bundle = (contracts: string): string => HEADER + contracts;
const PRE = `  - id: c1
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: "no"
`;
const SLOW = { timeout: 60_000 };

function problemsOf(result: BundleValidation): BundleProblem[] {
  if (result.ok) throw new Error('expected the bundle to be rejected');
  return result.problems;
}

function expectProblem(yaml: string, path: string, fragment: string): BundleProblem {
  const problems = problemsOf(validateBundleYaml(yaml));
  const match = problems.find((p) => p.path === path && p.msg.includes(fragment));
  expect(match, `no problem at ${path} containing "${fragment}" in ${JSON.stringify(problems)}`).toBeDefined();
  return match as BundleProblem;
}

const lineOf = (text: string, fragment: string) => text.split('\n').findIndex((l) => l.includes(fragment)) + 1;

describe('upload validation accepts what the SDKs accept', () => {
  it('accepts the sdk-contract.md example with its name, count and contract summaries', () => {
    const r = validateBundleYaml(EXAMPLE);
    expect(r).toMatchObject({ ok: true, name: 'support-agent', contractCount: 4, defaultsMode: 'enforce' });
    if (!r.ok) return;
    expect(r.contracts.map((c) => [c.id, c.type, c.tool, c.mode])).toEqual([
      ['no-secret-files', 'pre', 'read_file', 'enforce'],
      ['big-refunds-need-a-human', 'pre', 'issue_refund', 'enforce'],
      ['mask-card-numbers', 'post', 'lookup_customer', 'observe'],
      ['session-budget', 'session', null, 'enforce'],
    ]);
  });

  it('accepts a post contract reading output.text and a Python inline flag (issue 9)', () => {
    const post = PRE.replace('type: pre', 'type: post').replace('args.path: { ends_with: ".env" }', "output.text: { matches: '(?i)secret' }").replace('effect: deny', 'effect: warn');
    expect(validateBundleYaml(bundle(post)).ok).toBe(true);
  });

  it('refuses a pre contract whose then has no message, at its path and line', () => {
    const text = bundle(PRE.replace('      message: "no"\n', ''));
    const p = expectProblem(text, 'contracts[0].then.message', "requires 'then.message'");
    // A missing key is located at the mapping that lacks it.
    expect(p.line).toBe(lineOf(text, 'effect: deny'));
  });

  it('refuses what the JSON Schema refuses (Python), naming the rule', () => {
    const text = bundle(PRE.replace('    tool: read_file\n', '    tool: read_file\n    description: x\n'));
    const p = expectProblem(text, 'contracts[0].description', "unknown field 'description'");
    expect(p).toMatchObject({ rule: 'schema-unknown-field', line: lineOf(text, 'description: x') });
  });

  it('keeps a stored bundle loading when only the schema rules fail (lenient), with warnings', () => {
    const text = bundle(PRE.replace('    tool: read_file\n', '    tool: read_file\n    description: x\n'));
    const r = validateBundleYaml(text, { lenient: true });
    expect(r).toMatchObject({ ok: true, contractCount: 1 });
    if (r.ok) expect(r.warnings.map((w) => w.rule)).toContain('schema-unknown-field');
  });

  it('refuses the JS-only named group (?<n>...) that Python refuses', () => {
    expectProblem(bundle(PRE.replace('{ ends_with: ".env" }', "{ matches: '(?<n>a)' }")), 'contracts[0].when["args.path"].matches', 'Invalid regex pattern');
  });

  it('reads YAML 1.1 as Python does and says why an unquoted no is not a message', () => {
    expectProblem(bundle(PRE.replace('message: "no"', 'message: no')), 'contracts[0].then.message', 'YAML 1.1');
  });

  it('refuses a regex that could backtrack catastrophically on the backtracking engine', () => {
    expectProblem(bundle(PRE.replace('{ ends_with: ".env" }', () => "{ matches: '(?=x)(a+)+$' }")), 'contracts[0].when["args.path"].matches', 'backtrack catastrophically');
  });

  it('reports every problem in document order with its line', () => {
    const broken = EXAMPLE.replace('mode: enforce', 'mode: x').replace('effect: redact', 'effect: y');
    const problems = problemsOf(validateBundleYaml(broken));
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['defaults.mode', lineOf(broken, 'mode: x')],
      ['contracts[2].then.effect', lineOf(broken, 'effect: y')],
    ]);
  });
});

describe('upload validation is bounded', SLOW, () => {
  it('refuses text over 1 MiB without parsing it', () => {
    const p = problemsOf(validateBundleYaml('#'.repeat(MAX_BUNDLE_BYTES + 1)));
    expect(p[0]?.msg).toContain('exceeds');
  });

  it('refuses alias bombs', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    expect(problemsOf(validateBundleYaml(text))[0]?.msg).toContain('aliases expand too much');
  });

  it('refuses deep nesting before the parser recurses', () => {
    const deep = `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    expect(problemsOf(validateBundleYaml(deep))[0]?.msg).toContain('nests deeper');
  });

  it('refuses duplicate keys and several documents', () => {
    expect(problemsOf(validateBundleYaml(`${HEADER}  []\nkind: ContractBundle\n`))[0]?.msg).toContain('duplicate');
    expect(validateBundleYaml(`${EXAMPLE}---\n${EXAMPLE}`).ok).toBe(false);
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })), (s) => {
        expect(typeof validateBundleYaml(s).ok).toBe('boolean');
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on random mutations of a valid bundle, and every problem has a path', () => {
    const alphabet = [' ', '\n', '-', ':', '[', ']', '{', '}', '&a', '*a', '!!', '"', "'", '#', '\t', 'x', '0', '---', '(?', '{,3}'];
    const mutation = fc.record({ at: fc.nat({ max: EXAMPLE.length }), remove: fc.nat({ max: 20 }), insert: fc.oneof(fc.constantFrom(...alphabet), fc.string({ maxLength: 8 })) });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (mutations) => {
        let text = EXAMPLE;
        for (const m of mutations) {
          const at = Math.min(m.at, text.length);
          text = text.slice(0, at) + m.insert + text.slice(at + m.remove);
        }
        const r = validateBundleYaml(text);
        if (!r.ok) {
          expect(r.problems.length).toBeGreaterThan(0);
          for (const p of r.problems) {
            expect(p.path.length).toBeGreaterThan(0);
            expect(p.line === null || p.line >= 1).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on non-string input at runtime', () => {
    expect(validateBundleYaml(undefined as unknown as string).ok).toBe(false);
  });
});

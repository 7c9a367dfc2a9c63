import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_BUNDLE_BYTES,
  validateBundleYaml,
  type BundleProblem,
  type BundleValidation,
} from '../../src/modules/bundles/bundle-validation.js';

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

/** A bundle whose contracts section is `contracts` (YAML list items, indented by 2). */
const bundle = (contracts: string): string => HEADER + contracts;

const PRE = `  - id: c1
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: no
`;

/** Parsing big generated documents is slow on loaded CI machines. */
const SLOW = { timeout: 30_000 };

function problemsOf(result: BundleValidation): BundleProblem[] {
  if (result.ok) throw new Error('expected the bundle to be rejected');
  return result.problems;
}

/** Assert that `yaml` is rejected with a problem at exactly `path` whose message contains `fragment`. */
function expectProblem(yaml: string, path: string, fragment: string): BundleProblem {
  const problems = problemsOf(validateBundleYaml(yaml));
  const match = problems.find((p) => p.path === path && p.msg.includes(fragment));
  expect(
    match,
    `no problem at ${path} containing "${fragment}" in ${JSON.stringify(problems)}`,
  ).toBeDefined();
  return match as BundleProblem;
}

describe('validateBundleYaml: valid bundles', () => {
  it('accepts the sdk-contract.md example bundle with its name, count and contract summaries', () => {
    const result = validateBundleYaml(EXAMPLE);
    expect(result).toEqual({
      ok: true,
      name: 'support-agent',
      contractCount: 4,
      defaultsMode: 'enforce',
      contracts: [
        { id: 'no-secret-files', type: 'pre', tool: 'read_file', mode: 'enforce' },
        { id: 'big-refunds-need-a-human', type: 'pre', tool: 'issue_refund', mode: 'enforce' },
        { id: 'mask-card-numbers', type: 'post', tool: 'lookup_customer', mode: 'observe' },
        { id: 'session-budget', type: 'session', tool: null, mode: 'enforce' },
      ],
    });
  });

  it('accepts sandbox contracts, every selector and every operator', () => {
    const yaml = `${bundle(`  - id: sb
    type: sandbox
    tools: [read_file, write_file]
    within: [/workspace]
    not_within: [/workspace/.git]
    allows:
      commands: [ls, cat]
      domains: [example.com]
    not_allows:
      domains: [evil.example.com]
    message: outside the sandbox
    outside: approve
  - id: all-ops
    type: post
    tool: "*"
    enabled: false
    when:
      all:
        - environment: { equals: production }
        - tool.name: { not_equals: x }
        - args.a.b: { exists: true }
        - principal.user_id: { in: [a, b] }
        - principal.role: { not_in: [guest] }
        - principal.claims.groups.0: { contains_any: [admin] }
        - output.text: { contains: secret }
        - env.HOME: { starts_with: / }
        - metadata.team: { ends_with: ops }
        - not: { args.n: { gte: 1 } }
        - any:
            - args.n: { lt: 3 }
            - args.n: { lte: 4.5 }
            - args.s: { matches_any: ['^a', 'b$'] }
    then:
      effect: warn
      metadata: { severity: high }
`)}observability: { stdout: true }
observe_alongside: false
`;
    const result = validateBundleYaml(yaml);
    expect(result).toMatchObject({ ok: true, name: 'test-bundle', contractCount: 2 });
    if (result.ok) {
      expect(result.contracts[0]).toEqual({
        id: 'sb',
        type: 'sandbox',
        tool: ['read_file', 'write_file'],
        mode: 'enforce',
      });
    }
  });

  it('uses the defaults mode for contracts without their own mode', () => {
    const result = validateBundleYaml(bundle(PRE).replace('mode: enforce', 'mode: observe'));
    expect(result).toMatchObject({
      ok: true,
      defaultsMode: 'observe',
      contracts: [{ mode: 'observe' }],
    });
  });

  it('follows aliases to anchored nodes', () => {
    const yaml = bundle(`  - id: a
    type: pre
    tool: t
    when: &cond
      args.x: { equals: 1 }
    then: { effect: deny }
  - id: b
    type: pre
    tool: t
    when: *cond
    then: { effect: deny }
`);
    expect(validateBundleYaml(yaml)).toMatchObject({ ok: true, contractCount: 2 });
  });
});

describe('validateBundleYaml: document level', () => {
  it('rejects text over 1 MiB (UTF-8 bytes) without parsing it', () => {
    expect(MAX_BUNDLE_BYTES).toBe(1_048_576);
    const yaml = `${EXAMPLE}# ${'é'.repeat(MAX_BUNDLE_BYTES / 2)}\n`;
    expect(yaml.length).toBeLessThan(MAX_BUNDLE_BYTES);
    expect(expectProblem(yaml, 'yaml_content', 'at most 1048576 bytes').loc).toEqual([]);
  });

  it('reports YAML syntax errors at yaml_content with their line', () => {
    const p = expectProblem(
      'apiVersion: edictum/v1\nkind: [ContractBundle\n',
      'yaml_content',
      'invalid YAML',
    );
    expect(p.loc).toEqual([]);
    expect(p.line).not.toBeNull();
  });

  it('rejects several YAML documents', () => {
    const p = expectProblem(
      `${EXAMPLE}---\n${EXAMPLE}`,
      'yaml_content',
      'exactly one YAML document',
    );
    expect(p.line).toBe(EXAMPLE.split('\n').length);
  });

  it('rejects a top level that is not a mapping', () => {
    expectProblem('- a\n- b\n', 'yaml_content', 'top level must be a mapping');
    expectProblem('just a string', 'yaml_content', 'top level must be a mapping');
    expectProblem('', 'yaml_content', 'top level must be a mapping');
  });

  it('rejects duplicate mapping keys', () => {
    const p = expectProblem(
      EXAMPLE.replace('kind:', 'apiVersion: edictum/v1\nkind:'),
      'yaml_content',
      'duplicate mapping key',
    );
    expect(p.line).toBe(2);
  });

  it('rejects alias bombs and unknown aliases', SLOW, () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
    ].join('\n');
    expectProblem(bomb, 'yaml_content', 'aliases expand too much');
    expectProblem(`${EXAMPLE}x: *nope\n`, 'yaml_content', 'unknown alias *nope');
    // A large anchored expression reused by many contracts: cheap for yaml, costly to walk.
    const leaves = Array.from({ length: 300 }, (_, i) => `{ args.a${i}: { equals: 1 } }`).join(
      ', ',
    );
    const first = PRE.replace(/when:\n.*\n/, `when: &w { any: [${leaves}] }\n`);
    const rest = Array.from({ length: 999 }, (_, i) =>
      PRE.replace('id: c1', `id: r${i}`).replace(/when:\n.*\n/, 'when: *w\n'),
    ).join('');
    expectProblem(bundle(first + rest), 'yaml_content', 'aliases expand too much');
  });

  it('rejects tags outside the YAML core schema', () => {
    expectProblem(
      EXAMPLE.replace('name: support-agent', 'name: !!binary aGk='),
      'yaml_content',
      'unsupported tag',
    );
  });
});

describe('validateBundleYaml: top-level keys', () => {
  it('requires apiVersion exactly edictum/v1', () => {
    expectProblem(EXAMPLE.replace('edictum/v1', 'edictum/v2'), 'apiVersion', 'must be edictum/v1');
  });

  it('requires kind exactly ContractBundle', () => {
    expectProblem(
      EXAMPLE.replace('kind: ContractBundle', 'kind: Bundle'),
      'kind',
      'must be ContractBundle',
    );
  });

  it('requires every mandatory top-level key', () => {
    expectProblem(EXAMPLE.replace('kind: ContractBundle\n', ''), 'kind', 'is required');
  });

  it('requires metadata.name to be a lowercase slug of at most 128 characters', () => {
    expectProblem(
      EXAMPLE.replace('name: support-agent', 'name: Support Agent'),
      'metadata.name',
      'lowercase slug',
    );
    expectProblem(
      EXAMPLE.replace('name: support-agent', `name: ${'a'.repeat(129)}`),
      'metadata.name',
      'at most 128',
    );
    expectProblem(EXAMPLE.replace('  name: support-agent\n', ''), 'metadata.name', 'is required');
    expectProblem(
      EXAMPLE.replace('name: support-agent', 'name: 42'),
      'metadata.name',
      'must be a string',
    );
  });

  it('requires defaults.mode to be enforce or observe', () => {
    expectProblem(
      EXAMPLE.replace('mode: enforce', 'mode: strict'),
      'defaults.mode',
      'must be one of enforce, observe',
    );
    expectProblem(
      EXAMPLE.replace('defaults:\n  mode: enforce', 'defaults: enforce'),
      'defaults',
      'must be a mapping',
    );
  });

  it('requires contracts to be a non-empty list of at most 1000', SLOW, () => {
    expectProblem(
      `${HEADER.replace('contracts:\n', 'contracts: []\n')}`,
      'contracts',
      'at least one contract',
    );
    expectProblem(
      `${HEADER.replace('contracts:\n', 'contracts: {}\n')}`,
      'contracts',
      'must be a list',
    );
    const many = Array.from({ length: 1001 }, (_, i) => PRE.replace('id: c1', `id: c${i}`)).join(
      '',
    );
    expectProblem(bundle(many), 'contracts', 'at most 1000');
  });

  it('rejects unknown top-level keys', () => {
    const p = expectProblem(`${EXAMPLE}extra: 1\n`, 'extra', 'unknown top-level key');
    expect(p.loc).toEqual(['extra']);
    expect(p.line).toBe(EXAMPLE.split('\n').length);
  });

  it('validates tools side effects and idempotent flags', () => {
    expectProblem(
      EXAMPLE.replace('side_effect: read', 'side_effect: sometimes'),
      'tools.lookup_customer.side_effect',
      'must be one of pure, read, write, irreversible',
    );
    expectProblem(
      EXAMPLE.replace('side_effect: read', 'side_effect: read\n    idempotent: maybe'),
      'tools.lookup_customer.idempotent',
      'must be a boolean',
    );
    expectProblem(
      EXAMPLE.replace('    side_effect: read\n', '    idempotent: true\n'),
      'tools.lookup_customer.side_effect',
      'is required',
    );
  });

  it('validates observability and observe_alongside shapes', () => {
    expectProblem(`${EXAMPLE}observability: yes\n`, 'observability', 'must be a mapping');
    expectProblem(
      `${EXAMPLE}observe_alongside: sometimes\n`,
      'observe_alongside',
      'must be a boolean',
    );
  });
});

describe('validateBundleYaml: fields every contract has', () => {
  it('requires contract ids to be lowercase slugs of at most 128 characters', () => {
    expectProblem(
      bundle(PRE.replace('id: c1', 'id: Bad.Id')),
      'contracts[0].id',
      'must be a lowercase id',
    );
    expectProblem(
      bundle(PRE.replace('id: c1', `id: ${'c'.repeat(129)}`)),
      'contracts[0].id',
      'at most 128',
    );
    expectProblem(
      bundle(PRE.replace('  - id: c1\n    type', '  - type')),
      'contracts[0].id',
      'is required',
    );
  });

  it('rejects duplicate contract ids at the second occurrence', () => {
    const p = expectProblem(bundle(PRE + PRE), 'contracts[1].id', 'duplicate contract id "c1"');
    expect(p.msg).toContain('contracts[0]');
    expect(p.line).toBe(HEADER.split('\n').length - 1 + PRE.split('\n').length);
  });

  it('requires type to be pre, post, session or sandbox', () => {
    expectProblem(
      bundle(PRE.replace('type: pre', 'type: during')),
      'contracts[0].type',
      'must be one of pre, post, session, sandbox',
    );
  });

  it('validates the optional mode and enabled fields', () => {
    expectProblem(
      bundle(PRE.replace('type: pre', 'type: pre\n    mode: loud')),
      'contracts[0].mode',
      'must be one of enforce, observe',
    );
    expectProblem(
      bundle(PRE.replace('type: pre', 'type: pre\n    enabled: "no"')),
      'contracts[0].enabled',
      'must be a boolean',
    );
  });

  it('requires each contract to be a mapping', () => {
    expectProblem(bundle('  - just-a-string\n'), 'contracts[0]', 'must be a mapping');
  });
});

describe('validateBundleYaml: pre and post contracts', () => {
  it('requires tool to be a string', () => {
    expectProblem(
      bundle(PRE.replace('tool: read_file', 'tool: [a, b]')),
      'contracts[0].tool',
      'must be a string',
    );
    expectProblem(
      bundle(PRE.replace('    tool: read_file\n', '')),
      'contracts[0].tool',
      'is required',
    );
  });

  it('requires when', () => {
    expectProblem(bundle(PRE.replace(/ {4}when:\n.*\n/, '')), 'contracts[0].when', 'is required');
  });

  it('requires then with an effect', () => {
    expectProblem(
      bundle(PRE.replace(/ {4}then:\n.*\n.*\n/, '')),
      'contracts[0].then',
      'is required',
    );
    expectProblem(
      bundle(PRE.replace('      effect: deny\n', '')),
      'contracts[0].then.effect',
      'is required',
    );
  });

  it('allows only deny or approve as pre effects', () => {
    expectProblem(
      bundle(PRE.replace('effect: deny', 'effect: warn')),
      'contracts[0].then.effect',
      'must be one of deny, approve',
    );
  });

  it('allows only warn, redact or deny as post effects', () => {
    expectProblem(
      bundle(PRE.replace('type: pre', 'type: post').replace('effect: deny', 'effect: approve')),
      'contracts[0].then.effect',
      'must be one of warn, redact, deny',
    );
  });

  it('limits then.message to 500 characters', () => {
    expectProblem(
      bundle(PRE.replace('message: no', `message: ${'m'.repeat(501)}`)),
      'contracts[0].then.message',
      'at most 500',
    );
    expect(
      validateBundleYaml(bundle(PRE.replace('message: no', `message: ${'m'.repeat(500)}`))).ok,
    ).toBe(true);
  });

  it('requires then.tags to be a list of strings and then.metadata a mapping', () => {
    expectProblem(
      bundle(PRE.replace('message: no', 'message: no\n      tags: [ok, 3]')),
      'contracts[0].then.tags[1]',
      'must be a non-empty string',
    );
    expectProblem(
      bundle(PRE.replace('message: no', 'message: no\n      metadata: [x]')),
      'contracts[0].then.metadata',
      'must be a mapping',
    );
  });

  it('validates approval timeout (1..86400) and timeout_effect (deny|allow)', () => {
    const approve = (extra: string): string =>
      bundle(PRE.replace('effect: deny', `effect: approve\n      ${extra}`));
    expect(validateBundleYaml(approve('timeout: 86400')).ok).toBe(true);
    expectProblem(approve('timeout: 86401'), 'contracts[0].then.timeout', 'at most 86400');
    expectProblem(approve('timeout: 0'), 'contracts[0].then.timeout', 'positive integer');
    expectProblem(approve('timeout: 1.5'), 'contracts[0].then.timeout', 'positive integer');
    expectProblem(
      approve('timeout_effect: block'),
      'contracts[0].then.timeout_effect',
      'must be one of deny, allow',
    );
  });

  it('rejects the output.text selector anywhere in a pre contract', () => {
    const yaml = bundle(
      PRE.replace(
        'args.path: { ends_with: ".env" }',
        'not:\n        any:\n          - output.text: { contains: x }',
      ),
    );
    const p = expectProblem(
      yaml,
      'contracts[0].when.not.any[0]["output.text"]',
      'not available in pre contracts',
    );
    expect(p.loc).toEqual(['contracts', 0, 'when', 'not', 'any', 0, 'output.text']);
    expect(validateBundleYaml(yaml.replace('type: pre', 'type: post')).ok).toBe(true);
  });
});

describe('validateBundleYaml: session contracts', () => {
  const SESSION = `  - id: s1
    type: session
    limits:
      max_tool_calls: 10
    then:
      effect: deny
      message: budget
`;

  it('accepts a minimal session contract', () => {
    expect(validateBundleYaml(bundle(SESSION)).ok).toBe(true);
  });

  it('requires limits with at least one known limit', () => {
    expectProblem(
      bundle(SESSION.replace('max_tool_calls: 10', 'other: 1')),
      'contracts[0].limits',
      'at least one of max_tool_calls, max_attempts, max_calls_per_tool',
    );
    expectProblem(
      bundle(SESSION.replace(/ {4}limits:\n.*\n/, '')),
      'contracts[0].limits',
      'is required',
    );
  });

  it('requires positive integer limits', () => {
    expectProblem(
      bundle(SESSION.replace('max_tool_calls: 10', 'max_tool_calls: 0')),
      'contracts[0].limits.max_tool_calls',
      'positive integer',
    );
    expectProblem(
      bundle(SESSION.replace('max_tool_calls: 10', 'max_attempts: "5"')),
      'contracts[0].limits.max_attempts',
      'positive integer',
    );
    expectProblem(
      bundle(SESSION.replace('max_tool_calls: 10', 'max_calls_per_tool: { refund: -1 }')),
      'contracts[0].limits.max_calls_per_tool.refund',
      'positive integer',
    );
    expectProblem(
      bundle(SESSION.replace('max_tool_calls: 10', 'max_calls_per_tool: [refund]')),
      'contracts[0].limits.max_calls_per_tool',
      'must be a mapping',
    );
  });

  it('requires then.effect deny and then.message', () => {
    expectProblem(
      bundle(SESSION.replace('effect: deny', 'effect: warn')),
      'contracts[0].then.effect',
      'must be deny',
    );
    expectProblem(
      bundle(SESSION.replace('      message: budget\n', '')),
      'contracts[0].then.message',
      'is required',
    );
  });
});

describe('validateBundleYaml: sandbox contracts', () => {
  const SANDBOX = `  - id: sb
    type: sandbox
    tool: read_file
    within: [/workspace]
    message: outside
`;

  it('accepts a minimal sandbox contract and reports its tool', () => {
    expect(validateBundleYaml(bundle(SANDBOX))).toMatchObject({
      ok: true,
      contracts: [{ tool: 'read_file' }],
    });
  });

  it('requires tool or a non-empty tools list', () => {
    expectProblem(
      bundle(SANDBOX.replace('    tool: read_file\n', '')),
      'contracts[0].tool',
      'is required (or tools)',
    );
    expectProblem(
      bundle(SANDBOX.replace('tool: read_file', 'tools: []')),
      'contracts[0].tools',
      'non-empty list',
    );
  });

  it('requires within or allows', () => {
    expectProblem(
      bundle(SANDBOX.replace('    within: [/workspace]\n', '')),
      'contracts[0]',
      'must set within or allows',
    );
    expectProblem(
      bundle(SANDBOX.replace('within: [/workspace]', 'within: []')),
      'contracts[0].within',
      'non-empty list',
    );
  });

  it('requires within for not_within and allows for not_allows', () => {
    const noWithin = SANDBOX.replace(
      'within: [/workspace]',
      'allows: { commands: [ls] }\n    not_within: [/x]',
    );
    expectProblem(bundle(noWithin), 'contracts[0].not_within', 'requires within');
    expectProblem(
      bundle(SANDBOX.replace('message:', 'not_allows: { domains: [x.com] }\n    message:')),
      'contracts[0].not_allows',
      'requires allows',
    );
  });

  it('requires allows to set commands and/or domains', () => {
    expectProblem(
      bundle(SANDBOX.replace('within: [/workspace]', 'allows: {}')),
      'contracts[0].allows',
      'commands and/or domains',
    );
  });

  it('requires message and an outside of deny or approve', () => {
    expectProblem(
      bundle(SANDBOX.replace('    message: outside\n', '')),
      'contracts[0].message',
      'is required',
    );
    expectProblem(
      bundle(`${SANDBOX}    outside: allow\n`),
      'contracts[0].outside',
      'must be one of deny, approve',
    );
  });
});

describe('validateBundleYaml: expressions', () => {
  const withWhen = (when: string): string =>
    bundle(PRE.replace('args.path: { ends_with: ".env" }', when));

  it('requires all and any to be non-empty lists', () => {
    expectProblem(withWhen('all: []'), 'contracts[0].when.all', 'non-empty list');
    expectProblem(
      withWhen('any: { args.x: { equals: 1 } }'),
      'contracts[0].when.any',
      'must be a list',
    );
  });

  it('requires exactly one selector with exactly one operator in a leaf', () => {
    expectProblem(
      withWhen('args.a: { equals: 1 }\n      args.b: { equals: 2 }'),
      'contracts[0].when',
      'exactly one selector',
    );
    expectProblem(
      withWhen('args.a: { equals: 1, not_equals: 2 }'),
      'contracts[0].when["args.a"]',
      'exactly one operator',
    );
    expectProblem(
      withWhen('args.a: 1'),
      'contracts[0].when["args.a"]',
      'must be a mapping of one operator',
    );
  });

  it('rejects combinators mixed with other keys', () => {
    expectProblem(
      withWhen('all: [{ args.a: { equals: 1 } }]\n      args.b: { equals: 2 }'),
      'contracts[0].when',
      'must be the only key',
    );
  });

  it('rejects unknown selectors and operators', () => {
    expectProblem(
      withWhen('arg.path: { equals: 1 }'),
      'contracts[0].when["arg.path"]',
      'unknown selector',
    );
    expectProblem(
      withWhen('principal.name: { equals: 1 }'),
      'contracts[0].when["principal.name"]',
      'unknown selector',
    );
    expectProblem(
      withWhen('args.: { equals: 1 }'),
      'contracts[0].when["args."]',
      'unknown selector',
    );
    expectProblem(
      withWhen('args.a: { like: x }'),
      'contracts[0].when["args.a"].like',
      'unknown operator',
    );
  });

  it('checks operator value types', () => {
    const cases: [string, string, string][] = [
      ['exists: "yes"', 'exists', 'must be a boolean'],
      ['equals: [1]', 'equals', 'must be a scalar'],
      ['in: []', 'in', 'non-empty list'],
      ['not_in: x', 'not_in', 'must be a list'],
      ['contains_any: []', 'contains_any', 'non-empty list'],
      ['contains: 5', 'contains', 'must be a string'],
      ['starts_with: [a]', 'starts_with', 'must be a string'],
      ['ends_with: ~', 'ends_with', 'must be a string'],
      ['gt: "5"', 'gt', 'must be a number'],
      ['lte: true', 'lte', 'must be a number'],
      ['matches_any: []', 'matches_any', 'non-empty list'],
    ];
    for (const [op, name, fragment] of cases) {
      expectProblem(withWhen(`args.a: { ${op} }`), `contracts[0].when["args.a"].${name}`, fragment);
    }
  });

  it('reports regexes that JavaScript cannot compile, with the compile error', () => {
    const p = expectProblem(
      withWhen("args.a: { matches: '(unclosed' }"),
      'contracts[0].when["args.a"].matches',
      'invalid regular expression',
    );
    expect(p.msg).toMatch(/Unterminated group/);
    expectProblem(
      withWhen("args.a: { matches_any: ['ok', '[z-a]'] }"),
      'contracts[0].when["args.a"].matches_any[1]',
      'invalid regular expression',
    );
  });

  it('limits nesting to 50 levels', () => {
    const nested = (levels: number): string =>
      `${'{ not: '.repeat(levels - 1)}{ args.a: { exists: true } }${' }'.repeat(levels - 1)}`;
    expect(validateBundleYaml(bundle(PRE.replace(/when:\n.*\n/, `when: ${nested(50)}\n`))).ok).toBe(
      true,
    );
    const p = problemsOf(
      validateBundleYaml(bundle(PRE.replace(/when:\n.*\n/, `when: ${nested(51)}\n`))),
    );
    expect(p.some((x) => x.msg.includes('at most 50 levels'))).toBe(true);
  });
});

describe('validateBundleYaml: reporting', SLOW, () => {
  it('reports the 1-based line of the offending node', () => {
    const lines = EXAMPLE.split('\n');
    const effectLine = lines.findIndex((l) => l.includes('effect: redact')) + 1;
    const p = expectProblem(
      EXAMPLE.replace('effect: redact', 'effect: shout'),
      'contracts[2].then.effect',
      'must be one of warn, redact, deny',
    );
    expect(p).toMatchObject({ loc: ['contracts', 2, 'then', 'effect'], line: effectLine });
    const anyLine = lines.findIndex((l) => l.includes('contains: "id_rsa"')) + 1;
    const q = expectProblem(
      EXAMPLE.replace('contains: "id_rsa"', 'contains: 7'),
      'contracts[0].when.any[1]["args.path"].contains',
      'must be a string',
    );
    expect(q.line).toBe(anyLine);
  });

  it('reports all problems in document order, capped at 100', () => {
    const broken = EXAMPLE.replace('mode: enforce', 'mode: x').replace(
      'effect: redact',
      'effect: y',
    );
    const problems = problemsOf(validateBundleYaml(broken));
    expect(problems.map((p) => p.path)).toEqual(['defaults.mode', 'contracts[2].then.effect']);
    const many = Array.from({ length: 300 }, (_, i) => PRE.replace('id: c1', `id: C${i}`)).join('');
    const capped = problemsOf(validateBundleYaml(bundle(many)));
    expect(capped).toHaveLength(100);
    const lines = capped.map((p) => p.line ?? 0);
    expect([...lines].sort((a, b) => a - b)).toEqual(lines);
  });

  it('joins path and message into a readable sentence', () => {
    const p = expectProblem(
      bundle(PRE + PRE.replace('id: c1', 'id: c2').replace('effect: deny', 'effect: block')),
      'contracts[1].then.effect',
      '',
    );
    expect(`${p.path}: ${p.msg}`).toBe('contracts[1].then.effect: must be one of deny, approve');
  });
});

describe('validateBundleYaml: robustness', SLOW, () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })),
        (s) => {
          const r = validateBundleYaml(s);
          expect(typeof r.ok).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on random mutations of a valid bundle', () => {
    const alphabet = [
      ' ',
      '\n',
      '-',
      ':',
      '[',
      ']',
      '{',
      '}',
      '&a',
      '*a',
      '!!',
      '"',
      "'",
      '#',
      '\t',
      'x',
      '0',
      '---',
    ];
    const mutation = fc.record({
      at: fc.nat({ max: EXAMPLE.length }),
      remove: fc.nat({ max: 20 }),
      insert: fc.oneof(fc.constantFrom(...alphabet), fc.string({ maxLength: 8 })),
    });
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
          expect(r.problems.length).toBeLessThanOrEqual(100);
          for (const p of r.problems) expect(p.line === null || p.line >= 1).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on non-string input at runtime', () => {
    expect(validateBundleYaml(undefined as unknown as string).ok).toBe(false);
  });
});

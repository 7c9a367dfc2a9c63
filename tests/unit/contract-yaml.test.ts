// The dashboard's library editor helpers (dashboard/src/lib/contract-yaml.ts): a definition
// round-trips through its YAML, syntax problems carry their line, and a problem the console's
// validator finds in the wrapped one-contract bundle maps back to the editor line it is on.
import { describe, expect, test } from 'vitest';
import { validateBundleYaml } from '../../src/modules/bundles/bundle-validation.js';
import { definitionToYaml, parseDefinition, proposalToDefinition, slugify, unwrapLine, wrapDefinition } from '../../dashboard/src/lib/contract-yaml.js';

const GOOD = 'tool: read_file\nwhen:\n  args.path: { contains: ".ssh/" }\nthen:\n  effect: deny\n  message: "Never read keys"\n';

describe('contract definition YAML in the library editor', () => {
  test('a definition round-trips, leaving out the id and type the form owns', () => {
    const parsed = parseDefinition(GOOD);
    expect(parsed.problems).toEqual([]);
    const yaml = definitionToYaml({ id: 'x', type: 'pre', ...parsed.value });
    expect(yaml).not.toMatch(/^(id|type):/m);
    expect(parseDefinition(yaml).value).toEqual(parsed.value);
  });

  test('a syntax error is reported on its line; a list is not a definition', () => {
    const bad = parseDefinition('tool: read_file\nwhen:\n  args.path: { contains: ".ssh/"\nthen: {}\n');
    expect(bad.value).toBeNull();
    expect(bad.problems[0]!.line).toBeGreaterThanOrEqual(3);
    const list = parseDefinition('- a\n- b\n');
    expect(list.value).toBeNull();
    expect(list.problems[0]!.message).toMatch(/mapping/);
  });

  test('the wrapped bundle is valid for a valid definition', () => {
    const v = validateBundleYaml(wrapDefinition(GOOD, 'no-keys', 'pre'));
    expect(v.ok).toBe(true);
  });

  test("a validator problem in the wrapped bundle maps back to the editor's line", () => {
    const text = GOOD.replace('effect: deny', 'effect: explode');
    const v = validateBundleYaml(wrapDefinition(text, 'no-keys', 'pre'));
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const effect = v.problems.find((p) => p.path.includes('effect'));
    expect(effect).toBeDefined();
    expect(unwrapLine(effect!.line)).toBe(5);
    expect(text.split('\n')[4]).toContain('effect: explode');
  });

  test('an id the form has not made valid yet still wraps into a checkable bundle; slugs are ids', () => {
    expect(validateBundleYaml(wrapDefinition(GOOD, 'Not An Id!', 'pre')).ok).toBe(true);
    expect(slugify('  Refunds > 5000 (EU)  ')).toBe('refunds-5000-eu');
    expect(slugify('x'.repeat(300))).toHaveLength(128);
    expect(unwrapLine(3)).toBe(1);
    expect(unwrapLine(null)).toBeNull();
  });

  test("an assistant proposal applies as a definition: a bundle's, a list's or a lone contract's first, without id and type", () => {
    const contract = '- id: no-keys\n  type: pre\n  tool: read_file\n  when:\n    args.path: { contains: ".ssh/" }\n  then:\n    effect: deny\n    message: "Never read keys"\n';
    const bundle = `apiVersion: edictum/v1\nkind: ContractBundle\nmetadata:\n  name: b\ndefaults:\n  mode: enforce\ncontracts:\n${contract}`;
    for (const text of [contract, bundle, contract.replace(/^- /, '').replace(/^ {2}/gm, '')]) {
      const def = proposalToDefinition(text);
      expect(def).not.toBeNull();
      expect(def).not.toMatch(/^(id|type):/m);
      expect(parseDefinition(def!).value).toEqual(parseDefinition(GOOD).value);
    }
    expect(proposalToDefinition('apiVersion: edictum/v1\nkind: ContractBundle\n')).toBeNull();
    expect(proposalToDefinition('just words')).toBeNull();
    expect(proposalToDefinition('key: [unclosed')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { evaluate, loadBundle } from '../../src/engine/engine.js';
import { TEMPLATES } from '../../src/modules/library/library-templates.js';
import { validateBundleYaml } from '../../src/modules/bundles/bundle-validation.js';

/** Every starter pack is valid by the engine, and each Evaluate preset gets the outcome it promises. */
describe('library templates', () => {
  it('offers the four starter packs the issue asks for', () => {
    expect(TEMPLATES.map((t) => t.id)).toEqual(['coding-workstation', 'support-refunds', 'research-sandboxes', 'production-baseline']);
  });

  for (const t of TEMPLATES) {
    describe(t.id, () => {
      it('is a valid bundle for upload (strict, Python semantics) and for the TS SDK', () => {
        const v = validateBundleYaml(t.yaml_content);
        expect(v.ok ? [] : v.problems).toEqual([]);
        const ts = loadBundle(t.yaml_content, { sdk: 'typescript' });
        expect(ts.ok).toBe(true);
      });

      it('lists its contracts as the YAML holds them', () => {
        const v = validateBundleYaml(t.yaml_content);
        if (!v.ok) throw new Error('invalid');
        expect(t.contracts.map((c) => [c.contract_id, c.type])).toEqual(v.contracts.map((c) => [c.id, c.type]));
      });

      for (const p of t.presets) {
        it(`preset "${p.label}" gets ${p.expected_outcome}${p.deciding_contract ? ` from ${p.deciding_contract}` : ''}`, () => {
          const loaded = loadBundle(t.yaml_content, { sdk: 'python' });
          if (!loaded.ok) throw new Error('invalid');
          const v = evaluate(loaded.bundle, { tool: p.tool_name, args: p.tool_args, environment: 'production' });
          expect([v.outcome, v.decidingContract]).toEqual([p.expected_outcome, p.deciding_contract]);
        });
      }
    });
  }
});

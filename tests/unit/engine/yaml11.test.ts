import { describe, expect, it } from 'vitest';
import { loadBundle } from '../../../src/engine/engine.js';

/** The Python SDK reads bundles with PyYAML (YAML 1.1): which plain scalars are numbers or booleans. */
const bundleWithId = (id: string) => `apiVersion: edictum/v1
kind: ContractBundle
metadata: {name: a}
defaults: {mode: enforce}
contracts:
  - id: ${id}
    type: pre
    tool: x
    when: {args.a: {equals: 1}}
    then: {effect: deny, message: m}
`;

describe('YAML 1.1 scalars as PyYAML resolves them', () => {
  it.each(['e0', '1e5', '09', '1e-5', '0e0'])('%s is a string, so a valid id', (id) => {
    const r = loadBundle(bundleWithId(id), { sdk: 'python' });
    expect(r.ok, JSON.stringify(r.ok ? null : r.errors)).toBe(true);
  });

  it.each(['1.0e+5', '12', '.5', '1_000', '0x1f', '017', 'yes', 'off'])('%s is a number or a boolean, so not an id', (id) => {
    const r = loadBundle(bundleWithId(id), { sdk: 'python' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.path).toBe('contracts[0].id');
  });
});

import { describe, expect, it } from 'vitest';
import { evaluate, loadBundle, type Sdk } from '../../src/engine/engine.js';
import { renderBundle } from '../../src/modules/bundles/bundle-rendering.js';
import { overlayBundle, overlayContractId, type OverlaySwitch } from '../../src/modules/breakglass/deny-overlay.js';

const BUNDLE = (mode: 'enforce' | 'observe') => `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: ops
defaults:
  mode: ${mode}
tools:
  send_email: { side_effect: irreversible }
  write_file: { side_effect: write }
  read_file: { side_effect: read }
contracts:
  - id: no-env
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: "no secrets"
  - id: pay-approve
    type: pre
    tool: pay
    when:
      args.amount: { gt: 10 }
    then:
      effect: approve
      message: "big payment"
  - id: limits
    type: session
    limits:
      max_tool_calls: 1000
    then:
      effect: deny
      message: "too many"
`;

const SDKS: Sdk[] = ['python', 'typescript'];
const until = new Date('2030-01-01T00:00:00Z');
const sw = (id: string, kind: OverlaySwitch['kind'], tool: string | null = null): OverlaySwitch => ({
  id,
  kind,
  tool,
  expiresAt: until,
});

/** The verdict of both SDK readings, on both renderings (ContractBundle and Ruleset). */
function verdicts(yaml: string, tool: string, args: Record<string, unknown> = {}) {
  const ruleset = renderBundle(yaml, 'contract_bundle', 'ruleset');
  expect(ruleset.ok).toBe(true);
  const out: { outcome: string; decidingContract: string | null; mode: string }[] = [];
  for (const text of [yaml, ruleset.ok ? ruleset.text : '']) {
    const loaded = loadBundle(text);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    for (const sdk of SDKS) {
      const v = evaluate(loaded.bundle, { tool, args }, { sdk });
      out.push({ outcome: v.outcome, decidingContract: v.decidingContract, mode: v.mode });
    }
  }
  return out;
}

describe('break-glass deny overlay, checked with the contract engine', () => {
  it('a frozen tool is denied by the overlay contract, on both SDK readings and both renderings; other tools are unaffected', () => {
    const s = sw('11111111-2222-4333-8444-555555555555', 'freeze_tool', 'pay');
    const yaml = overlayBundle(BUNDLE('enforce'), [s])!;
    for (const v of verdicts(yaml, 'pay', { amount: 500 }))
      expect(v).toEqual({ outcome: 'denied', decidingContract: overlayContractId(s.id), mode: 'enforce' });
    // Without the switch the same call asks a human (Python) or blocks (TS): the overlay decided, not the bundle.
    for (const v of verdicts(BUNDLE('enforce'), 'pay', { amount: 500 })) expect(v.decidingContract).toBe('pay-approve');
    for (const v of verdicts(yaml, 'read_file', { path: 'a.txt' })) expect(v.outcome).toBe('allowed');
    for (const v of verdicts(yaml, 'read_file', { path: '.env' })) expect(v.decidingContract).toBe('no-env');
  });

  it('a frozen glob denies every tool it matches', () => {
    const yaml = overlayBundle(BUNDLE('enforce'), [sw('a1', 'freeze_tool', 'db_*')])!;
    for (const v of verdicts(yaml, 'db_drop', {})) expect(v.outcome).toBe('denied');
    for (const v of verdicts(yaml, 'dbx', {})) expect(v.outcome).toBe('allowed');
  });

  it('stop side effects denies exactly the tools marked write or irreversible', () => {
    const yaml = overlayBundle(BUNDLE('enforce'), [sw('b2', 'stop_side_effects')])!;
    for (const tool of ['send_email', 'write_file']) for (const v of verdicts(yaml, tool)) expect(v.outcome, tool).toBe('denied');
    for (const tool of ['read_file', 'unlisted'])
      for (const v of verdicts(yaml, tool, { path: 'x' })) expect(v.outcome, tool).toBe('allowed');
  });

  it('a bundle that marks no side-effecting tool gets no overlay from stop side effects', () => {
    const plain = BUNDLE('enforce').replace(/tools:\n(.*\n){3}/, '');
    expect(overlayBundle(plain, [sw('c3', 'stop_side_effects')])).toBeNull();
  });

  it('quarantine denies every tool', () => {
    const yaml = overlayBundle(BUNDLE('enforce'), [sw('d4', 'quarantine_agent')])!;
    for (const tool of ['read_file', 'anything', 'pay'])
      for (const v of verdicts(yaml, tool, { path: 'a' })) expect(v.outcome).toBe('denied');
  });

  it('wins in an observe-mode bundle too, while the bundle’s own contracts keep only observing', () => {
    const yaml = overlayBundle(BUNDLE('observe'), [sw('e5', 'freeze_tool', 'send_email')])!;
    for (const v of verdicts(yaml, 'send_email'))
      expect(v).toMatchObject({ outcome: 'denied', decidingContract: overlayContractId('e5') });
    // no-env was observe-only before; it still does not block.
    for (const v of verdicts(yaml, 'read_file', { path: '.env' })) expect(v.outcome).toBe('allowed');
    for (const v of verdicts(BUNDLE('observe'), 'read_file', { path: '.env' })) expect(v.outcome).toBe('allowed');
  });

  it('no switch, or only switches that add nothing: the bundle is served unchanged', () => {
    expect(overlayBundle(BUNDLE('enforce'), [])).toBeNull();
  });

  it('an admin-typed tool with template braces stays out of the message', () => {
    const yaml = overlayBundle(BUNDLE('enforce'), [sw('f6', 'freeze_tool', '{args.x}')])!;
    expect(loadBundle(yaml).ok).toBe(true);
    expect(yaml).toContain('Tool frozen by a break-glass switch until 2030-01-01T00:00:00.000Z.');
  });
});

import { describe, expect, it } from 'vitest';
import { diffBundles, fieldChanges } from '../../src/modules/library/bundle-diff.js';
import { contentHash, contractEntry, splitDefinition } from '../../src/modules/library/library-content.js';
import { draftFor, tellingArgument } from '../../src/modules/library/contract-from-event.js';

const doc = (mode: string, contracts: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'edictum/v1',
  kind: 'ContractBundle',
  metadata: { name: 'b' },
  defaults: { mode },
  contracts,
  ...extra,
});
const pre = (id: string, message: string, more: Record<string, unknown> = {}) => ({ id, type: 'pre', tool: 't', when: { 'args.a': { equals: 1 } }, then: { effect: 'deny', message }, ...more });

describe('bundle diff', () => {
  it('matches contracts by id and reports added, removed, changed field by field, unchanged', () => {
    const d = diffBundles(doc('enforce', [pre('a', 'x'), pre('b', 'y'), pre('c', 'z')]), doc('enforce', [pre('b', 'y2'), pre('c', 'z'), pre('d', 'w')]));
    expect(d.added.map((c) => c.contract_id)).toEqual(['d']);
    expect(d.removed.map((c) => c.contract_id)).toEqual(['a']);
    expect(d.changed).toEqual([{ contract_id: 'b', fields: [{ path: 'then.message', from: 'y', to: 'y2' }] }]);
    expect(d.unchanged).toEqual(['c']);
    expect(d.bundle_fields).toEqual([]);
  });

  it('shows a defaults change on the contracts whose effective mode it moves, and on the bundle', () => {
    const d = diffBundles(doc('enforce', [pre('a', 'x'), pre('b', 'x', { mode: 'enforce' })]), doc('observe', [pre('a', 'x'), pre('b', 'x', { mode: 'enforce' })]));
    expect(d.changed).toEqual([{ contract_id: 'a', fields: [{ path: 'mode', from: 'enforce', to: 'observe' }] }]);
    expect(d.unchanged).toEqual(['b']);
    expect(d.bundle_fields).toEqual([{ path: 'defaults.mode', from: 'enforce', to: 'observe' }]);
  });

  it('treats nothing before as every contract added, and compares lists whole', () => {
    expect(diffBundles(null, doc('enforce', [pre('a', 'x')])).added).toEqual([{ contract_id: 'a', type: 'pre', mode: 'enforce' }]);
    expect(fieldChanges({ within: ['/a', '/b'] }, { within: ['/a'] })).toEqual([{ path: 'within', from: ['/a', '/b'], to: ['/a'] }]);
    expect(fieldChanges({ x: { b: 1, a: 2 } }, { x: { a: 2, b: 1 } })).toEqual([]);
  });
});

describe('library content', () => {
  it('hashes content regardless of key order, and differently for another type', () => {
    const a = { tool: 't', then: { effect: 'deny', message: 'm' } };
    const b = { then: { message: 'm', effect: 'deny' }, tool: 't' };
    expect(contentHash('pre', a)).toBe(contentHash('pre', b));
    expect(contentHash('post', a)).not.toBe(contentHash('pre', a));
  });

  it('writes a contract in reading order whatever order the definition came in', () => {
    const e = contractEntry('x', 'pre', { then: { message: 'm', effect: 'deny' }, when: {}, tool: 't' }, { mode: 'observe' });
    expect(Object.keys(e)).toEqual(['id', 'type', 'mode', 'tool', 'when', 'then']);
    expect(Object.keys(e.then as object)).toEqual(['effect', 'message']);
  });

  it('refuses a definition whose id or type disagrees', () => {
    expect(splitDefinition({ id: 'y', tool: 't' }, { contractId: 'x' })).toMatchObject({ ok: false, field: 'id' });
    expect(splitDefinition({ type: 'post' }, { type: 'pre' })).toMatchObject({ ok: false, field: 'type' });
    expect(splitDefinition({ id: 'x', type: 'pre', tool: 't' }, { contractId: 'x', type: 'pre' })).toEqual({ ok: true, definition: { tool: 't' } });
  });
});

describe('draft from an event', () => {
  it('keys on the most telling argument', () => {
    expect(tellingArgument({ cwd: '/tmp', command: 'ls' })).toBe('command');
    expect(tellingArgument({ note: 'x', amount: 5 })).toBe('amount');
    expect(tellingArgument({ nested: { a: 1 }, flag: true })).toBe('flag');
    expect(tellingArgument({ nested: { a: 1 } })).toBeNull();
  });

  it('uses equals for text, gte for numbers, starts_with for long text, and the tool alone without arguments', () => {
    expect(draftFor({ id: 'e', tool_name: 'pay', tool_args: { amount: 900 } }).definition.when).toEqual({ 'args.amount': { gte: 900 } });
    const long = 'x'.repeat(300);
    expect(draftFor({ id: 'e', tool_name: 'q', tool_args: { sql: long } }).definition.when).toEqual({ 'args.sql': { starts_with: long.slice(0, 200) } });
    const bare = draftFor({ id: 'e', tool_name: 'Do Thing*', tool_args: {} });
    expect(bare.definition).toMatchObject({ tool: 'Do Thing?', when: { 'tool.name': { equals: 'Do Thing*' } } });
    expect(bare.contract_id).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
  });
});

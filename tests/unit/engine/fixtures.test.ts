/**
 * Every case of ../shared/fixtures/contract-language/ (reference/contract-language.md section 18)
 * for both SDK settings: TS against `expect`, Python against `expect` overlaid with `python:`.
 * The fixture files are read in place (CI checks out shared/ beside the repository).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { evaluate, loadBundle, loadBundleObject, type Sdk } from '../../../src/engine/engine.js';

const DIR = resolve(import.meta.dirname, '../../../../shared/fixtures/contract-language');

interface Case {
  id: string;
  about: string;
  bundle?: unknown;
  bundle_yaml?: string;
  compose?: unknown[];
  call?: { tool: string; args: Record<string, unknown>; environment?: string; principal?: Record<string, unknown>; env?: Record<string, string>; metadata?: Record<string, unknown> };
  result?: unknown;
  session?: { attempts?: number; tool_calls?: number; per_tool?: Record<string, number> };
  expect: Record<string, unknown>;
  python?: Record<string, unknown>;
}

function expectationFor(c: Case, sdk: Sdk): Record<string, unknown> {
  if (sdk === 'typescript' || !c.python) return c.expect;
  const { note: _note, ...py } = c.python;
  const merged: Record<string, unknown> = { ...c.expect, ...py };
  if ('verdict' in py && !('invalid' in py)) {
    delete merged.invalid;
    delete merged.mentions;
  }
  if (py.invalid === true) delete merged.mentions;
  return merged;
}

function runCase(c: Case, sdk: Sdk): void {
  const want = expectationFor(c, sdk);
  const opts = { sdk, composeObjects: c.compose };
  const loaded = c.bundle_yaml !== undefined ? loadBundle(c.bundle_yaml, opts) : loadBundleObject(c.bundle, opts);
  if (want.invalid === true) {
    expect(loaded.ok, `${c.id} should be refused`).toBe(false);
    if (!loaded.ok && typeof want.mentions === 'string') {
      expect(loaded.errors.map((e) => e.message).join('\n')).toContain(want.mentions);
    }
    return;
  }
  if (!loaded.ok) throw new Error(`${c.id} did not load: ${JSON.stringify(loaded.errors)}`);
  const call = c.call as NonNullable<Case['call']>;
  const v = evaluate(loaded.bundle, {
    tool: call.tool,
    args: call.args ?? {},
    environment: call.environment,
    principal: call.principal ?? null,
    env: call.env,
    metadata: call.metadata,
    result: c.result ?? null,
    session: c.session,
  });
  const detail = `${c.id} [${sdk}]: ${JSON.stringify({ outcome: v.outcome, contract: v.decidingContract, message: v.message, policyError: v.policyError, observed: v.observed, output: v.output, dry: v.dryRun })}`;
  expect(v.outcome, detail).toBe(want.verdict === 'approval_required' ? 'approval_required' : want.verdict);
  if ('contract' in want) expect(v.decidingContract, detail).toBe(want.contract);
  else if (want.verdict === 'allowed') expect(v.decidingContract, detail).toBeNull();
  if (typeof want.message_contains === 'string') expect(v.message ?? '', detail).toContain(want.message_contains);
  expect(v.policyError, detail).toBe(want.policy_error ?? false);
  expect(v.observed.map((o) => o.id), detail).toEqual(want.observed ?? []);
  if ('tags' in want) expect(v.tags, detail).toEqual(want.tags);
  if ('metadata' in want) expect(v.metadata, detail).toMatchObject(want.metadata as object);
  if ('output' in want) expect(v.output, detail).toEqual(want.output);
  if (typeof want.output_contains === 'string') expect(String(v.output), detail).toContain(want.output_contains);
  if ('dry_run' in want) expect(v.dryRun.verdict, detail).toBe(want.dry_run);
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

describe('contract-language fixtures are all present', () => {
  it('finds the 13 files and 243 cases', () => {
    const total = files.reduce((n, f) => n + (parse(readFileSync(join(DIR, f), 'utf8')) as { cases: Case[] }).cases.length, 0);
    expect(files).toHaveLength(13);
    expect(total).toBe(243);
  });
});

for (const file of files) {
  const { suite, cases } = parse(readFileSync(join(DIR, file), 'utf8')) as { suite: string; cases: Case[] };
  describe(`fixtures: ${suite}`, () => {
    it.each(cases.map((c) => [c.id, c] as const))('%s (typescript)', (_id, c) => runCase(c, 'typescript'));
    it.each(cases.map((c) => [c.id, c] as const))('%s (python)', (_id, c) => runCase(c, 'python'));
  });
}

import { Buffer } from 'node:buffer';
import { afterAll, describe, expect, it } from 'vitest';
import { createBundleValidator } from '../../src/modules/bundles/bundle-validator.js';
import { validateBundleYaml } from '../../src/modules/bundles/bundle-validation.js';

const HEAD = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: big-bundle
defaults:
  mode: enforce
contracts:
`;

function contracts(n: number, broken = -1): string {
  let s = HEAD;
  for (let i = 0; i < n; i++) {
    s += `  - id: c${i}
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env${i}" }
    then:
      effect: ${i === broken ? 'explode' : 'deny'}
      message: "no ${i}"
`;
  }
  return s;
}

describe('bundle validator pool', () => {
  const validator = createBundleValidator({ offThreadAboveBytes: 1024, maxConcurrent: 2 });
  afterAll(async () => validator.close());

  it('gives the same answer off the event loop as inline, problems and lines included', async () => {
    const text = contracts(40, 7);
    const off = await validator.validate(text);
    expect(off).toEqual(validateBundleYaml(text));
    expect(off.ok).toBe(false);
  });

  it('keeps the event loop free while a large document is validated', async () => {
    const text = contracts(600);
    const pending = validator.validate(text).then(() => 'validated');
    const tick = new Promise<string>((resolve) => setImmediate(() => resolve('event loop ran')));
    expect(await Promise.race([pending, tick])).toBe('event loop ran');
    expect(await pending).toBe('validated');
  });

  it('refuses a third concurrent large validation with 429 and Retry-After', async () => {
    const text = contracts(300);
    const first = validator.validate(text);
    const second = validator.validate(text);
    await expect(validator.validate(text)).rejects.toMatchObject({ statusCode: 429, headers: { 'retry-after': '1' } });
    expect((await first).ok).toBe(true);
    expect((await second).ok).toBe(true);
    expect(validator.busy()).toBe(0);
  });

  it('says in advance when a document of a given size would be refused (routes answer before reading the body)', async () => {
    const text = contracts(300);
    expect(validator.wouldRefuse(5000)).toBe(false);
    const first = validator.validate(text);
    const second = validator.validate(text);
    expect(validator.wouldRefuse(5000)).toBe(true);
    // Small enough for the inline path: never refused for concurrency.
    expect(validator.wouldRefuse(1000)).toBe(false);
    await Promise.all([first, second]);
    expect(validator.wouldRefuse(5000)).toBe(false);
  });

  it('validates small documents inline without counting against the limit', async () => {
    const text = contracts(300);
    const a = validator.validate(text);
    const b = validator.validate(text);
    const small = await validator.validate(contracts(1));
    expect(small.ok).toBe(true);
    await Promise.all([a, b]);
  });

  it('answers 503 once closed, never hangs', async () => {
    const v = createBundleValidator({ offThreadAboveBytes: 10 });
    const running = v.validate(contracts(200));
    await v.close();
    await expect(running).rejects.toMatchObject({ statusCode: 503 });
    await expect(v.validate(contracts(2))).rejects.toMatchObject({ statusCode: 503 });
  });

  it('by default parses anything over 4 KiB off the event loop, within the concurrency limit (issue 10)', async () => {
    const v = createBundleValidator();
    try {
      const text = contracts(40);
      expect(Buffer.byteLength(text)).toBeGreaterThan(4 * 1024);
      const first = v.validate(text);
      const second = v.validate(text);
      // Refused by its byte length alone, before anything is parsed on the main thread.
      await expect(v.validate(text)).rejects.toMatchObject({ statusCode: 429 });
      expect((await first).ok).toBe(true);
      expect((await second).ok).toBe(true);
    } finally {
      await v.close();
    }
  });

  it('runs the whole upload step (render, validate, render back) off the event loop and within the limit', async () => {
    const v = createBundleValidator();
    try {
      // A Ruleset upload: rendering it parses too, so it must not happen on the main thread.
      const ruleset = contracts(40).replace('kind: ContractBundle', 'kind: Ruleset').replace('contracts:', 'rules:').replaceAll('effect: deny', 'action: block');
      expect(Buffer.byteLength(ruleset)).toBeGreaterThan(4 * 1024);
      const first = v.prepare(ruleset);
      expect(v.busy()).toBe(1);
      const second = v.prepare(ruleset);
      await expect(v.prepare(ruleset)).rejects.toMatchObject({ statusCode: 429 });
      const out = await first;
      expect(out.ok).toBe(true);
      if (out.ok) {
        expect(out.format).toBe('ruleset');
        expect(out.ruleset).toBe(ruleset);
        expect(out.canonical).toMatch(/^kind: ContractBundle$/m);
        expect(out.validation.contractCount).toBe(40);
      }
      expect((await second).ok).toBe(true);
      const bad = await v.prepare(contracts(40, 3));
      expect(bad).toMatchObject({ ok: false, stage: 'validate' });
    } finally {
      await v.close();
    }
  });
});

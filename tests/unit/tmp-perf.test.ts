import { it } from 'vitest';
import { validateBundleYaml } from '../../src/modules/bundles/bundle-validation.js';
const HEADER = `apiVersion: edictum/v1\nkind: ContractBundle\nmetadata:\n  name: t\ndefaults:\n  mode: enforce\ncontracts:\n`;
const PRE = (i: number) => `  - id: c${i}\n    type: pre\n    tool: read_file\n    when:\n      any:\n        - args.path: { ends_with: ".env" }\n        - args.path: { matches: '^/etc/(passwd|shadow)$' }\n    then:\n      effect: deny\n      message: no\n`;
function time(label: string, s: string) {
  const t = performance.now();
  const r = validateBundleYaml(s);
  process.stdout.write(`${label}: ${(performance.now() - t).toFixed(0)}ms bytes=${Buffer.byteLength(s)} ok=${r.ok} ${r.ok ? r.contractCount : JSON.stringify(r.problems.slice(0, 3))}\n`);
}
it('perf', () => {
  time('1000 contracts', HEADER + Array.from({ length: 1000 }, (_, i) => PRE(i)).join(''));
  let big = HEADER; let i = 0; while (big.length < 1_000_000) big += PRE(i++);
  time('~1MB contracts', big);
  time('many anchors', 'a:\n' + Array.from({ length: 60000 }, (_, i) => `  - &a${i} x\n  - *a${i}`).join('\n'));
  time('deep flow', '['.repeat(200000));
  time('deep block', Array.from({ length: 5000 }, (_, i) => ' '.repeat(i) + '- ').join('\n'));
  time('deep not', HEADER + `  - id: x\n    type: pre\n    tool: t\n    when: ${'{not: '.repeat(20000)}{args.a: {exists: true}}${'}'.repeat(20000)}\n    then: {effect: deny}\n`);
  time('circular', HEADER + `  - id: x\n    type: pre\n    tool: t\n    when: &w {not: *w}\n    then: {effect: deny}\n`);
  time('circular2', HEADER + `  - &c {id: x, type: pre, tool: t, when: {any: [*c]}, then: {effect: deny}}\n`);
  time('huge key', 'a'.repeat(1_000_000) + ': 1');
  time('many problems', HEADER + '  - 1\n'.repeat(150000));
  time('regex many', HEADER + `  - id: x\n    type: pre\n    tool: t\n    when: {args.a: {matches_any: [${Array.from({length: 50000}, () => "'(a+)+$'").join(',')}]}}\n    then: {effect: deny}\n`);
});

// `npm run bench`: run every benchmark in bench/ (or the ones named) and collect RESULT lines.
// Each benchmark measures its own raw baseline in the same run and prints a ratio.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, checkNode, ensureInstalled } from './lib.mjs';

checkNode();
ensureInstalled();
const wanted = process.argv.slice(2);
const files = readdirSync(join(ROOT, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)));
const results = [];
for (const f of files) {
  process.stdout.write(`\n### ${f}\n`);
  const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench', f)], {
    cwd: ROOT,
    encoding: 'utf8',
    env: process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(res.stdout);
  process.stderr.write(res.stderr);
  for (const line of res.stdout.split('\n')) if (line.startsWith('RESULT ')) results.push(line);
  if (res.status !== 0) results.push(`RESULT ${f} crashed exit=${res.status} FAIL`);
}
process.stdout.write(`\n## Summary\n${results.join('\n')}\n`);
process.exit(results.some((l) => l.endsWith('FAIL')) ? 1 : 0);

#!/usr/bin/env node
// Prints every JS chunk of the dashboard build with its raw and gzip size, then the total
// the first page (/dashboard, the Overview) loads: the entry chunk, everything it imports
// statically, and the lazy route chunks that route needs (with their static imports).
// Exits 1 when that total is over the budget, so the build fails instead of slowly growing.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 250;
// Lazy modules the router loads for the initial route, in addition to the entry.
const INITIAL_ROUTE_MODULES = ['src/pages/shell/AppShell.tsx', 'src/pages/home/HomePage.tsx'];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const manifestPath = join(dist, '.vite', 'manifest.json');
if (!existsSync(manifestPath)) {
  process.stderr.write(`report-sizes: ${manifestPath} not found; run vite build first\n`);
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

const sizes = new Map();
function sizeOf(file) {
  let s = sizes.get(file);
  if (!s) {
    const buf = readFileSync(join(dist, file));
    s = { raw: buf.length, gzip: gzipSync(buf).length };
    sizes.set(file, s);
  }
  return s;
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`.padStart(10);

const assetsDir = join(dist, 'assets');
const jsFiles = readdirSync(assetsDir).filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`);
const rows = jsFiles.map((f) => ({ file: f, ...sizeOf(f) })).sort((a, b) => b.gzip - a.gzip);

process.stdout.write(`\n${'chunk'.padEnd(56)}${'raw'.padStart(10)}${'gzip'.padStart(10)}\n`);
for (const r of rows) process.stdout.write(`${r.file.padEnd(56)}${kb(r.raw)}${kb(r.gzip)}\n`);
const all = rows.reduce((a, r) => ({ raw: a.raw + r.raw, gzip: a.gzip + r.gzip }), { raw: 0, gzip: 0 });
process.stdout.write(`${'all chunks'.padEnd(56)}${kb(all.raw)}${kb(all.gzip)}\n`);

// Collect the static-import closure of the entry and of the initial route's lazy modules.
const initial = new Set();
function visit(key) {
  const chunk = manifest[key];
  if (!chunk || initial.has(chunk.file)) return;
  if (chunk.file.endsWith('.js')) initial.add(chunk.file);
  for (const imp of chunk.imports ?? []) visit(imp);
}
const entryKeys = Object.keys(manifest).filter((k) => manifest[k].isEntry);
for (const k of entryKeys) visit(k);
for (const m of INITIAL_ROUTE_MODULES) {
  if (!manifest[m]) {
    process.stderr.write(`report-sizes: ${m} is not a chunk in the manifest (renamed? update INITIAL_ROUTE_MODULES)\n`);
    process.exit(1);
  }
  visit(m);
}
const init = [...initial].reduce(
  (a, f) => {
    const s = sizeOf(f);
    return { raw: a.raw + s.raw, gzip: a.gzip + s.gzip };
  },
  { raw: 0, gzip: 0 },
);
process.stdout.write(
  `${`initial route /dashboard (${initial.size} chunks)`.padEnd(56)}${kb(init.raw)}${kb(init.gzip)}\n` +
    `budget: ${BUDGET_KB} KB gzip\n`,
);
if (init.gzip > BUDGET_KB * 1024) {
  process.stderr.write(`report-sizes: initial route is ${(init.gzip / 1024).toFixed(1)} KB gzip, over the ${BUDGET_KB} KB budget\n`);
  process.exit(1);
}

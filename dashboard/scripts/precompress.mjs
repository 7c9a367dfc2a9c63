#!/usr/bin/env node
// Writes a brotli (.br) and a gzip (.gz) copy next to every compressible file of the build, at
// the highest levels (done once here, not per request). The console serves them with
// Content-Encoding and Vary: Accept-Encoding (@fastify/static `preCompressed`,
// src/platform/dashboard-static.ts). Files under 1 KB, or that would not shrink, get none.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|txt|webmanifest|map|xml|ico)$/;
const MIN_BYTES = 1024;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

let raw = 0;
let br = 0;
let count = 0;
for (const path of files(dist)) {
  if (!COMPRESSIBLE.test(path) || path.includes(`${join(dist, '.vite')}`)) continue;
  const buf = readFileSync(path);
  if (buf.length < MIN_BYTES) continue;
  const b = brotliCompressSync(buf, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
  });
  const g = gzipSync(buf, { level: 9 });
  if (b.length < buf.length) writeFileSync(`${path}.br`, b);
  if (g.length < buf.length) writeFileSync(`${path}.gz`, g);
  raw += buf.length;
  br += Math.min(b.length, buf.length);
  count++;
}
process.stdout.write(`precompress: ${count} files, ${(raw / 1024).toFixed(1)} KB -> ${(br / 1024).toFixed(1)} KB brotli\n`);

// Compression: JSON above 1 KB goes out brotli or gzip (never SSE), dashboard assets go out as
// the build's precompressed copies with Content-Encoding and Vary: Accept-Encoding.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse, type SseClient } from '../helpers/sse-client.js';
import { postEvents, tsEvent } from '../helpers/events-fixtures.js';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';

const ASSET = 'assets/index-abc123.js';
const SCRIPT = `export const rows = ${JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ row: i, label: `row number ${i}` })))};\n`;
const SMALL = 'assets/tiny-abc123.js';
const IMAGE = 'assets/logo-abc123.png';
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(2048, 7)]);

describe('response compression', () => {
  let t: TestApp;
  let admin: Principal;
  let staticDir: string;
  const sse: SseClient[] = [];

  beforeAll(async () => {
    // A built dashboard in miniature, precompressed as dashboard/scripts/precompress.mjs does.
    staticDir = mkdtempSync(join(tmpdir(), 'edictum-static-'));
    mkdirSync(join(staticDir, 'assets'));
    writeFileSync(join(staticDir, 'index.html'), `<!doctype html><title>x</title>${'<!-- pad -->'.repeat(200)}`);
    writeFileSync(join(staticDir, ASSET), SCRIPT);
    writeFileSync(join(staticDir, `${ASSET}.br`), brotliCompressSync(SCRIPT));
    writeFileSync(join(staticDir, `${ASSET}.gz`), gzipSync(SCRIPT));
    writeFileSync(join(staticDir, SMALL), 'export const x = 1;\n');
    writeFileSync(join(staticDir, IMAGE), PNG);
    t = await createTestApp({ env: { EDICTUM_STATIC_DIR: staticDir, EDICTUM_SSE_KEEPALIVE_SECONDS: '1' } });
    admin = await t.admin();
    const key = await t.apiKey(admin.cookie, 'production');
    const events = Array.from({ length: 30 }, () => tsEvent());
    expect((await postEvents(t, key, { events })).statusCode).toBe(200);
  });
  afterAll(async () => {
    for (const c of sse) c.close();
    await t?.close();
    rmSync(staticDir, { recursive: true, force: true });
  });

  const events = (acceptEncoding?: string) =>
    t.request({ url: '/api/v1/events?limit=30', cookie: admin.cookie, headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} });

  it('sends a JSON list above 1 KB brotli-compressed, or gzip, with Vary: Accept-Encoding, the same JSON inside', async () => {
    const plain = await events();
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(1024);

    const br = await events('gzip, deflate, br');
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(String(br.headers.vary)).toMatch(/accept-encoding/i);
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
    expect(JSON.parse(brotliDecompressSync(br.rawPayload).toString('utf8'))).toEqual(plain.json());
    // The cursor header survives.
    expect(br.headers['x-searched-until']).toBe(plain.headers['x-searched-until']);

    const gz = await events('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString('utf8'))).toEqual(plain.json());
  });

  it('leaves a response under 1 KB as it is', async () => {
    const res = await t.request({ url: '/api/v1/auth/me', cookie: admin.cookie, headers: { 'accept-encoding': 'br, gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.length).toBeLessThan(1024);
    expect(res.headers['content-encoding']).toBeUndefined();
  });

  it('never compresses the dashboard event stream, even when the client accepts it', async () => {
    const base = await t.listen();
    const c = await openSse(`${base}/api/v1/stream/dashboard`, { cookie: admin.cookie, 'accept-encoding': 'gzip, deflate, br' });
    sse.push(c);
    expect(c.status).toBe(200);
    expect(c.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(c.headers['content-encoding']).toBeUndefined();
    // Frames arrive readable as they are written (the keepalive comment is plain text).
    await c.waitForChunk((s) => s.includes(': keepalive') || s.includes('event:'), 20_000, 'a plain-text SSE frame');
  });

  it('serves the precompressed brotli or gzip copy of an asset, with its type, caching and Vary', async () => {
    const br = await t.request({ url: `/dashboard/${ASSET}`, headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(String(br.headers.vary)).toMatch(/accept-encoding/i);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(br.rawPayload).toString('utf8')).toBe(SCRIPT);

    const gz = await t.request({ url: `/dashboard/${ASSET}`, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString('utf8')).toBe(SCRIPT);

    const plain = await t.request({ url: `/dashboard/${ASSET}` });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(String(plain.headers.vary)).toMatch(/accept-encoding/i);
    expect(plain.payload).toBe(SCRIPT);
  });

  it('serves an asset without a precompressed copy correctly, and an image as it is', async () => {
    // Compressed on the fly when the client accepts it (a file stream has no size for the threshold).
    const res = await t.request({ url: `/dashboard/${SMALL}`, headers: { 'accept-encoding': 'br, gzip' } });
    expect(res.statusCode).toBe(200);
    const body = res.headers['content-encoding'] === 'br' ? brotliDecompressSync(res.rawPayload).toString('utf8') : res.payload;
    expect(body).toBe('export const x = 1;\n');
    const png = await t.request({ url: `/dashboard/${IMAGE}`, headers: { 'accept-encoding': 'br, gzip' } });
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-encoding']).toBeUndefined();
    expect(png.rawPayload.equals(PNG)).toBe(true);
  });

  it('compresses the SPA page (index.html above 1 KB) for deep links', async () => {
    const res = await t.request({ url: '/dashboard/events', headers: { 'accept-encoding': 'br' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(res.rawPayload).toString('utf8')).toMatch(/^<!doctype html>/);
  });
});

import { constants } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import fastifyCompress from '@fastify/compress';

/** Responses smaller than this go out as they are (compressing them costs more than it saves). */
export const COMPRESS_THRESHOLD_BYTES = 1024;

/**
 * Compresses responses above 1 KB for clients that accept it: brotli at quality 4 (close to gzip's
 * speed, smaller output; quality 11 is for the build's precompressed assets only), else gzip.
 * What it leaves alone, and why:
 * - Server-Sent Event streams: they are hijacked (written to the socket directly, never through
 *   onSend) and `text/event-stream` is not in the compressible types either, so a frame is never
 *   held in a compressor's buffer.
 * - Bodies that already carry a Content-Encoding (the precompressed dashboard assets).
 * - The agents' hot path in practice: ingest answers `{accepted, duplicates}` and the other SDK
 *   calls answer a few hundred bytes, all under the threshold, so the cost there is one header
 *   check per response.
 * Request bodies are never decompressed (no SDK sends them compressed, and a compressed body
 * would dodge the ingest body limit's intent).
 */
export async function installCompression(app: FastifyInstance): Promise<void> {
  await app.register(fastifyCompress, {
    global: true,
    globalDecompression: false,
    threshold: COMPRESS_THRESHOLD_BYTES,
    encodings: ['br', 'gzip'],
    brotliOptions: { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } },
    zlibOptions: { level: 6 },
  });
}

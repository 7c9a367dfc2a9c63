import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The SSE wire format (decision 3): `id:`, `event:`, `data:` lines with LF endings and a blank
 * line, built once per message as one Buffer and written with one `write` per stream. The TS SDK
 * splits on CR, LF and CRLF and takes a lone LF at the start of a chunk for an empty line
 * (sdk-contract.md 3), so CRLF could lose events when a chunk boundary fell inside it; LF cannot.
 */

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  // nginx: do not buffer this response (docs/scaling.md has the proxy settings).
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
} as const;

export const KEEPALIVE_FRAME = Buffer.from(': keepalive\n\n', 'latin1');
/** Sent right after the headers (a comment: every SSE parser, both SDKs' included, skips it). */
export const CONNECTED_FRAME = Buffer.from(': connected\n\n', 'latin1');

/** A consumer this far behind is disconnected (decision 6); the SDK reconnects. */
export const MAX_BACKLOG_BYTES = 1024 * 1024;
export const MAX_BACKLOG_EVENTS = 1000;

const SAFE_TOKEN = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * One event as bytes. JSON.stringify escapes CR and LF inside strings, so `data` is always one
 * line; `id` and `type` are checked so nothing can inject a field.
 */
export function sseFrame(id: string | null, type: string, data: unknown): Buffer {
  if (!SAFE_TOKEN.test(type)) throw new Error(`unsafe SSE event type: ${JSON.stringify(type)}`);
  if (id !== null && !SAFE_TOKEN.test(id)) throw new Error(`unsafe SSE id: ${JSON.stringify(id)}`);
  const head = id === null ? '' : `id: ${id}\n`;
  return Buffer.from(`${head}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`, 'utf8');
}

export const isSafeEventId = (s: string) => SAFE_TOKEN.test(s);

const CRLF = Buffer.from('\r\n', 'latin1');
/** The last frame wrapped as an HTTP/1.1 chunk: a fan-out writes one frame to every socket in a row. */
let lastFrame: Buffer | null = null;
let lastChunk: Buffer | null = null;
function asChunk(frame: Buffer): Buffer {
  if (frame !== lastFrame) {
    lastChunk = Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`, 'latin1'), frame, CRLF]);
    lastFrame = frame;
  }
  return lastChunk!;
}

/**
 * Writes frames to one hijacked response and watches its backlog. Each frame is ONE `write` on
 * the socket: the HTTP chunk framing is built once per message and shared by every stream (going
 * through `res.write` would cost four writes and a cork per socket). Node buffers whatever the
 * socket cannot take; past MAX_BACKLOG_BYTES (or MAX_BACKLOG_EVENTS writes while over the
 * high-water mark) the stream is destroyed rather than buffered without end (decision 6).
 */
export class SseSink {
  closed = false;
  private blockedWrites = 0;
  /**
   * The socket, when the response owns it and its headers are on it. A pipelined request whose
   * predecessor is still being answered has no socket yet: then Node queues, and we use res.write.
   */
  private readonly socket: Socket | null;
  /** False for an HTTP/1.0 client: no chunked framing, the body simply runs until close. */
  private readonly chunked: boolean;

  constructor(readonly res: ServerResponse) {
    this.socket = res.socket;
    this.chunked = res.chunkedEncoding;
  }

  write(frame: Buffer): void {
    if (this.closed || this.res.destroyed) return;
    const out = this.socket ?? this.res;
    const ok = this.socket ? this.socket.write(this.chunked ? asChunk(frame) : frame) : this.res.write(frame);
    if (ok) return;
    if (this.blockedWrites++ === 0) {
      out.once('drain', () => {
        this.blockedWrites = 0;
      });
    }
    if (this.blockedWrites > MAX_BACKLOG_EVENTS || out.writableLength > MAX_BACKLOG_BYTES) this.destroy();
  }

  /** A clean end of stream (shutdown, revoked key, ended session): the client reconnects. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.res.destroyed) this.res.end();
  }

  destroy(): void {
    this.closed = true;
    this.res.destroy();
  }
}

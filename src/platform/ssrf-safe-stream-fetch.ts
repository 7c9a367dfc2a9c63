/**
 * A WHATWG-`fetch`-shaped client over the same SSRF checks as ssrf-safe-fetch.ts, for libraries
 * that take a `fetch` (the AI SDK providers) and read streamed answers (server-sent events).
 *
 * What it keeps from the one outbound client (architecture decision 13): http(s) only, every
 * resolved address checked and pinned for the connection (no DNS rebinding), no keep-alive pool,
 * no redirects followed, error messages without the remote body. What differs: the body is
 * handed over as a stream, so instead of one deadline for the whole exchange there are two:
 * `timeoutMs` until the response headers, and `timeoutMs` of silence between body chunks (a
 * model may stream for minutes, but never goes quiet that long). The body is cut at `maxBytes`.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { checkUrl, describeNetworkError, formatSeconds, pinnedLookup, stripBracketsAndZone } from './ssrf-safe-fetch.js';

export interface StreamFetchPolicy {
  allow: string[];
  /** Until the response headers, and the longest silence between body chunks. */
  timeoutMs: number;
  /** The body is cut off (the stream errors) past this many bytes. */
  maxBytes: number;
}

/** A provider did not answer within the policy's time; callers tell it apart from other failures. */
export class OutboundTimeoutError extends Error {
  readonly code = 'outbound.timeout';
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => {
    if (name === 'host' || name === 'content-length' || name === 'transfer-encoding') return;
    out[name] = value;
  });
  return out;
}

async function bodyOf(init: RequestInit | undefined): Promise<Buffer | undefined> {
  const body = init?.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  // Anything else (Uint8Array, Blob, a stream): let the platform serialise it.
  return Buffer.from(await new Response(body).arrayBuffer());
}

function responseHeaders(res: IncomingMessage): Headers {
  const h = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of [value].flat()) h.append(name, v);
  }
  return h;
}

export function createSafeStreamFetch(policy: StreamFetchPolicy): typeof fetch {
  const safe = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const checked = await checkUrl(url, { allow: policy.allow, timeoutMs: policy.timeoutMs, maxResponseBytes: policy.maxBytes });
    const target = checked.url;
    const host = stripBracketsAndZone(target.hostname);
    const isHttps = target.protocol === 'https:';
    const port = target.port !== '' ? Number(target.port) : isHttps ? 443 : 80;
    const where = `${target.hostname}:${port}`;
    const headers = headersOf(init);
    const body = await bodyOf(init);
    if (body !== undefined) headers['content-length'] = String(body.length);
    const controller = new AbortController();
    const outer = init?.signal;
    const onOuterAbort = (): void => controller.abort(outer?.reason);
    if (outer?.aborted) controller.abort(outer.reason);
    else outer?.addEventListener('abort', onOuterAbort, { once: true });
    const timeoutError = (): Error => new OutboundTimeoutError(`${where} did not answer within ${formatSeconds(policy.timeoutMs)}`);

    const options: RequestOptions & { servername?: string } = {
      protocol: target.protocol,
      host,
      port,
      path: `${target.pathname}${target.search}`,
      method: (init?.method ?? 'GET').toUpperCase(),
      headers,
      agent: false,
      lookup: pinnedLookup(checked.addresses),
      signal: controller.signal,
    };
    if (isHttps && isIP(host) === 0) options.servername = host;

    return new Promise<Response>((resolve, reject) => {
      let timedOut = false;
      let timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, policy.timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        outer?.removeEventListener('abort', onOuterAbort);
      };
      const fail = (err: unknown): Error => {
        if (timedOut) return timeoutError();
        if (outer?.aborted) return outer.reason instanceof Error ? outer.reason : new Error('aborted');
        return describeNetworkError(err, where);
      };
      const req = (isHttps ? httpsRequest : httpRequest)(options, (res) => {
        let size = 0;
        const stream = new Readable({ read: () => res.resume() });
        const rearm = (): void => {
          clearTimeout(timer);
          timer = setTimeout(() => {
            timedOut = true;
            stream.destroy(timeoutError());
            res.destroy();
          }, policy.timeoutMs);
        };
        rearm();
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > policy.maxBytes) {
            cleanup();
            stream.destroy(new Error(`the answer from ${where} is larger than ${policy.maxBytes} bytes`));
            res.destroy();
            return;
          }
          rearm();
          if (!stream.push(chunk)) res.pause();
        });
        res.on('end', () => {
          cleanup();
          stream.push(null);
        });
        res.on('error', (err) => {
          cleanup();
          stream.destroy(fail(err));
        });
        res.on('close', () => {
          if (!res.complete && !stream.destroyed) {
            cleanup();
            stream.destroy(timedOut ? timeoutError() : fail(Object.assign(new Error('connection closed before the response was complete'), { code: 'ECONNRESET' })));
          }
        });
        const status = res.statusCode ?? 502;
        const nullBody = status === 204 || status === 304 || options.method === 'HEAD';
        if (nullBody) res.resume();
        resolve(
          new Response(nullBody ? null : (Readable.toWeb(stream) as ReadableStream<Uint8Array>), {
            status,
            statusText: res.statusMessage ?? '',
            headers: responseHeaders(res),
          }),
        );
      });
      req.on('error', (err) => {
        cleanup();
        reject(fail(err));
      });
      if (body !== undefined) req.end(body);
      else req.end();
    });
  };
  return safe as typeof fetch;
}

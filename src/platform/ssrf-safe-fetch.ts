/**
 * The one outbound HTTP client (webhooks, Slack, Telegram, Discord).
 *
 * Architecture decision 13: http(s) only, every resolved address checked, the
 * checked address pinned for the connection, no redirects, bounded time and size.
 *
 * - The URL is parsed with WHATWG URL, so decimal/octal/hex IPv4 spellings
 *   (http://2130706433/, http://0x7f.1/) are normalised before the check.
 * - DNS is resolved once (all addresses); every address must pass
 *   `isBlockedAddress`. The socket then connects only to those checked
 *   addresses through a custom `lookup`, so a second DNS answer (rebinding)
 *   is never consulted. TLS SNI and certificate checks still use the hostname.
 * - `agent: false`: no keep-alive pool, so no socket is reused across checks.
 * - 3xx responses are returned as-is, never followed.
 * - One deadline covers DNS, connect, TLS, headers and body.
 * - Bodies past `maxResponseBytes` are cut off and flagged `truncated`.
 * - Error messages never contain the remote body.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIPv4, isIPv6, type LookupFunction } from 'node:net';

export interface OutboundPolicy {
  /**
   * Operator-configured exceptions (e.g. EDICTUM_OUTBOUND_ALLOW="127.0.0.1,10.0.0.0/8,hooks.internal"):
   * hostnames (exact, case-insensitive) or IPs/CIDRs that are allowed even though private.
   * Empty = nothing private allowed.
   */
  allow: string[];
  /** Whole request (DNS + connect + TLS + response body), milliseconds. */
  timeoutMs: number;
  /** Larger bodies are cut off (not an error) and flagged `truncated`. */
  maxResponseBytes: number;
}

export const DEFAULT_OUTBOUND_POLICY: Readonly<OutboundPolicy> = Object.freeze({
  allow: [],
  timeoutMs: 10_000,
  maxResponseBytes: 64 * 1024,
});

export class OutboundBlockedError extends Error {
  readonly code = 'outbound.blocked';
  readonly reason: string;
  constructor(reason: string) {
    super(`outbound request blocked: ${reason}`);
    this.name = 'OutboundBlockedError';
    this.reason = reason;
  }
}

export interface OutboundResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** UTF-8 decoded, at most maxResponseBytes bytes. */
  body: string;
  truncated: boolean;
}

export interface OutboundRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

// ---------------------------------------------------------------------------
// Address parsing and range checks (pure)
// ---------------------------------------------------------------------------

interface Cidr {
  /** 4 bytes for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
  prefix: number;
}

export function stripBracketsAndZone(ip: string): string {
  let s = ip.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const pct = s.indexOf('%');
  if (pct !== -1) s = s.slice(0, pct);
  return s;
}

function parseIPv4(s: string): Uint8Array | null {
  if (!isIPv4(s)) return null;
  const parts = s.split('.').map((p) => Number(p));
  return new Uint8Array(parts);
}

function parseIPv6(s: string): Uint8Array | null {
  if (!isIPv6(s)) return null;
  let text = s;
  const tail: number[] = [];
  // Trailing dotted quad (::ffff:1.2.3.4, 64:ff9b::10.0.0.1).
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v4 = parseIPv4(maybeV4);
    if (!v4) return null;
    tail.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    text = text.slice(0, lastColon + 1);
    // "::1.2.3.4" → "::" ; "a::b:1.2.3.4" → "a::b:" → drop the trailing single colon.
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const groupsNeeded = 8 - tail.length;
  const parseGroups = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((g) => parseInt(g, 16));
  let groups: number[];
  const dbl = text.indexOf('::');
  if (dbl === -1) {
    groups = parseGroups(text);
  } else {
    const head = parseGroups(text.slice(0, dbl));
    const rest = parseGroups(text.slice(dbl + 2));
    const fill = groupsNeeded - head.length - rest.length;
    if (fill < 0) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  }
  groups = [...groups, ...tail];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) {
    return null;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

function parseIp(ip: string): Uint8Array | null {
  const s = stripBracketsAndZone(ip);
  return parseIPv4(s) ?? parseIPv6(s);
}

function parseCidr(entry: string): Cidr | null {
  const s = entry.trim();
  const slash = s.indexOf('/');
  const addrPart = slash === -1 ? s : s.slice(0, slash);
  const bytes = parseIp(addrPart);
  if (!bytes) return null;
  const max = bytes.length * 8;
  if (slash === -1) return { bytes, prefix: max };
  const prefixText = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > max) return null;
  return { bytes, prefix };
}

function inCidr(addr: Uint8Array, cidr: Cidr): boolean {
  if (addr.length !== cidr.bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((addr[i] ?? 0) & mask) !== ((cidr.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

function cidrs(list: string[]): Cidr[] {
  return list.map((c) => {
    const parsed = parseCidr(c);
    if (!parsed) throw new Error(`internal: bad CIDR ${c}`);
    return parsed;
  });
}

/** Private, loopback, link-local, shared, benchmarking, multicast and reserved IPv4. */
const BLOCKED_V4 = cidrs([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '255.255.255.255/32',
]);

const BLOCKED_V6 = cidrs([
  '::/128',
  '::1/128',
  // IPv4-compatible (deprecated, RFC 4291): nothing legitimate lives here.
  '::/96',
  // Local-use NAT64 (RFC 8215): translator may map to internal IPv4.
  '64:ff9b:1::/48',
  'fe80::/10',
  // Site-local (deprecated by RFC 3879 but still routed inside some networks).
  'fec0::/10',
  'fc00::/7',
  'ff00::/8',
  // IPv4-translated (SIIT, RFC 2765 ::ffff:0:a.b.c.d): embeds an IPv4 the v4 check never sees.
  '::ffff:0:0:0/96',
  // Discard-only (RFC 6666), Teredo (RFC 4380, an obfuscated IPv4 inside), ORCHID v1/v2,
  // documentation (RFC 3849, RFC 9637) and SRv6 SIDs (RFC 9602): never a webhook receiver.
  '100::/64',
  '2001::/32',
  '2001:10::/28',
  '2001:20::/28',
  '2001:db8::/32',
  '3fff::/20',
  '5f00::/16',
]);

/** Prefixes whose last 32 bits (or bits 16..47 for 6to4) embed an IPv4 that must pass the v4 check. */
const V4_MAPPED = cidrs(['::ffff:0:0/96'])[0] as Cidr;
const NAT64 = cidrs(['64:ff9b::/96'])[0] as Cidr;
const SIX_TO_FOUR = cidrs(['2002::/16'])[0] as Cidr;

function embeddedV4(addr: Uint8Array): Uint8Array | null {
  if (inCidr(addr, V4_MAPPED) || inCidr(addr, NAT64)) return addr.slice(12, 16);
  if (inCidr(addr, SIX_TO_FOUR)) return addr.slice(2, 6);
  return null;
}

function allowCidrs(allow: string[]): Cidr[] {
  const out: Cidr[] = [];
  for (const entry of allow) {
    const c = parseCidr(entry);
    if (c) out.push(c);
  }
  return out;
}

/**
 * Split an operator's allow list ("127.0.0.1, 10.0.0.0/8 hooks.internal") into
 * normalised entries: IPs/CIDRs and lower-cased hostnames (trailing dot removed).
 * Throws an Error naming the bad entry, so a typo fails at startup rather than
 * silently allowing nothing (or something else).
 */
export function parseOutboundAllow(list: string): string[] {
  const out: string[] = [];
  for (const raw of list.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry.includes('/') || parseIp(entry) !== null) {
      const c = parseCidr(entry);
      if (!c) throw new Error(`EDICTUM_OUTBOUND_ALLOW: "${raw}" is not a valid IP address or CIDR`);
      const addr = stripBracketsAndZone(entry.split('/')[0] ?? '');
      out.push(entry.includes('/') ? `${addr}/${c.prefix}` : addr);
      continue;
    }
    const host = entry.endsWith('.') ? entry.slice(0, -1) : entry;
    if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(host)) {
      throw new Error(`EDICTUM_OUTBOUND_ALLOW: "${raw}" is not a hostname, IP address or CIDR`);
    }
    out.push(host);
  }
  return [...new Set(out)];
}

/**
 * True when `ip` must not be contacted: private/reserved ranges (IPv4, IPv6,
 * IPv4 embedded in IPv6), unless it falls inside an allowed IP/CIDR in `allow`.
 * Hostname entries in `allow` are ignored here (see checkUrl).
 * Anything that does not parse as an IP is blocked.
 */
export function isBlockedAddress(ip: string, allow: string[] = []): boolean {
  const addr = parseIp(ip);
  if (!addr) return true;
  const allowed = allowCidrs(allow);
  return blocked(addr, allowed);
}

function blocked(addr: Uint8Array, allowed: Cidr[]): boolean {
  if (allowed.some((c) => inCidr(addr, c))) return false;
  if (addr.length === 4) return BLOCKED_V4.some((c) => inCidr(addr, c));
  const v4 = embeddedV4(addr);
  if (v4) return blocked(v4, allowed);
  return BLOCKED_V6.some((c) => inCidr(addr, c));
}

// ---------------------------------------------------------------------------
// URL checking
// ---------------------------------------------------------------------------

function normaliseHost(hostname: string): string {
  const h = hostname.toLowerCase();
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

function lookupAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      if (err) reject(err);
      else resolve(addresses);
    });
  });
}

/**
 * Validate scheme and credentials, resolve DNS once and check every address.
 * Returns the parsed URL and the checked addresses (to pin for the connection).
 */
export async function checkUrl(
  url: string,
  policy: OutboundPolicy,
): Promise<{ url: URL; addresses: string[] }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OutboundBlockedError('not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new OutboundBlockedError(
      `only http and https are allowed (got ${parsed.protocol.replace(/:$/, '')})`,
    );
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new OutboundBlockedError('URLs with credentials (user:password@) are not allowed');
  }
  const host = stripBracketsAndZone(parsed.hostname);
  if (host === '') throw new OutboundBlockedError('the URL has no host');

  const hostAllowed = policy.allow.some(
    (entry) =>
      !entry.includes('/') &&
      parseIp(entry) === null &&
      normaliseHost(entry) === normaliseHost(host),
  );
  const allowed = allowCidrs(policy.allow);

  // IP literal: no DNS.
  const literal = parseIp(host);
  if (literal) {
    if (!hostAllowed && blocked(literal, allowed)) {
      throw new OutboundBlockedError(`the URL points to a private address ${host}`);
    }
    return { url: parsed, addresses: [host] };
  }

  let resolved: LookupAddress[];
  try {
    resolved = await lookupAll(host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(`could not resolve ${host} (${code})`, { cause: err });
  }
  if (resolved.length === 0) throw new Error(`could not resolve ${host} (no addresses)`);

  const addresses: string[] = [];
  for (const { address } of resolved) {
    const a = parseIp(address);
    if (!a || (!hostAllowed && blocked(a, allowed))) {
      throw new OutboundBlockedError(`${host} resolves to a private address ${address}`);
    }
    addresses.push(address);
  }
  return { url: parsed, addresses };
}

// ---------------------------------------------------------------------------
// Fetch
// ---------------------------------------------------------------------------

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : Number(s.toFixed(3))} s`;
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'HOSTNAME_MISMATCH',
]);

/** OpenSSL errors carry a short `reason` ("wrong version number"); prefer it over the raw dump. */
function tlsReason(e: NodeJS.ErrnoException): string {
  const reason = (e as { reason?: unknown }).reason;
  return typeof reason === 'string' && reason !== '' ? reason : e.message;
}

export function describeNetworkError(err: unknown, where: string): Error {
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? '';
  let message: string;
  if (code === 'ECONNREFUSED') message = `connection refused by ${where}`;
  else if (code === 'ECONNRESET') message = `connection reset by ${where}`;
  else if (code === 'ETIMEDOUT') message = `connection to ${where} timed out`;
  else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    message = `${where} is unreachable (${code})`;
  else if (code === 'EPIPE') message = `connection to ${where} closed while sending`;
  else if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) message = `TLS error: ${tlsReason(e)}`;
  else if (
    TLS_CODES.has(code) ||
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.startsWith('ERR_OSSL') ||
    code.startsWith('CERT_')
  )
    message = `TLS error: ${e.message}`;
  else if (code === 'HPE_INVALID_CONSTANT' || code.startsWith('HPE_'))
    message = `invalid HTTP response from ${where} (${code})`;
  else message = `request to ${where} failed: ${e.message || code || 'unknown error'}`;
  return new Error(message, { cause: err });
}

function flattenHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** A `lookup` that only ever answers with the already-checked addresses. */
export function pinnedLookup(addresses: string[]): LookupFunction {
  const entries = addresses.map((address) => ({
    address,
    family: isIPv6(address) ? 6 : 4,
  }));
  return (_hostname, options, callback) => {
    const first = entries[0];
    if (!first) {
      callback(new Error('no checked address to connect to'), '', 4);
      return;
    }
    if (typeof options === 'object' && options !== null && options.all === true) {
      const family = options.family;
      const wanted =
        family === 4 || family === 6 ? entries.filter((e) => e.family === family) : entries;
      (callback as unknown as (err: Error | null, addresses: LookupAddress[]) => void)(
        null,
        wanted,
      );
      return;
    }
    callback(null, first.address, first.family);
  };
}

export async function safeFetch(
  url: string,
  init: OutboundRequestInit,
  policy: OutboundPolicy,
): Promise<OutboundResponse> {
  const timeoutMs = policy.timeoutMs > 0 ? policy.timeoutMs : DEFAULT_OUTBOUND_POLICY.timeoutMs;
  const maxBytes =
    policy.maxResponseBytes >= 0
      ? policy.maxResponseBytes
      : DEFAULT_OUTBOUND_POLICY.maxResponseBytes;
  const controller = new AbortController();
  const timeoutError = (): Error => new Error(`timed out after ${formatSeconds(timeoutMs)}`);
  const timer = setTimeout(() => controller.abort(), timeoutMs);

  try {
    const checked = await new Promise<{ url: URL; addresses: string[] }>((resolve, reject) => {
      const onAbort = (): void => reject(timeoutError());
      controller.signal.addEventListener('abort', onAbort, { once: true });
      checkUrl(url, policy).then(
        (r) => {
          controller.signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        (err: unknown) => {
          controller.signal.removeEventListener('abort', onAbort);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
    if (controller.signal.aborted) throw timeoutError();
    return await send(checked.url, checked.addresses, init, maxBytes, controller, timeoutError);
  } finally {
    clearTimeout(timer);
  }
}

function send(
  target: URL,
  addresses: string[],
  init: OutboundRequestInit,
  maxBytes: number,
  controller: AbortController,
  timeoutError: () => Error,
): Promise<OutboundResponse> {
  const host = stripBracketsAndZone(target.hostname);
  const isHttps = target.protocol === 'https:';
  const port = target.port !== '' ? Number(target.port) : isHttps ? 443 : 80;
  const where = `${target.hostname}:${port}`;

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    const lower = name.toLowerCase();
    // Host and framing headers are ours to set.
    if (lower === 'host' || lower === 'content-length' || lower === 'transfer-encoding') continue;
    headers[name] = value;
  }
  const body =
    init.body === undefined
      ? undefined
      : typeof init.body === 'string'
        ? Buffer.from(init.body, 'utf8')
        : Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength);
  if (body !== undefined) headers['content-length'] = String(body.length);

  const options: RequestOptions & { servername?: string } = {
    protocol: target.protocol,
    host,
    port,
    path: `${target.pathname}${target.search}`,
    method: (init.method ?? 'GET').toUpperCase(),
    headers,
    agent: false,
    lookup: pinnedLookup(addresses),
    signal: controller.signal,
  };
  if (isHttps && parseIp(host) === null) options.servername = host;

  return new Promise<OutboundResponse>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    const succeed = (r: OutboundResponse): void => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const onError = (err: unknown): void => {
      if (controller.signal.aborted) fail(timeoutError());
      else fail(describeNetworkError(err, where));
    };

    const req = (isHttps ? httpsRequest : httpRequest)(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const finish = (): void => {
        succeed({
          status: res.statusCode ?? 0,
          headers: flattenHeaders(res),
          body: Buffer.concat(chunks, size).toString('utf8'),
          truncated,
        });
      };
      res.on('data', (chunk: Buffer) => {
        if (settled || truncated) return;
        const room = maxBytes - size;
        if (chunk.length > room) {
          if (room > 0) {
            chunks.push(chunk.subarray(0, room));
            size += room;
          }
          truncated = true;
          finish();
          // Stop reading: drop the rest of the body and the connection.
          res.destroy();
          req.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', finish);
      res.on('error', onError);
      res.on('close', () => {
        if (!settled && !res.complete) {
          onError(
            Object.assign(new Error('connection closed before the response was complete'), {
              code: 'ECONNRESET',
            }),
          );
        }
      });
    });
    req.on('error', onError);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

export function createSafeFetch(
  policy: OutboundPolicy,
): (url: string, init?: OutboundRequestInit) => Promise<OutboundResponse> {
  return (url, init = {}) => safeFetch(url, init, policy);
}

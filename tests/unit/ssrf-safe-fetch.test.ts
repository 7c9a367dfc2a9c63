import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_OUTBOUND_POLICY,
  OutboundBlockedError,
  checkUrl,
  createSafeFetch,
  isBlockedAddress,
  parseOutboundAllow,
  safeFetch,
  type OutboundPolicy,
} from '../../src/platform/ssrf-safe-fetch.js';

// DNS is real except for `rebind.test`, whose first answer is loopback and every later answer
// an unroutable private address: a client that resolved twice would connect to the second.
const rebind = vi.hoisted(() => ({ calls: 0 }));
vi.mock('node:dns', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:dns')>();
  type Cb = (
    err: NodeJS.ErrnoException | null,
    addresses: { address: string; family: number }[],
  ) => void;
  const lookup = (hostname: string, options: object, cb: Cb): void => {
    if (hostname === 'rebind.test') {
      rebind.calls++;
      const address = rebind.calls === 1 ? '127.0.0.1' : '10.255.255.1';
      queueMicrotask(() => cb(null, [{ address, family: 4 }]));
      return;
    }
    (real.lookup as unknown as (h: string, o: object, c: Cb) => void)(hostname, options, cb);
  };
  return { ...real, default: { ...real, lookup }, lookup };
});

const policy = (over: Partial<OutboundPolicy> = {}): OutboundPolicy => ({
  ...DEFAULT_OUTBOUND_POLICY,
  allow: [],
  ...over,
});

describe('isBlockedAddress', () => {
  const blocked: string[] = [
    // 0.0.0.0/8
    '0.0.0.0',
    '0.255.255.255',
    // 10/8
    '10.0.0.0',
    '10.0.0.5',
    '10.255.255.255',
    // 100.64/10 (CGNAT)
    '100.64.0.0',
    '100.127.255.255',
    // 127/8
    '127.0.0.1',
    '127.255.255.254',
    // 169.254/16
    '169.254.0.0',
    '169.254.169.254',
    '169.254.255.255',
    // 172.16/12
    '172.16.0.0',
    '172.31.255.255',
    // 192.0.0/24
    '192.0.0.0',
    '192.0.0.255',
    // 192.168/16
    '192.168.0.0',
    '192.168.255.255',
    // 198.18/15
    '198.18.0.0',
    '198.19.255.255',
    // 224/4 and 240/4
    '224.0.0.0',
    '239.255.255.255',
    '240.0.0.0',
    '254.255.255.255',
    '255.255.255.255',
    // IPv6
    '::',
    '::1',
    '0:0:0:0:0:0:0:1',
    'fe80::',
    'fe80::1',
    'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    'fc00::',
    'fd12:3456:789a::1',
    'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    'ff00::',
    'ff02::1',
    'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    // IPv4-mapped IPv6 → IPv4 check
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::FFFF:10.1.2.3',
    '::ffff:169.254.169.254',
    '0:0:0:0:0:ffff:c0a8:0101',
    // NAT64 64:ff9b::/96 → IPv4 check
    '64:ff9b::10.0.0.1',
    '64:ff9b::a00:1',
    '64:ff9b::7f00:1',
    // extras: IPv4-compatible, local-use NAT64, 6to4 wrapping a private IPv4
    '::127.0.0.1',
    '::8.8.8.8',
    '64:ff9b:1::1',
    '2002:0a00:0001::1',
    '2002:7f00:1::',
    // site-local fec0::/10 (deprecated), IPv4-translated, discard, Teredo, ORCHID, documentation, SRv6
    'fec0::1',
    'feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    '::ffff:0:7f00:1',
    '100::1',
    '2001::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '2001:10::1',
    '2001:20::1',
    '2001:db8::1',
    '3fff::1',
    '5f00::1',
    // brackets and zone ids are tolerated
    '[::1]',
    'fe80::1%eth0',
    // not an IP at all → blocked
    '',
    'localhost',
    'example.com',
    '256.1.1.1',
    '1.2.3',
    '::ffff:999.0.0.1',
  ];

  const allowed: string[] = [
    '8.8.8.8',
    '1.1.1.1',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.0',
    '192.0.2.1',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2606:4700::1',
    '2001:4860:4860::8888',
    '2a00:1450:4001:80b::200e',
    'fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', // just below fc00::/7
    'fe00::1', // between fc00::/7 and fe80::/10
    '2001:1::1', // just past Teredo 2001::/32
    '2001:db9::1', // just past documentation 2001:db8::/32
    '100::1:0:0:0:1', // just past 100::/64
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::8.8.8.8',
    '2002:0808:0808::1',
    '::2:0:0', // outside ::/96
  ];

  it.each(blocked)('blocks %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(true);
  });

  it.each(allowed)('allows %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(false);
  });

  it('honours operator CIDR/IP exceptions, including for IPv4-mapped forms', () => {
    expect(isBlockedAddress('127.0.0.1', ['127.0.0.1'])).toBe(false);
    expect(isBlockedAddress('::ffff:127.0.0.1', ['127.0.0.1'])).toBe(false);
    expect(isBlockedAddress('127.0.0.2', ['127.0.0.1'])).toBe(true);
    expect(isBlockedAddress('10.20.30.40', ['10.0.0.0/8'])).toBe(false);
    expect(isBlockedAddress('10.20.30.40', ['10.20.0.0/16'])).toBe(false);
    expect(isBlockedAddress('10.21.30.40', ['10.20.0.0/16'])).toBe(true);
    expect(isBlockedAddress('172.20.0.1', ['172.16.0.0/12'])).toBe(false);
    expect(isBlockedAddress('fd00::5', ['fd00::/8'])).toBe(false);
    expect(isBlockedAddress('::1', ['::1'])).toBe(false);
    expect(isBlockedAddress('::1', ['127.0.0.1'])).toBe(true);
    // Hostname entries and junk never open up an address.
    expect(isBlockedAddress('10.0.0.1', ['hooks.internal', 'nonsense/99', ''])).toBe(true);
  });

  it('property: every IPv4 in 10.0.0.0/8 is blocked, also IPv4-mapped', () => {
    fc.assert(
      fc.property(fc.nat(255), fc.nat(255), fc.nat(255), (b, c, d) => {
        const ip = `10.${b}.${c}.${d}`;
        return isBlockedAddress(ip) && isBlockedAddress(`::ffff:${ip}`);
      }),
    );
  });

  it('property: mapped/NAT64 IPv6 gives the same answer as the IPv4 it wraps', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const v4 = isBlockedAddress(ip);
        return isBlockedAddress(`::ffff:${ip}`) === v4 && isBlockedAddress(`64:ff9b::${ip}`) === v4;
      }),
    );
  });
});

describe('parseOutboundAllow', () => {
  it('splits, trims, lower-cases and de-duplicates', () => {
    expect(parseOutboundAllow('127.0.0.1, 10.0.0.0/8,Hooks.Internal.  hooks.internal,,')).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      'hooks.internal',
    ]);
    expect(parseOutboundAllow('')).toEqual([]);
    expect(parseOutboundAllow('[::1], FD00::/8')).toEqual(['::1', 'fd00::/8']);
  });

  it('names a malformed entry', () => {
    expect(() => parseOutboundAllow('10.0.0.0/33')).toThrow(/10\.0\.0\.0\/33/);
    expect(() => parseOutboundAllow('nope/8')).toThrow(/nope\/8/);
    expect(() => parseOutboundAllow('http://x')).toThrow(/http:\/\/x/);
  });
});

async function expectBlocked(p: Promise<unknown>, reason: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutboundBlockedError);
  const blocked = err as OutboundBlockedError;
  expect(blocked.code).toBe('outbound.blocked');
  expect(blocked.reason).toMatch(reason);
}

describe('checkUrl', () => {
  it('refuses non-http(s) schemes', async () => {
    await expectBlocked(checkUrl('ftp://example.com/x', policy()), /only http and https/);
    await expectBlocked(checkUrl('file:///etc/passwd', policy()), /only http and https/);
    await expectBlocked(checkUrl('gopher://example.com', policy()), /only http and https/);
  });

  it('refuses garbage and credentials', async () => {
    await expectBlocked(checkUrl('not a url', policy()), /not a valid URL/);
    await expectBlocked(checkUrl('https://user:pass@example.com/', policy()), /credentials/);
    await expectBlocked(checkUrl('https://user@example.com/', policy()), /credentials/);
  });

  it('refuses private IP literals in any spelling', async () => {
    await expectBlocked(checkUrl('http://127.0.0.1/', policy()), /private address 127\.0\.0\.1/);
    await expectBlocked(checkUrl('http://[::1]/', policy()), /private address ::1/);
    await expectBlocked(
      checkUrl('http://169.254.169.254/latest/meta-data', policy()),
      /private address 169\.254\.169\.254/,
    );
    await expectBlocked(checkUrl('http://2130706433/', policy()), /private address 127\.0\.0\.1/);
    await expectBlocked(checkUrl('http://0x7f.1/', policy()), /private address 127\.0\.0\.1/);
    await expectBlocked(checkUrl('http://0/', policy()), /private address 0\.0\.0\.0/);
    await expectBlocked(checkUrl('http://[::ffff:10.0.0.5]:8080/', policy()), /private address/);
  });

  it('refuses a hostname that resolves to loopback', async () => {
    await expectBlocked(
      checkUrl('http://localhost:8080/hook', policy()),
      /localhost resolves to a private address/,
    );
  });

  it('accepts public literals without DNS', async () => {
    const r = await checkUrl('https://8.8.8.8/x?y=1', policy());
    expect(r.addresses).toEqual(['8.8.8.8']);
    expect(r.url.pathname).toBe('/x');
  });

  it('applies operator exceptions: IPs/CIDRs and exact hostnames', async () => {
    expect(
      (await checkUrl('http://127.0.0.1:1/', policy({ allow: ['127.0.0.1'] }))).addresses,
    ).toEqual(['127.0.0.1']);
    expect(
      (await checkUrl('http://10.1.2.3/', policy({ allow: ['10.0.0.0/8'] }))).addresses,
    ).toEqual(['10.1.2.3']);
    const viaName = await checkUrl('http://LOCALHOST/', policy({ allow: ['localhost'] }));
    expect(viaName.addresses.length).toBeGreaterThan(0);
    // An allowed hostname does not open up other names or bare IPs.
    await expectBlocked(checkUrl('http://127.0.0.1/', policy({ allow: ['localhost'] })), /private/);
    await expectBlocked(
      checkUrl('http://localhost/', policy({ allow: ['localhost.example'] })),
      /private/,
    );
  });
});

// ---------------------------------------------------------------------------
// Against real local servers (127.0.0.1 only)
// ---------------------------------------------------------------------------

const servers: Server[] = [];

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ base: string; port: number }> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, port };
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(async (s) => {
      s.closeAllConnections();
      if (s.listening) {
        s.close();
        await once(s, 'close');
      }
    }),
  );
});

const local = policy({ allow: ['127.0.0.1'], timeoutMs: 5_000 });

describe('safeFetch', () => {
  it('blocks a local server unless the operator allowed it', async () => {
    const { base } = await serve((_req, res) => res.end('hi'));
    await expectBlocked(safeFetch(`${base}/`, {}, policy()), /private address 127\.0\.0\.1/);
  });

  it('reaches an allowed local server and returns status, headers and body', async () => {
    const { base } = await serve((req, res) => {
      res.setHeader('x-path', req.url ?? '');
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.statusCode = 201;
      res.end('hello');
    });
    const r = await safeFetch(`${base}/p/q?x=1`, {}, local);
    expect(r.status).toBe(201);
    expect(r.body).toBe('hello');
    expect(r.truncated).toBe(false);
    expect(r.headers['x-path']).toBe('/p/q?x=1');
    expect(r.headers['set-cookie']).toBe('a=1, b=2');
  });

  it('delivers a POST body and headers intact', async () => {
    let seen: { method?: string; headers: IncomingMessage['headers']; body: string } | undefined;
    const { base, port } = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen = { method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString() };
        res.end('ok');
      });
    });
    const payload = JSON.stringify({ text: 'Approval needed: “rm -rf” ✓', n: 1 });
    const r = await createSafeFetch(local)(`${base}/hook`, {
      method: 'post',
      headers: {
        'Content-Type': 'application/json',
        'X-Edictum-Signature': 'sha256=abc',
        Host: 'evil.example',
        'Content-Length': '1',
      },
      body: payload,
    });
    expect(r.status).toBe(200);
    expect(seen?.method).toBe('POST');
    expect(seen?.body).toBe(payload);
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers['x-edictum-signature']).toBe('sha256=abc');
    expect(seen?.headers['content-length']).toBe(String(Buffer.byteLength(payload)));
    // Host always names the URL's host, never a caller override.
    expect(seen?.headers.host).toBe(`127.0.0.1:${port}`);
  });

  it('sends a Uint8Array body byte for byte', async () => {
    let got: Buffer | undefined;
    const { base } = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got = Buffer.concat(chunks);
        res.end();
      });
    });
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await safeFetch(`${base}/`, { method: 'PUT', body: bytes.subarray(1) }, local);
    expect(got).toEqual(Buffer.from([1, 2, 250, 255]));
  });

  it('does not follow redirects', async () => {
    let hitsOnTarget = 0;
    const { base } = await serve((req, res) => {
      if (req.url === '/target') {
        hitsOnTarget++;
        res.end('followed');
        return;
      }
      res.statusCode = 302;
      res.setHeader('location', '/target');
      res.end('moved');
    });
    const r = await safeFetch(`${base}/start`, {}, local);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/target');
    expect(hitsOnTarget).toBe(0);
  });

  it('times out a server that never answers', async () => {
    let arrived = 0;
    const { base } = await serve(() => {
      arrived++; // accept the request, never respond
    });
    const started = Date.now();
    await expect(safeFetch(`${base}/`, {}, { ...local, timeoutMs: 200 })).rejects.toThrow(
      'timed out after 0.2 s',
    );
    expect(arrived).toBe(1);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('times out a body that trickles forever', async () => {
    const { base } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    await expect(safeFetch(`${base}/`, {}, { ...local, timeoutMs: 200 })).rejects.toThrow(
      /timed out/,
    );
  });

  it('truncates a huge body at maxResponseBytes and flags it', async () => {
    const { base } = await serve((_req, res) => {
      res.writeHead(200);
      const chunk = 'x'.repeat(16 * 1024);
      for (let i = 0; i < 64; i++) res.write(chunk); // 1 MiB
      res.end();
    });
    const r = await safeFetch(`${base}/`, {}, { ...local, maxResponseBytes: 1000 });
    expect(r.status).toBe(200);
    expect(r.truncated).toBe(true);
    expect(r.body).toHaveLength(1000);
  });

  it('does not flag a body exactly at the limit', async () => {
    const { base } = await serve((_req, res) => res.end('y'.repeat(1000)));
    const r = await safeFetch(`${base}/`, {}, { ...local, maxResponseBytes: 1000 });
    expect(r.truncated).toBe(false);
    expect(r.body).toHaveLength(1000);
  });

  it('connects to the address it checked (DNS pinned, resolved once)', async () => {
    const { port } = await serve((_req, res) => res.end('pinned'));
    rebind.calls = 0;
    const r = await safeFetch(
      `http://rebind.test:${port}/`,
      {},
      { ...local, allow: ['127.0.0.1'], timeoutMs: 2_000 },
    );
    expect(r.body).toBe('pinned');
    expect(rebind.calls).toBe(1);
  });

  it('refuses when a hostname resolves to a private address', async () => {
    rebind.calls = 1; // next answer: 10.255.255.1
    await expectBlocked(
      safeFetch('http://rebind.test/', {}, policy()),
      /rebind\.test resolves to a private address 10\.255\.255\.1/,
    );
  });

  it('reports a TLS failure as a TLS error', async () => {
    const { port } = await serve((_req, res) => res.end('plain http'));
    await expect(safeFetch(`https://127.0.0.1:${port}/`, {}, local)).rejects.toThrow(
      /^TLS error: /,
    );
  });

  it('reports a refused connection plainly', async () => {
    const { port } = await serve(() => undefined);
    const s = servers.pop();
    s?.close();
    if (s) await once(s, 'close');
    const err = await safeFetch(`http://127.0.0.1:${port}/`, {}, local).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(OutboundBlockedError);
    expect(err?.message).toMatch(/connection refused/);
  });

  it('never puts the remote body in an error message', async () => {
    const { base } = await serve((req, res) => {
      // Half a response, then hang up.
      res.writeHead(200, { 'content-length': '1000' });
      res.write('SECRET-REMOTE-BODY');
      req.socket.destroy();
    });
    const err = await safeFetch(`${base}/`, {}, local).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err?.message).not.toContain('SECRET');
  });
});

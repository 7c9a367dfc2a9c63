import { connect } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../src/platform/errors.js';
import { installShutdownGate } from '../../src/platform/shutdown-gate.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** One raw HTTP exchange on a fresh socket: what the server writes back before it closes. */
function rawExchange(base: string, request: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

const bodyOf = (raw: string) => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as unknown;

describe('one error shape, and input that cannot be stored is a 422', () => {
  let t: TestApp;
  let cookie: string;
  beforeAll(async () => {
    t = await createTestApp();
    cookie = (await t.admin()).cookie;
  });
  afterAll(async () => t?.close());

  it('refuses NUL in a login email as 422 naming the field (it reached Postgres and answered 500)', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'a\u0000b', password: 'x' } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ detail: [{ loc: ['body', 'email'], msg: expect.stringContaining('NUL') }] });
  });

  it('refuses NUL in query and path parameters as 422 naming the parameter', async () => {
    const cases: [string, (string | number)[]][] = [
      ['/api/v1/approvals?agent_id=%00', ['query', 'agent_id']],
      ['/api/v1/approvals?tool_name=a%00b', ['query', 'tool_name']],
      ['/api/v1/agents/a%00/coverage', ['path', 'agent_id']],
      ['/api/v1/agents/a%00/history', ['path', 'agent_id']],
      ['/api/v1/events?agent_id=%00', ['query', 'agent_id']],
    ];
    for (const [url, loc] of cases) {
      const res = await t.request({ url, cookie });
      expect(res.statusCode, url).toBe(422);
      expect((res.json() as { detail: { loc: unknown }[] }).detail[0]!.loc, url).toEqual(loc);
    }
  });

  it('refuses an unpaired surrogate in a JSON body key or value as 422 (jsonb cannot store it)', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/keys', cookie, payload: { env: 'production', label: 'x\ud800' } });
    expect(res.statusCode).toBe(422);
    expect((res.json() as { detail: { loc: unknown }[] }).detail[0]!.loc).toEqual(['body', 'label']);
  });

  it('still answers 401 before 422 to a stranger sending NUL', async () => {
    const res = await t.request({ url: '/api/v1/agents/a%00/coverage' });
    expect(res.statusCode).toBe(401);
  });

  it('answers framework errors as {detail}: bad percent-encoding 400, long path parameter 414', async () => {
    const bad = await t.request({ url: '/api/v1/agents/%E0%A4%A/coverage', cookie });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ detail: expect.any(String) });
    const long = await t.request({ url: `/api/v1/agents/${'a'.repeat(600)}/coverage`, cookie });
    expect(long.statusCode).toBe(414);
    expect(long.json()).toEqual({ detail: expect.any(String) });
  });

  it('answers body errors as {detail}: 415, invalid JSON 422, too large 413', async () => {
    const url = '/api/v1/auth/login';
    const media = await t.request({ method: 'POST', url, headers: { 'content-type': 'application/xml' }, payload: '<x/>' });
    expect([media.statusCode, Object.keys(media.json() as object)]).toEqual([415, ['detail']]);
    const json = await t.request({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"email":' });
    expect([json.statusCode, Object.keys(json.json() as object)]).toEqual([422, ['detail']]);
    const big = await t.request({ method: 'POST', url, payload: { email: 'a@b.c', password: 'p'.repeat(8000) } });
    expect([big.statusCode, Object.keys(big.json() as object)]).toEqual([413, ['detail']]);
  });

  it('answers HTTP parser errors as {detail}: an oversized URL 431, bad header characters 400', async () => {
    const base = await t.listen();
    const huge = await rawExchange(base, `GET /api/v1/health?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(bodyOf(huge)).toEqual({ detail: expect.any(String) });
    const badHeader = await rawExchange(base, 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n');
    expect(badHeader).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(badHeader)).toEqual({ detail: expect.any(String) });
  });

  it('answers a write with no credentials at all 401, and keeps CSRF for cookie writes', async () => {
    const none = await t.request({ method: 'POST', url: '/api/v1/keys', csrf: false, payload: { env: 'production' } });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ detail: expect.any(String) });
    const deleteNone = await t.request({ method: 'DELETE', url: '/api/v1/settings/purge-events?older_than_days=30', csrf: false });
    expect(deleteNone.statusCode).toBe(401);
    const cookieNoCsrf = await t.request({ method: 'POST', url: '/api/v1/keys', cookie, csrf: false, payload: { env: 'production' } });
    expect(cookieNoCsrf.statusCode).toBe(403);
    expect(cookieNoCsrf.json()).toEqual({ detail: 'Missing CSRF header.' });
  });
});

describe('shutdown gate', () => {
  it('refuses requests during shutdown with 503 {detail} and Retry-After', async () => {
    const app = Fastify();
    installErrorHandler(app);
    const gate = installShutdownGate(app);
    app.get('/x', async () => ({ ok: true }));
    await app.ready();
    try {
      expect((await app.inject({ url: '/x' })).statusCode).toBe(200);
      gate.close();
      const res = await app.inject({ url: '/x' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
      expect(res.json()).toEqual({ detail: expect.any(String) });
    } finally {
      await app.close();
    }
  });
});

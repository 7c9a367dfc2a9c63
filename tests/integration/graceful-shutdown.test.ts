import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/test-app.js';

describe('graceful shutdown', () => {
  it('lets an in-flight request finish while the server closes, then refuses new connections', async () => {
    const t = await createTestApp();
    const a = await t.admin();
    const base = await t.listen();
    // Resolves once Fastify has taken the request (its listener runs before ours).
    const received = new Promise<void>((resolve) => t.app.server.once('request', () => resolve()));
    // Login runs a cost-12 bcrypt compare: long enough to be in flight when close() starts.
    const inflight = fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: a.email, password: 'correct-horse-battery-staple' }),
    });
    await received;
    const closing = t.close();
    const res = await inflight;
    expect(res.status).toBe(200);
    await closing;
    await expect(fetch(`${base}/api/v1/health`)).rejects.toThrow();
  });

  // Node counts a socket that has not sent a request as busy until headersTimeout (20 s), so before
  // the connection tracker shutdown waited out the grace period (exit 1) whenever a browser had
  // pre-connected or an HTTP client had re-dialled after aborting a stream. The 15 s limit is the
  // hang guard (a fixed close takes well under a second; an unfixed one 20 s or more), with room
  // for a loaded CI machine.
  it('closes sockets that never sent a request instead of waiting for them', { timeout: 15_000 }, async () => {
    const t = await createTestApp();
    const base = new URL(await t.listen());
    const accepted = new Promise<void>((resolve) => t.app.server.once('connection', () => resolve()));
    const idle: Socket = connect(Number(base.port), base.hostname);
    const idleClosed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
    idle.on('error', () => undefined);
    await accepted;
    await t.close();
    await idleClosed;
    expect(idle.destroyed).toBe(true);
  });

  it('stops promptly after an agent stream was opened and dropped by the client', { timeout: 15_000 }, async () => {
    const t = await createTestApp();
    const a = await t.admin();
    const key = await t.apiKey(a.cookie);
    const base = await t.listen();
    const aborter = new AbortController();
    // The server side of the stream's socket: closed once the client's abort reaches the server.
    const streamSocketClosed = new Promise<void>((resolve) =>
      t.app.server.once('request', (req) => req.socket.once('close', () => resolve())),
    );
    const res = await fetch(`${base}/api/v1/stream?env=production`, {
      headers: { authorization: `Bearer ${key}`, 'x-edictum-agent-id': 'shutdown-agent' },
      signal: aborter.signal,
    });
    expect(res.status).toBe(200);
    aborter.abort();
    await streamSocketClosed;
    // The client's pool dials a spare socket that carries no request.
    const accepted = new Promise<void>((resolve) => t.app.server.once('connection', () => resolve()));
    const spare = connect(Number(new URL(base).port), new URL(base).hostname);
    spare.on('error', () => undefined);
    await accepted;
    const spareClosed = new Promise<void>((resolve) => spare.once('close', () => resolve()));
    await t.close();
    await spareClosed;
    expect(t.ctx.hub.connectedAgents()).toBe(0);
  });
});

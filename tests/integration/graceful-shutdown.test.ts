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
});

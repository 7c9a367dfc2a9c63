import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { agentOf, createApproval, expire, rowOf, timeoutJob, type Agent } from '../helpers/approvals-fixtures.js';

/**
 * S4, approval state (product-surface.md (c) S4 and issues 1-3): only a human decides, once,
 * before the deadline, under their own name, and the timeout worker never overwrites a decision.
 */
const A = '/api/v1/approvals';

describe('S4 approval state', () => {
  let t: TestApp;
  let a: Agent;
  let b: Agent;
  beforeAll(async () => {
    t = await createTestApp();
    a = await agentOf(t);
    b = await agentOf(t, 'other');
  });
  afterAll(async () => t?.close());

  const decide = (id: string, cookie: string, payload: Record<string, unknown> = { approved: true }) =>
    t.request({ method: 'PUT', url: `${A}/${id}`, cookie, payload });

  it('refuses a second decision with 409 and keeps the first', async () => {
    const ap = await createApproval(t, a.key);
    expect((await decide(ap.id, a.cookie, { approved: true, reason: 'first' })).statusCode).toBe(200);
    const second = await decide(ap.id, a.cookie, { approved: false, reason: 'second' });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toEqual({ detail: 'Approval not found or already decided.' });
    expect(await rowOf(t, ap.id)).toMatchObject({ status: 'approved', decision_reason: 'first' });
  });

  it('refuses a decision after the deadline with 409, even before the worker has run', async () => {
    const ap = await createApproval(t, a.key, { timeout: 1 });
    await expire(t, ap.id, 1);
    const res = await decide(ap.id, a.cookie);
    expect(res.statusCode).toBe(409);
    expect(await rowOf(t, ap.id)).toMatchObject({ status: 'pending', decided_by: null });
  });

  it('never lets an API key decide (403), not even its own request', async () => {
    const ap = await createApproval(t, a.key);
    const res = await t.request({
      method: 'PUT',
      url: `${A}/${ap.id}`,
      apiKey: a.key,
      payload: { approved: true, decided_by: 'agent' },
    });
    expect(res.statusCode).toBe(403);
    expect(await rowOf(t, ap.id)).toMatchObject({ status: 'pending', decided_by: null });
  });

  it('never lets an API key list approvals (403)', async () => {
    expect((await t.request({ url: A, apiKey: a.key })).statusCode).toBe(403);
    expect((await t.request({ url: `${A}?status=pending`, apiKey: a.key })).statusCode).toBe(403);
  });

  it('takes decided_by from the session, never from the body', async () => {
    const ap = await createApproval(t, a.key);
    const res = await decide(ap.id, a.cookie, { approved: true, decided_by: 'someone-else@example.com' });
    expect(res.json()).toMatchObject({ decided_by: a.email });
    expect((await rowOf(t, ap.id))!.decided_by).toBe(a.email);
  });

  it('answers 404 to another tenant deciding or reading, and changes nothing', async () => {
    const ap = await createApproval(t, a.key);
    expect((await decide(ap.id, b.cookie)).statusCode).toBe(404);
    expect((await t.request({ url: `${A}/${ap.id}`, cookie: b.cookie })).statusCode).toBe(404);
    expect((await t.request({ url: `${A}/${ap.id}`, apiKey: b.key })).statusCode).toBe(404);
    expect((await rowOf(t, ap.id))!.status).toBe('pending');
  });

  it('lets exactly one of two concurrent decisions win, and the row shows the winner', async () => {
    const m = await t.member();
    for (let round = 0; round < 5; round++) {
      const ap = await createApproval(t, a.key);
      const [r1, r2] = await Promise.all([
        decide(ap.id, a.cookie, { approved: true, reason: 'admin says yes' }),
        decide(ap.id, m.cookie, { approved: false, reason: 'member says no' }),
      ]);
      expect([r1.statusCode, r2.statusCode].sort()).toEqual([200, 409]);
      const winner =
        r1.statusCode === 200 ? { status: 'approved', decided_by: a.email } : { status: 'denied', decided_by: m.email };
      expect(await rowOf(t, ap.id)).toMatchObject(winner);
      expect((await t.request({ url: `${A}/${ap.id}`, apiKey: a.key })).json()).toMatchObject(winner);
    }
  });

  it('the timeout worker never overwrites a decision made just before it runs', async () => {
    const ap = await createApproval(t, a.key, { timeout: 1 });
    expect((await decide(ap.id, a.cookie, { approved: true })).statusCode).toBe(200);
    // The deadline passes after the decision; a select-then-update worker would now clobber it.
    await expire(t, ap.id);
    await timeoutJob(t).run();
    expect(await rowOf(t, ap.id)).toMatchObject({ status: 'approved', decided_by: a.email, decided_via: 'console' });
  });

  it('the timeout worker skips a row whose decision is still committing, and never overwrites it', async () => {
    const ap = await createApproval(t, a.key, { timeout: 1 });
    await expire(t, ap.id);
    if (t.deps.database.kind === 'postgres') {
      // A second connection holds the row mid-decision while the worker runs.
      const url = (t.config.databaseUrl ?? '').toString();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query('BEGIN');
        await c.query(
          `UPDATE approvals SET status = 'denied', decided_by = 'racer', decided_at = now() WHERE id = $1 AND status = 'pending'`,
          [ap.id],
        );
        await timeoutJob(t).run();
        await c.query('COMMIT');
      } finally {
        await c.end();
      }
      await timeoutJob(t).run();
      expect(await rowOf(t, ap.id)).toMatchObject({ status: 'denied', decided_by: 'racer' });
    } else {
      // Embedded mode has one connection: statements cannot interleave, so run them back to back.
      const [decided] = await Promise.all([
        t.ctx.approvals.decide(a.tenantId, ap.id, { approved: true, reason: null, decidedBy: 'x', decidedVia: 'console' }),
        timeoutJob(t).run(),
      ]);
      expect(decided.ok).toBe(false);
      expect((await rowOf(t, ap.id))!.status).toBe('timeout');
    }
  });
});

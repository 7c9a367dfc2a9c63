import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import {
  agentOf,
  busRecorder,
  createApproval,
  expire,
  recordingNotifier,
  rowOf,
  timeoutJob,
  type Agent,
} from '../helpers/approvals-fixtures.js';

describe('approval timeout worker', () => {
  let t: TestApp;
  let a: Agent;
  let b: Agent;
  beforeAll(async () => {
    t = await createTestApp({ env: { EDICTUM_APPROVAL_TIMEOUT_INTERVAL_SECONDS: '7' } });
    a = await agentOf(t);
    b = await agentOf(t, 'other');
  });
  afterAll(async () => t?.close());

  it('is a leader-only job on the configured interval', () => {
    const job = timeoutJob(t);
    expect(job).toMatchObject({ name: 'approval_timeout', leaderOnly: true, intervalMs: 7_000 });
  });

  it('marks overdue approvals timeout in every tenant, pushes approval_timeout, notifies, and leaves fresh ones alone', async () => {
    const rec = busRecorder(t);
    const notes = recordingNotifier();
    t.ctx.notifier = notes.notifier;
    try {
      const overdueA = await createApproval(t, a.key, { timeout: 1 });
      const overdueB = await createApproval(t, b.key, { timeout: 1 });
      const fresh = await createApproval(t, a.key, { timeout: 3600 });
      await expire(t, overdueA.id);
      await expire(t, overdueB.id);

      await timeoutJob(t).run();

      for (const id of [overdueA.id, overdueB.id]) {
        expect(await rowOf(t, id)).toMatchObject({
          status: 'timeout',
          decided_via: 'system',
          decided_by: null,
          decided_at: null,
        });
      }
      expect((await rowOf(t, fresh.id))!.status).toBe('pending');

      const agentMsg = await rec.next(
        (m) => m.topic === 'agents' && m.type === 'approval_timeout' && m.data.approval_id === overdueA.id,
      );
      expect(agentMsg).toMatchObject({ tenantId: a.tenantId, env: 'production' });
      expect(agentMsg.data).toMatchObject({ approval_id: overdueA.id, agent_id: overdueA.agent_id, tool_name: 'send_email' });
      await rec.next((m) => m.topic === 'dashboard' && m.type === 'approval_timeout' && m.data.approval_id === overdueA.id);
      await rec.next(
        (m) =>
          m.topic === 'dashboard' &&
          m.type === 'approval_timeout' &&
          m.tenantId === b.tenantId &&
          m.data.approval_id === overdueB.id,
      );
      expect(rec.seen.some((m) => m.type === 'approval_timeout' && m.data.approval_id === fresh.id)).toBe(false);

      const call = await notes.waitFor('approvalsTimedOut');
      expect(call.rows.map((r) => r.id).sort()).toEqual([overdueA.id, overdueB.id].sort());
      expect(call.rows.every((r) => r.status === 'timeout')).toBe(true);
    } finally {
      rec.stop();
    }
  });

  it('expires nothing twice: a second pass finds no work and pushes nothing', async () => {
    await timeoutJob(t).run();
    const rec = busRecorder(t);
    const notes = recordingNotifier();
    t.ctx.notifier = notes.notifier;
    try {
      await timeoutJob(t).run();
      // Publish a marker and wait for it: anything the pass pushed would have arrived before it.
      await t.ctx.publish.dashboard(a.tenantId, 'marker', {});
      await rec.next((m) => m.type === 'marker');
      expect(rec.seen.filter((m) => m.type === 'approval_timeout')).toEqual([]);
      expect(notes.calls).toEqual([]);
    } finally {
      rec.stop();
    }
  });

  it('expires a backlog larger than one batch in a single pass', async () => {
    await t.deps.database.rows(sql`
      INSERT INTO approvals (tenant_id, agent_id, tool_name, message, env, timeout_seconds, expires_at, created_at)
      SELECT ${b.tenantId}, 'backlog', 'tool', 'm', 'production', 1, now() - interval '1 minute', now() - interval '2 minutes'
      FROM generate_series(1, 1234)`);
    t.ctx.notifier = recordingNotifier().notifier;
    await timeoutJob(t).run();
    const [left] = await t.deps.database.rows<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM approvals WHERE agent_id = 'backlog' AND status = 'pending'`,
    );
    expect(left!.n).toBe(0);
  });

  it('agrees with what a poll already showed: the logical timeout becomes the stored one', async () => {
    const ap = await createApproval(t, a.key, { timeout: 1 });
    await expire(t, ap.id);
    const before = (await t.request({ url: `/api/v1/approvals/${ap.id}`, apiKey: a.key })).json() as Record<string, unknown>;
    await timeoutJob(t).run();
    const after = (await t.request({ url: `/api/v1/approvals/${ap.id}`, apiKey: a.key })).json() as Record<string, unknown>;
    expect(after).toEqual(before);
    expect(after).toMatchObject({ status: 'timeout', decided_via: 'system' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import {
  agentOf,
  busRecorder,
  createApproval,
  expire,
  problemLocs,
  recordingNotifier,
  rowOf,
  type Agent,
} from '../helpers/approvals-fixtures.js';

const A = '/api/v1/approvals';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('approval decisions', () => {
  let t: TestApp;
  let a: Agent;
  let b: Agent;
  beforeAll(async () => {
    t = await createTestApp();
    a = await agentOf(t);
    b = await agentOf(t, 'other');
  });
  afterAll(async () => t?.close());

  describe('PUT /approvals/{id}', () => {
    it('refuses no credential (401) and an API key (403)', async () => {
      const created = await createApproval(t, a.key);
      expect((await t.request({ method: 'PUT', url: `${A}/${created.id}`, payload: { approved: true } })).statusCode).toBe(401);
      const byKey = await t.request({ method: 'PUT', url: `${A}/${created.id}`, apiKey: a.key, payload: { approved: true } });
      expect(byKey.statusCode).toBe(403);
      expect((await rowOf(t, created.id))!.status).toBe('pending');
    });

    it('records the decision with the session identity and pushes approval_decided', async () => {
      const rec = busRecorder(t);
      const notes = recordingNotifier();
      t.ctx.notifier = notes.notifier;
      try {
        const created = await createApproval(t, a.key);
        const res = await t.request({
          method: 'PUT',
          url: `${A}/${created.id}`,
          cookie: a.cookie,
          payload: { approved: false, reason: 'not on a Friday' },
        });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({
          id: created.id,
          status: 'denied',
          decided_by: a.email,
          decision_reason: 'not on a Friday',
          decided_via: 'console',
        });
        expect((res.json() as { decided_at: string }).decided_at).toMatch(/Z$/);
        const agentMsg = await rec.next(
          (m) => m.topic === 'agents' && m.type === 'approval_decided' && m.data.approval_id === created.id,
        );
        expect(agentMsg.env).toBe('production');
        expect(agentMsg.data).toMatchObject({
          status: 'denied',
          decided_by: a.email,
          decision_reason: 'not on a Friday',
          decided_via: 'console',
        });
        await rec.next((m) => m.topic === 'dashboard' && m.type === 'approval_decided' && m.data.approval_id === created.id);
        expect((await notes.waitFor('approvalDecided')).rows[0]!.status).toBe('denied');
      } finally {
        rec.stop();
      }
    });

    it('ignores a decided_by in the body: the decider is always the session', async () => {
      const created = await createApproval(t, a.key);
      const res = await t.request({
        method: 'PUT',
        url: `${A}/${created.id}`,
        cookie: a.cookie,
        payload: { approved: true, decided_by: 'ceo@example.com', decided_via: 'runbook' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ decided_by: a.email, decided_via: 'runbook' });
      expect((await rowOf(t, created.id))!.decided_by).toBe(a.email);
    });

    it("answers 404 for another tenant's approval and leaves it pending", async () => {
      const created = await createApproval(t, a.key);
      const res = await t.request({ method: 'PUT', url: `${A}/${created.id}`, cookie: b.cookie, payload: { approved: true } });
      expect(res.statusCode).toBe(404);
      expect((await rowOf(t, created.id))!.status).toBe('pending');
    });

    it('names the field on bad input (422)', async () => {
      const created = await createApproval(t, a.key);
      const cases: [unknown, string][] = [
        [{}, 'body.approved'],
        [{ approved: 'yes' }, 'body.approved'],
        [{ approved: true, reason: 'r'.repeat(2001) }, 'body.reason'],
        [{ approved: true, decided_via: 'v'.repeat(65) }, 'body.decided_via'],
        [{ approved: true, extra: 1 }, 'body'],
      ];
      for (const [payload, loc] of cases) {
        const res = await t.request({
          method: 'PUT',
          url: `${A}/${created.id}`,
          cookie: a.cookie,
          payload: payload as Record<string, unknown>,
        });
        expect(res.statusCode).toBe(422);
        expect(problemLocs(res.json())).toContain(loc);
      }
      const bad = await t.request({ method: 'PUT', url: `${A}/nope`, cookie: a.cookie, payload: { approved: true } });
      expect(problemLocs(bad.json())).toEqual(['path.approval_id']);
      expect((await rowOf(t, created.id))!.status).toBe('pending');
    });

    it('lets a non-admin member decide', async () => {
      const m = await t.member();
      const created = await createApproval(t, a.key);
      const res = await t.request({ method: 'PUT', url: `${A}/${created.id}`, cookie: m.cookie, payload: { approved: true } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ decided_by: m.email });
    });
  });

  describe('ctx.approvals (chat callbacks)', () => {
    it('tells not_found, already_decided and expired apart', async () => {
      const decision = { approved: true, reason: null, decidedBy: 'slack:alice', decidedVia: 'slack' };
      expect(await t.ctx.approvals.decide(a.tenantId, UNKNOWN_ID, decision)).toEqual({
        ok: false,
        reason: 'not_found',
        approval: null,
      });
      expect(await t.ctx.approvals.decide(a.tenantId, 'garbage', decision)).toEqual({
        ok: false,
        reason: 'not_found',
        approval: null,
      });

      const created = await createApproval(t, a.key);
      expect((await t.ctx.approvals.decide(b.tenantId, created.id, decision)).ok).toBe(false);
      const ok = await t.ctx.approvals.decide(a.tenantId, created.id, decision);
      expect(ok.ok && ok.approval).toMatchObject({ status: 'approved', decidedBy: 'slack:alice', decidedVia: 'slack' });
      const again = await t.ctx.approvals.decide(a.tenantId, created.id, { ...decision, approved: false });
      expect(again).toMatchObject({ ok: false, reason: 'already_decided', approval: { status: 'approved' } });

      const late = await createApproval(t, a.key, { timeout: 1 });
      await expire(t, late.id);
      expect(await t.ctx.approvals.decide(a.tenantId, late.id, decision)).toMatchObject({
        ok: false,
        reason: 'expired',
        approval: { status: 'timeout' },
      });
      expect((await t.ctx.approvals.get(a.tenantId, late.id))?.status).toBe('timeout');
      expect(await t.ctx.approvals.get(b.tenantId, late.id)).toBeNull();
    });

    it('stores an oversized or unstorable chat identity and reason instead of failing the decision', async () => {
      const created = await createApproval(t, a.key);
      const res = await t.ctx.approvals.decide(a.tenantId, created.id, {
        approved: false,
        reason: `no\u0000pe \ud800 ${'r'.repeat(3000)}`,
        decidedBy: `telegram:${'u'.repeat(400)}`,
        decidedVia: 'v'.repeat(100),
      });
      expect(res.ok).toBe(true);
      const row = (await rowOf(t, created.id))!;
      expect(row).toMatchObject({ status: 'denied' });
      expect((row.decided_by as string).length).toBe(255);
      expect((row.decided_via as string).length).toBe(64);
      expect(row.decision_reason as string).toMatch(/^nope \ufffd r+$/);
      expect((row.decision_reason as string).length).toBe(2000);
    });
  });
});

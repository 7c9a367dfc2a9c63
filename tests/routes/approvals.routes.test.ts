import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import {
  agentOf,
  approvalBody,
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

describe('approval routes', () => {
  let t: TestApp;
  let a: Agent;
  let b: Agent;
  beforeAll(async () => {
    t = await createTestApp();
    a = await agentOf(t);
    b = await agentOf(t, 'other');
  });
  afterAll(async () => t?.close());

  describe('POST /approvals', () => {
    it('refuses a request without a credential (401)', async () => {
      const res = await t.request({ method: 'POST', url: A, payload: approvalBody() });
      expect(res.statusCode).toBe(401);
    });

    it('refuses a dashboard session: only agents create approvals (401)', async () => {
      const res = await t.request({ method: 'POST', url: A, cookie: a.cookie, payload: approvalBody() });
      expect(res.statusCode).toBe(401);
    });

    it('creates a pending approval for the header agent in the key env, ignoring the body agent_id', async () => {
      const res = await t.request({
        method: 'POST',
        url: A,
        apiKey: a.key,
        agentId: 'billing.agent-7',
        payload: approvalBody({ timeout: 120, timeout_effect: 'allow', contract_name: 'c1', decision_source: 'precondition' }),
      });
      expect(res.statusCode).toBe(201);
      const body = res.json() as Record<string, unknown>;
      expect(body).toMatchObject({
        status: 'pending',
        agent_id: 'billing.agent-7',
        env: 'production',
        tool_name: 'send_email',
        tool_args: { to: 'ops@example.com', subject: 'hi' },
        message: 'Send the weekly report?',
        timeout_seconds: 120,
        timeout_effect: 'allow',
        contract_name: 'c1',
        decision_source: 'precondition',
        decided_by: null,
        decided_at: null,
        decision_reason: null,
        decided_via: null,
      });
      expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
      const created = Date.parse(body.created_at as string);
      expect(Date.parse(body.expires_at as string) - created).toBe(120_000);
    });

    it('falls back to key:<prefix> as agent id without the header, and applies the defaults', async () => {
      const body = { agent_id: 'x', tool_name: 't', message: 'm' };
      const res = await t.request({ method: 'POST', url: A, apiKey: a.key, payload: body });
      expect(res.statusCode).toBe(201);
      const out = res.json() as Record<string, unknown>;
      expect(out.agent_id).toMatch(/^key:edk_production_/);
      expect(out).toMatchObject({ timeout_seconds: 300, timeout_effect: 'deny', tool_args: null });
    });

    it('names the field on bad input (422) and writes nothing', async () => {
      const before = await t.request({ url: `${A}?limit=1000`, cookie: a.cookie });
      const cases: [Record<string, unknown>, string][] = [
        [{ timeout: 0 }, 'body.timeout'],
        [{ timeout: 86_401 }, 'body.timeout'],
        [{ timeout: 0 }, 'body.timeout'],
        [{ timeout_effect: 'maybe' }, 'body.timeout_effect'],
        [{ tool_name: 'x'.repeat(256) }, 'body.tool_name'],
        [{ tool_name: '' }, 'body.tool_name'],
        [{ message: 'm'.repeat(10_001) }, 'body.message'],
        [{ message: 'nul\u0000' }, 'body.message'],
        [{ tool_args: [1, 2] }, 'body.tool_args'],
        [{ tool_args: { big: 'x'.repeat(70_000) } }, 'body.tool_args'],
        [{ tool_args: { deep: JSON.parse('['.repeat(100) + ']'.repeat(100)) } }, 'body.tool_args'],
        [{ tool_args: { s: 'lone \ud800 surrogate' } }, 'body.tool_args'],
        [{ agent_id: undefined }, 'body.agent_id'],
        [{ surprise: true }, 'body'],
      ];
      for (const [over, loc] of cases) {
        const res = await t.request({ method: 'POST', url: A, apiKey: a.key, payload: approvalBody(over) });
        expect(res.statusCode, JSON.stringify(over).slice(0, 80)).toBe(422);
        expect(problemLocs(res.json())).toContain(loc);
      }
      const after = await t.request({ url: `${A}?limit=1000`, cookie: a.cookie });
      expect((after.json() as unknown[]).length).toBe((before.json() as unknown[]).length);
    });

    it('pushes approval_created to env agents and the dashboard after commit, then notifies', async () => {
      const rec = busRecorder(t);
      const notes = recordingNotifier();
      t.ctx.notifier = notes.notifier;
      try {
        const created = await createApproval(t, a.key, {}, 'agent-1');
        const agentMsg = await rec.next(
          (m) => m.topic === 'agents' && m.type === 'approval_created' && m.data.approval_id === created.id,
        );
        expect(agentMsg).toMatchObject({ tenantId: a.tenantId, env: 'production' });
        expect(agentMsg.data).toMatchObject({
          approval_id: created.id,
          agent_id: 'agent-1',
          tool_name: 'send_email',
          message: 'Send the weekly report?',
        });
        const dash = await rec.next(
          (m) => m.topic === 'dashboard' && m.type === 'approval_created' && m.data.approval_id === created.id,
        );
        expect(dash.data).toMatchObject({ ...created, approval_id: created.id });
        const call = await notes.waitFor('approvalCreated');
        expect(call.rows[0]!.id).toBe(created.id);
      } finally {
        rec.stop();
      }
    });

    it('still answers 201 when the notifier fails', async () => {
      const notes = recordingNotifier({ fail: true });
      t.ctx.notifier = notes.notifier;
      const res = await t.request({
        method: 'POST',
        url: A,
        apiKey: a.key,
        agentId: 'agent-notify-fail',
        payload: approvalBody(),
      });
      expect(res.statusCode).toBe(201);
      await notes.waitFor('approvalCreated');
    });
  });

  describe('GET /approvals/{id}', () => {
    it('refuses a request without a credential (401)', async () => {
      expect((await t.request({ url: `${A}/${UNKNOWN_ID}` })).statusCode).toBe(401);
    });

    it('reads an approval with the creating key and with a session', async () => {
      const created = await createApproval(t, a.key);
      const byKey = await t.request({ url: `${A}/${created.id}`, apiKey: a.key });
      expect(byKey.statusCode).toBe(200);
      expect(byKey.json()).toEqual(created);
      expect((await t.request({ url: `${A}/${created.id}`, cookie: a.cookie })).json()).toEqual(created);
    });

    it("answers 404 for another tenant's approval, by key or by session", async () => {
      const created = await createApproval(t, a.key);
      for (const cred of [{ apiKey: b.key }, { cookie: b.cookie }]) {
        const res = await t.request({ url: `${A}/${created.id}`, ...cred });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ detail: 'Approval not found.' });
      }
    });

    it('answers 404 to a key of another env in the same tenant', async () => {
      const created = await createApproval(t, a.key);
      const staging = await t.apiKey(a.cookie, 'staging');
      expect((await t.request({ url: `${A}/${created.id}`, apiKey: staging })).statusCode).toBe(404);
    });

    it('answers 404 for an unknown id and 422 naming approval_id for a non-UUID', async () => {
      expect((await t.request({ url: `${A}/${UNKNOWN_ID}`, apiKey: a.key })).statusCode).toBe(404);
      const bad = await t.request({ url: `${A}/not-a-uuid`, apiKey: a.key });
      expect(bad.statusCode).toBe(422);
      expect(problemLocs(bad.json())).toEqual(['path.approval_id']);
    });

    it('reads an overdue pending approval as timeout before the worker runs, without writing', async () => {
      const created = await createApproval(t, a.key, { timeout: 1 });
      await expire(t, created.id);
      const res = await t.request({ url: `${A}/${created.id}`, apiKey: a.key });
      expect(res.json()).toMatchObject({ status: 'timeout', decided_by: null });
      expect((await rowOf(t, created.id))!.status).toBe('pending');
    });
  });

  describe('GET /approvals', () => {
    it('refuses no credential (401) and an API key (403)', async () => {
      expect((await t.request({ url: A })).statusCode).toBe(401);
      expect((await t.request({ url: A, apiKey: a.key })).statusCode).toBe(403);
    });

    it("lists only the caller's tenant, newest first, with filters and paging", async () => {
      const other = await agentOf(t, 'other');
      const mine = [] as string[];
      for (let i = 0; i < 3; i++)
        mine.push((await createApproval(t, other.key, { tool_name: `tool_${i}` }, `lister-${i % 2}`)).id);
      const all = (await t.request({ url: A, cookie: other.cookie })).json() as { id: string }[];
      expect(all.map((x) => x.id)).toEqual([...mine].reverse());
      const filtered = (await t.request({ url: `${A}?agent_id=lister-0&limit=1`, cookie: other.cookie })).json() as {
        id: string;
      }[];
      expect(filtered.map((x) => x.id)).toEqual([mine[2]]);
      const paged = (await t.request({ url: `${A}?limit=1&offset=1`, cookie: other.cookie })).json() as { id: string }[];
      expect(paged.map((x) => x.id)).toEqual([mine[1]]);
      const byTool = (await t.request({ url: `${A}?tool_name=tool_0`, cookie: other.cookie })).json() as { id: string }[];
      expect(byTool.map((x) => x.id)).toEqual([mine[0]]);
      expect((await t.request({ url: `${A}?env=staging`, cookie: other.cookie })).json()).toEqual([]);
      const theirs = (await t.request({ url: A, cookie: a.cookie })).json() as { id: string }[];
      expect(theirs.some((x) => mine.includes(x.id))).toBe(false);
    });

    it('files an overdue pending approval under timeout, not pending', async () => {
      const created = await createApproval(t, a.key, { timeout: 1 });
      await expire(t, created.id);
      const pending = (await t.request({ url: `${A}?status=pending&limit=1000`, cookie: a.cookie })).json() as { id: string }[];
      expect(pending.some((x) => x.id === created.id)).toBe(false);
      const timedOut = (await t.request({ url: `${A}?status=timeout&limit=1000`, cookie: a.cookie })).json() as {
        id: string;
        status: string;
      }[];
      expect(timedOut.find((x) => x.id === created.id)?.status).toBe('timeout');
    });

    it('names the field on a bad query (422)', async () => {
      for (const [q, loc] of [
        ['status=open', 'query.status'],
        ['limit=0', 'query.limit'],
        ['limit=1001', 'query.limit'],
        ['offset=-1', 'query.offset'],
        ['env=-x', 'query.env'],
        ['bogus=1', 'query'],
      ] as const) {
        const res = await t.request({ url: `${A}?${q}`, cookie: a.cookie });
        expect(res.statusCode, q).toBe(422);
        expect(problemLocs(res.json())).toContain(loc);
      }
    });
  });
});

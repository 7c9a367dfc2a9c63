import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { agentOf, expire, type Agent } from '../helpers/approvals-fixtures.js';

/**
 * The SDK checklist (sdk-contract.md 1, 2, 5, 7, 12 items 6, 7, 9, 10) for approvals and the
 * session store, driven over a real socket the way the SDK clients send requests: Bearer key,
 * X-Edictum-Agent-Id, `Content-Type: application/json` on every request (GET and DELETE
 * included), TS percent-encoding path segments and Python sending them raw.
 */
const SAFE_ID = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$/;

interface Answer {
  status: number;
  body: unknown;
}

describe('SDK checklist: approvals and sessions', () => {
  let t: TestApp;
  let a: Agent;
  let base: string;
  const statuses: number[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    a = await agentOf(t);
    base = await t.listen();
  });
  afterAll(async () => t?.close());

  /** Raw HTTP, so the path goes out exactly as given (Python leaves `:` and `/` unescaped). */
  function send(method: string, path: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        `${base}${path}`,
        {
          method,
          headers: {
            authorization: `Bearer ${a.key}`,
            'x-edictum-agent-id': 'sdk-agent.v1_test',
            'content-type': 'application/json',
            ...(payload === undefined ? {} : { 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            statuses.push(res.statusCode ?? 0);
            // Python's client parses every answer as JSON: an empty body would raise.
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** The TS client's ServerBackend, paraphrased: 404 on GET means "none". */
  const ts = {
    key: (k: string) => `/api/v1/sessions/${encodeURIComponent(k)}`,
    async get(k: string) {
      const r = await send('GET', ts.key(k));
      if (r.status === 404) return null;
      expect(r.status).toBe(200);
      return (r.body as { value: string }).value;
    },
    async increment(k: string, amount = 1) {
      const r = await send('POST', `${ts.key(k)}/increment`, { amount });
      expect(r.status).toBe(200);
      const v = (r.body as { value: unknown }).value;
      expect(typeof v === 'number' && Number.isFinite(v)).toBe(true);
      return v as number;
    },
  };

  it('runs a TS guard.run() sequence with percent-encoded keys', async () => {
    const sid = randomUUID();
    const k = (s: string) => `s:${sid}:${s}`;
    expect(ts.key(k('attempts'))).toContain('%3A');
    expect(await ts.increment(k('attempts'))).toBe(1);
    const batch = await send('POST', '/api/v1/sessions/batch', { keys: [k('attempts'), k('execs'), k('tool:send_email')] });
    expect(batch).toEqual({
      status: 200,
      body: { values: { [k('attempts')]: '1', [k('execs')]: null, [k('tool:send_email')]: null } },
    });
    expect(Number(await ts.get(k('attempts')))).toBe(1);
    expect(await ts.increment(k('execs'))).toBe(1);
    expect(await ts.increment(k('tool:send_email'))).toBe(1);
    const del = await send('DELETE', ts.key(k('consec_fail')));
    expect(del).toEqual({ status: 200, body: { value: null } });
    expect(await ts.get(k('consec_fail'))).toBeNull();
    expect(Number(await ts.get(k('execs')))).toBe(1);
  });

  it('serves Python-style raw keys, and a key holding "/" either raw or as %2F', async () => {
    const sid = randomUUID();
    const raw = `/api/v1/sessions/s:${sid}:attempts`;
    expect((await send('PUT', raw, { value: '2' })).status).toBe(200);
    expect(await send('GET', raw)).toEqual({ status: 200, body: { value: '2' } });
    expect(await ts.get(`s:${sid}:attempts`)).toBe('2');

    const slashKey = `s:${sid}:tool:fs/read`;
    expect((await send('PUT', `/api/v1/sessions/s:${sid}:tool:fs/read`, { value: 'raw' })).status).toBe(200);
    expect(await ts.get(slashKey)).toBe('raw');
    expect(await ts.increment(`s:${sid}:n/a`, 2)).toBe(2);
    expect((await send('POST', `/api/v1/sessions/s:${sid}:n/a/increment`, { amount: 1 })).body).toEqual({ value: 3 });
  });

  it('adds 5 then 3 to make 8, and an empty body counts 1', async () => {
    const k = `s:${randomUUID()}:consec_fail`;
    expect(await ts.increment(k, 5)).toBe(8 - 3);
    expect(await ts.increment(k, 3)).toBe(8);
    expect(await ts.get(k)).toMatch(/^8(\.0+)?$/);
    const r = await send('POST', `${ts.key(`s:${randomUUID()}:x`)}/increment`, {});
    expect(r).toEqual({ status: 200, body: { value: 1 } });
  });

  it('returns a map with null for absent keys from the batch route, never a 404 or 405', async () => {
    const k = `s:${randomUUID()}:attempts`;
    await send('PUT', ts.key(k), { value: '4' });
    const r = await send('POST', '/api/v1/sessions/batch', { keys: [k, 'absent:key', k] });
    expect(r).toEqual({ status: 200, body: { values: { [k]: '4', 'absent:key': null } } });
  });

  it('answers 404 "Key not found" for a missing key, which the SDK maps to none', async () => {
    const r = await send('GET', ts.key(`s:${randomUUID()}:never`));
    expect(r).toEqual({ status: 404, body: { detail: 'Key not found' } });
  });

  it('creates an approval with the SDK body and the poll loop sees the decision', async () => {
    const created = await send('POST', '/api/v1/approvals', {
      agent_id: 'sdk-agent.v1_test',
      tool_name: 'delete_file',
      tool_args: { path: '/tmp/x' },
      message: 'Delete /tmp/x?',
      timeout: 300,
      timeout_effect: 'deny',
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect(id).toMatch(SAFE_ID);
    expect(created.body).toMatchObject({ agent_id: 'sdk-agent.v1_test', status: 'pending' });

    const seen: string[] = [];
    let decided = false;
    for (let i = 0; i < 5; i++) {
      const r = await send('GET', `/api/v1/approvals/${id}`);
      expect(r.status).toBe(200);
      const body = r.body as { status: string; decided_by: string | null; decision_reason: string | null };
      seen.push(body.status);
      if (body.status !== 'pending') {
        expect(body).toMatchObject({ status: 'approved', decided_by: a.email, decision_reason: 'looks fine' });
        break;
      }
      if (!decided) {
        // A human decides between two polls.
        const put = await t.request({
          method: 'PUT',
          url: `/api/v1/approvals/${id}`,
          cookie: a.cookie,
          payload: { approved: true, reason: 'looks fine' },
        });
        expect(put.statusCode).toBe(200);
        decided = true;
      }
    }
    expect(seen).toEqual(['pending', 'approved']);
  });

  it('the poll loop sees timeout once the deadline has passed', async () => {
    const created = await send('POST', '/api/v1/approvals', {
      agent_id: 'x',
      tool_name: 't',
      tool_args: {},
      message: 'm',
      timeout: 1,
      timeout_effect: 'allow',
    });
    const id = (created.body as { id: string }).id;
    await expire(t, id, 1);
    const r = await send('GET', `/api/v1/approvals/${id}`);
    expect(r.body).toMatchObject({ status: 'timeout', timeout_effect: 'allow' });
  });

  it('accepts the TS client exactly: fetch with Content-Type on a body-less GET and DELETE', async () => {
    const headers = { Authorization: `Bearer ${a.key}`, 'X-Edictum-Agent-Id': 'default', 'Content-Type': 'application/json' };
    const k = encodeURIComponent(`s:${randomUUID()}:attempts`);
    const put = await fetch(`${base}/api/v1/sessions/${k}`, { method: 'PUT', headers, body: JSON.stringify({ value: '1' }) });
    expect(put.status).toBe(200);
    const get = await fetch(`${base}/api/v1/sessions/${k}`, { headers });
    expect(await get.json()).toEqual({ value: '1' });
    const del = await fetch(`${base}/api/v1/sessions/${k}`, { method: 'DELETE', headers });
    statuses.push(put.status, get.status, del.status);
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ value: null });
  });

  it('never answered 204 (or an empty body) on any SDK call above', () => {
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses).not.toContain(204);
  });
});

import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { countEvents, postEvents, pyEvent, tsEvent } from '../helpers/events-fixtures.js';
import { WAIT_MS } from '../helpers/wait.js';

type Detail = { detail: { loc: (string | number)[]; msg: string }[] };
const locs = (body: unknown) => (body as Detail).detail.map((d) => d.loc.join('.'));

describe('POST /api/v1/events', () => {
  let t: TestApp;
  let admin: Principal;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
  });
  afterAll(async () => t?.close());

  it('refuses a request without a credential (401) and writes nothing', async () => {
    const before = await countEvents(t);
    const res = await t.request({ method: 'POST', url: '/api/v1/events', payload: { events: [tsEvent()] } });
    expect(res.statusCode).toBe(401);
    expect(await countEvents(t)).toBe(before);
  });

  it('refuses a dashboard session: ingest needs an API key', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/events', cookie: admin.cookie, payload: { events: [tsEvent()] } });
    expect(res.statusCode).toBe(401);
  });

  it('accepts TS-shaped and Python-shaped SDK events and stores the key env, not the payload env', async () => {
    const staging = await t.apiKey(admin.cookie, 'staging.eu-1');
    const a = tsEvent({ payload: { ...tsEvent().payload, environment: 'production' } });
    const b = pyEvent({ extra_field_from_newer_sdk: { x: 1 } });
    const res = await postEvents(t, staging, { events: [a, b] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 2, duplicates: 0 });
    const rows = await t.deps.database.rows<{ call_id: string; env: string; decision_name: string | null; policy_version: string | null; ts: string }>(
      sql`SELECT call_id, env, decision_name, policy_version, to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS ts
          FROM events WHERE call_id IN (${a.call_id}, ${b.call_id}) ORDER BY call_id`,
    );
    expect(rows.map((r) => r.env)).toEqual(['staging.eu-1', 'staging.eu-1']);
    const py = rows.find((r) => r.call_id === b.call_id)!;
    expect(py.decision_name).toBe('no-destructive-shell');
    expect(py.policy_version).toBe('b'.repeat(64));
    // Python's microseconds survive (a JS Date would have cut them to milliseconds).
    expect(py.ts.endsWith('417')).toBe(true);
  });

  it('drops a retried batch across requests: no new rows, all counted as duplicates', async () => {
    const batch = [tsEvent(), tsEvent(), pyEvent()];
    const first = await postEvents(t, key, { events: batch });
    expect(first.json()).toEqual({ accepted: 3, duplicates: 0 });
    const before = await countEvents(t, admin.tenantId);
    const retry = await postEvents(t, key, { events: [...batch, tsEvent()] });
    expect(retry.json()).toEqual({ accepted: 1, duplicates: 3 });
    expect(await countEvents(t, admin.tenantId)).toBe(before + 1);
  });

  it('treats a retried event as the same event whatever its key order or timestamp spelling', async () => {
    const e = pyEvent({ timestamp: '2026-03-04T05:06:07.123456+02:00' });
    await postEvents(t, key, { events: [e] });
    const reordered = { ...e, timestamp: '2026-03-04T03:06:07.123456Z', payload: Object.fromEntries(Object.entries(e.payload!).reverse()) };
    const res = await postEvents(t, key, { events: [reordered] });
    expect(res.json()).toEqual({ accepted: 0, duplicates: 1 });
  });

  it('keeps every distinct event of one call: call_allowed then call_executed', async () => {
    const callId = randomUUID();
    const ts = new Date().toISOString();
    const res = await postEvents(t, key, {
      events: [tsEvent({ call_id: callId, verdict: 'call_allowed', timestamp: ts }), tsEvent({ call_id: callId, verdict: 'call_executed', timestamp: ts })],
    });
    expect(res.json()).toEqual({ accepted: 2, duplicates: 0 });
  });

  it('keeps two observe-mode shadow events sharing call_id and verdict but not payload', async () => {
    const callId = randomUUID();
    const ts = new Date().toISOString();
    const base = tsEvent({ call_id: callId, verdict: 'call_would_deny', mode: 'observe', timestamp: ts });
    const one = { ...base, payload: { ...base.payload, decision_name: 'observe-a' } };
    const two = { ...base, payload: { ...base.payload, decision_name: 'observe-b' } };
    const res = await postEvents(t, key, { events: [one, two] });
    expect(res.json()).toEqual({ accepted: 2, duplicates: 0 });
    // ...and resending both later still adds nothing.
    expect((await postEvents(t, key, { events: [two, one] })).json()).toEqual({ accepted: 0, duplicates: 2 });
  });

  it('counts duplicates inside one batch as duplicates', async () => {
    const e = tsEvent();
    const res = await postEvents(t, key, { events: [e, e, { ...e }] });
    expect(res.json()).toEqual({ accepted: 1, duplicates: 2 });
  });

  it('accepts 10,000 events in one batch (the SDK buffer after an outage)', async () => {
    const events = Array.from({ length: 10_000 }, (_, i) => tsEvent({ agent_id: `bulk-${i % 7}` }));
    const before = await countEvents(t, admin.tenantId);
    const res = await postEvents(t, key, { events });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 10_000, duplicates: 0 });
    expect(await countEvents(t, admin.tenantId)).toBe(before + 10_000);
  });

  it('refuses 10,001 events with a 422 naming body.events and writes nothing', async () => {
    const events = Array.from({ length: 10_001 }, () => tsEvent());
    const before = await countEvents(t);
    const res = await postEvents(t, key, { events });
    expect(res.statusCode).toBe(422);
    expect(locs(res.json())).toContain('body.events');
    expect(await countEvents(t)).toBe(before);
  });

  it('names each bad field and writes none of the batch when one event is bad', async () => {
    const before = await countEvents(t);
    const bad = [
      tsEvent(),
      tsEvent({ call_id: 'x'.repeat(256) }),
      tsEvent({ timestamp: '2026-02-30T00:00:00Z' }),
      tsEvent({ timestamp: '2026-01-01T00:00:00' }),
      tsEvent({ verdict: 'v'.repeat(65) }),
      { ...tsEvent(), payload: [1, 2] },
      { ...tsEvent(), tool_name: undefined },
    ];
    const res = await postEvents(t, key, { events: bad });
    expect(res.statusCode).toBe(422);
    expect(locs(res.json())).toEqual(
      expect.arrayContaining([
        'body.events.1.call_id',
        'body.events.2.timestamp',
        'body.events.3.timestamp',
        'body.events.4.verdict',
        'body.events.5.payload',
        'body.events.6.tool_name',
      ]),
    );
    expect(await countEvents(t)).toBe(before);
  });

  it('refuses a payload over 64 KB or nested past 64 levels, naming it, with nothing written', async () => {
    const before = await countEvents(t);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 70; i++) deep = { d: deep };
    const res = await postEvents(t, key, {
      events: [tsEvent(), tsEvent({ payload: { blob: 'x'.repeat(70_000) } }), tsEvent({ payload: { deep } })],
    });
    expect(res.statusCode).toBe(422);
    expect(locs(res.json())).toEqual(['body.events.1.payload', 'body.events.2.payload']);
    expect(await countEvents(t)).toBe(before);
  });

  it('stores text Postgres cannot hold (NUL, lone surrogates) as U+FFFD instead of failing', async () => {
    const e = tsEvent({ tool_name: 'bad\u0000tool', payload: { arg: 'a\u0000b\ud800c', ['k\u0000']: 1 } });
    const res = await postEvents(t, key, { events: [e] });
    expect(res.statusCode).toBe(200);
    const [row] = await t.deps.database.rows<{ tool_name: string; arg: string }>(
      sql`SELECT tool_name, payload->>'arg' AS arg FROM events WHERE call_id = ${e.call_id}`,
    );
    expect(row).toEqual({ tool_name: 'bad\uFFFDtool', arg: 'a\uFFFDb\uFFFDc' });
    expect((await postEvents(t, key, { events: [e] })).json()).toEqual({ accepted: 0, duplicates: 1 });
  });

  it('refuses an empty batch and a body that is not the documented shape', async () => {
    expect(locs((await postEvents(t, key, { events: [] })).json())).toContain('body.events');
    const res = await postEvents(t, key, { events: [tsEvent()], surprise: true });
    expect(res.statusCode).toBe(422);
  });

  it('stores the agent manifest on the registration with the events, in one transaction', async () => {
    const agentId = `gate-${randomUUID().slice(0, 8)}`;
    const manifest = { agent_id: agentId, policy_version: 'c'.repeat(64), contracts: [{ id: 'no-rm', type: 'pre', tool: ['Bash', 'shell_*'], mode: 'enforce' }] };
    const res = await postEvents(t, key, { events: [tsEvent({ agent_id: agentId })], agent_manifest: manifest });
    expect(res.statusCode).toBe(200);
    const [reg] = await t.deps.database.rows<{ manifest: { policy_version: string; contracts: unknown[] } }>(
      sql`SELECT manifest FROM agent_registrations WHERE tenant_id = ${admin.tenantId}::uuid AND agent_id = ${agentId}`,
    );
    expect(reg?.manifest.policy_version).toBe('c'.repeat(64));
    expect(reg?.manifest.contracts).toEqual(manifest.contracts);
  });

  it('pushes one event_created with the accepted count, and none for an all-duplicate batch', async () => {
    const seen: Record<string, unknown>[] = [];
    let resolveLast: () => void = () => undefined;
    const last = new Promise<void>((r) => (resolveLast = r));
    const off = t.deps.bus.subscribe((m) => {
      if (m.tenantId !== admin.tenantId || m.type !== 'event_created') return;
      seen.push(m.data);
      if (m.data.accepted === 1) resolveLast();
    });
    try {
      const batch = [tsEvent(), tsEvent()];
      await postEvents(t, key, { events: batch });
      await postEvents(t, key, { events: batch });
      await postEvents(t, key, { events: [tsEvent()] });
      await Promise.race([last, new Promise((_, rej) => setTimeout(() => rej(new Error('no event_created')), WAIT_MS))]);
    } finally {
      off();
    }
    expect(seen).toEqual([
      { type: 'event_created', accepted: 2 },
      { type: 'event_created', accepted: 1 },
    ]);
  });
});

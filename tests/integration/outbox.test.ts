import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { SLACK_SIGNING, SLACK_TOKEN, advanceClock, createApproval, createChannel, deliver, deliveries, startFakes, waitUntil, type Fakes } from '../fakes/notify-kit.js';
import type { Recorded } from '../fakes/http-fake.js';

const decide = (t: TestApp, cookie: string, id: string, approved: boolean) =>
  t.request({ method: 'PUT', url: `/api/v1/approvals/${id}`, cookie, payload: { approved, reason: approved ? null : 'no' } });

describe('outbox: retries, backoff, failure reporting', () => {
  let f: Fakes;
  let t: TestApp;
  let cookie: string;
  let key: string;
  let hookId: string;
  const about = (id: string) => (r: Recorded) => r.path === '/retry' && r.body.includes(id);

  beforeAll(async () => {
    f = await startFakes();
    t = await createTestApp({ env: { ...f.env, EDICTUM_OUTBOUND_TIMEOUT_MS: '2000' } });
    cookie = (await t.admin()).cookie;
    key = await t.apiKey(cookie);
    hookId = (await createChannel(t, cookie, 'webhook', { url: `${f.webhook.url}/retry` })).id;
  });
  afterAll(async () => {
    await t?.close();
    await f?.close();
  });

  it('a provider that fails twice still gets the message, exactly once, after backoff', async () => {
    f.webhook.failNext(2, (r) => r.path === '/retry');
    const id = await createApproval(t, key);
    await f.webhook.waitFor(about(id));
    await deliver(t);
    let [row] = await deliveries(t, cookie, id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, last_error: 'The receiver failed (500 Internal Server Error) — will retry' });
    // Not due yet: nothing is sent before the backoff has passed.
    await deliver(t);
    expect(f.webhook.calls.filter(about(id))).toHaveLength(1);
    advanceClock(t, 6_000);
    await deliver(t);
    expect(f.webhook.calls.filter(about(id))).toHaveLength(2);
    [row] = await deliveries(t, cookie, id);
    expect(row).toMatchObject({ status: 'pending', attempts: 2 });
    advanceClock(t, 31_000);
    await deliver(t);
    [row] = await deliveries(t, cookie, id);
    expect(row).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
    advanceClock(t, 3600_000);
    await deliver(t);
    expect(f.webhook.calls.filter(about(id))).toHaveLength(3);
    expect(f.webhook.accepted.filter(about(id))).toHaveLength(1);
  });

  it('a provider that never answers times out and is retried, not lost', async () => {
    f.webhook.hangNext(1, (r) => r.path === '/retry');
    const id = await createApproval(t, key);
    await f.webhook.waitFor(about(id));
    await deliver(t);
    const [row] = await deliveries(t, cookie, id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, last_error: 'Webhook: timed out after 2 s' });
    advanceClock(t, 6_000);
    await deliver(t);
    expect((await deliveries(t, cookie, id))[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(f.webhook.accepted.filter(about(id))).toHaveLength(1);
  });

  it('gives up after 8 attempts; a channel that keeps failing shows in health, and drops off once it recovers', async () => {
    const badId = (await createChannel(t, cookie, 'webhook', { url: `${f.webhook.url}/broken` })).id;
    f.webhook.failNext(8, (r) => r.path === '/broken', 503);
    const id = await createApproval(t, key);
    await f.webhook.waitFor((r) => r.path === '/broken' && r.body.includes(id));
    for (let i = 0; i < 8; i++) {
      await deliver(t);
      advanceClock(t, 31 * 60_000);
    }
    await deliver(t);
    const row = (await deliveries(t, cookie, id)).find((r) => r.channel_id === badId)!;
    expect(row).toMatchObject({ status: 'failed', attempts: 8, last_error: 'The receiver failed (503 Service Unavailable) — will retry' });
    expect(f.webhook.calls.filter((r) => r.path === '/broken' && r.body.includes(id))).toHaveLength(8);

    // The failures are older than an hour now (the clock moved on): make three fresh ones.
    f.webhook.failNext(3, (r) => r.path === '/broken', 502);
    const id2 = await createApproval(t, key);
    for (let i = 0; i < 3; i++) {
      await f.webhook.waitForCount((r) => r.path === '/broken' && r.body.includes(id2), i + 1);
      await deliver(t);
      if (i < 2) {
        advanceClock(t, 200_000);
        await deliver(t);
      }
    }
    const health = await t.request({ url: '/api/v1/health/details', cookie });
    const failing = (health.json() as { failing_channels: { id: string; channel_type: string; last_error: string }[] }).failing_channels;
    expect(failing).toEqual([{ id: badId, name: expect.any(String), channel_type: 'webhook', last_error: 'The receiver failed (502 Bad Gateway) — will retry' }]);
    // The next attempt succeeds: the channel is healthy again.
    advanceClock(t, 600_000);
    await deliver(t);
    const after = (await t.request({ url: '/api/v1/health/details', cookie })).json() as { failing_channels: unknown[] };
    expect(after.failing_channels).toEqual([]);
  });

  it('an edit waits for its request to be posted; a request not yet posted when decided is skipped', async () => {
    const slackId = (await createChannel(t, cookie, 'slack_app', { bot_token: SLACK_TOKEN, signing_secret: SLACK_SIGNING, slack_channel: 'C0WAIT' })).id;
    const held = f.slack.holdNext((r) => r.path === '/api/chat.postMessage');
    const id = await createApproval(t, key);
    await f.slack.waitFor((r) => r.path === '/api/chat.postMessage' && r.body.includes(id));
    expect((await decide(t, cookie, id, true)).statusCode).toBe(200);
    // The decision is queued while the request is still in flight.
    await waitUntil(async () => (await deliveries(t, cookie, id)).some((r) => r.channel_id === slackId && r.kind === 'outcome'));
    expect(f.slack.calls.some((r) => r.path === '/api/chat.update' && r.body.includes(id))).toBe(false);
    held.release();
    const upd = await f.slack.waitFor((r) => r.path === '/api/chat.update' && r.body.includes(id));
    const posted = f.slack.requestFor(id)!;
    expect((upd.json as { ts: string }).ts).toBe(posted.ts);
    await deliver(t);

    // A request still waiting for a retry when the decision comes is dropped, with no follow-up.
    f.webhook.failNext(1, (r) => r.path === '/retry');
    const id2 = await createApproval(t, key);
    await f.webhook.waitFor(about(id2));
    await deliver(t);
    expect((await decide(t, cookie, id2, false)).statusCode).toBe(200);
    // The decision's follow-up runs in the background: let it settle before the clock jumps and a
    // delivery pass claims the retry (else the pass holds the row while the decision looks at it).
    await waitUntil(async () => (await deliveries(t, cookie, id2)).some((r) => r.channel_id === hookId && r.status === 'skipped'));
    advanceClock(t, 3600_000);
    await deliver(t);
    const rows = (await deliveries(t, cookie, id2)).filter((r) => r.channel_id === hookId);
    expect(rows).toEqual([expect.objectContaining({ kind: 'request', status: 'skipped', attempts: 1 })]);
    expect(f.webhook.calls.filter((r) => r.path === '/retry' && r.body.includes(id2) && r.body.includes('approval_decided'))).toEqual([]);
  });
});

describe('two console processes sharing one database', () => {
  let f: Fakes;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    f = await startFakes();
    // A long outbound timeout: process A's held request must not time out while B works.
    const env = { ...f.env, EDICTUM_OUTBOUND_TIMEOUT_MS: '30000' };
    a = await createTestApp({ env: { ...env, EDICTUM_BASE_URL: 'http://process-a.test' } });
    b = await createTestApp({ env: { ...env, EDICTUM_BASE_URL: 'http://process-b.test' }, database: { database: a.deps.database, url: a.config.databaseUrl } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await f?.close();
  });

  it('post every message once, whichever process delivers it', async () => {
    const cookie = (await a.admin()).cookie;
    const key = await a.apiKey(cookie);
    await createChannel(a, cookie, 'webhook', { url: `${f.webhook.url}/twice` });
    await createChannel(a, cookie, 'slack_app', { bot_token: SLACK_TOKEN, signing_secret: SLACK_SIGNING, slack_channel: 'C0TWO' });

    // Process A is stuck on its first send, so the rows queued meanwhile are up for grabs.
    const held = f.webhook.holdNext((r) => r.path === '/twice');
    const first = await createApproval(a, key);
    await f.webhook.waitFor((r) => r.path === '/twice' && r.body.includes(first));
    const ids = [first];
    for (let i = 0; i < 5; i++) ids.push(await createApproval(a, key));
    for (const id of ids) await waitUntil(async () => (await deliveries(a, cookie, id)).length === 2, 10_000, 'requests queued');
    await deliver(b);
    held.release();
    // Then both race over a burst.
    const burst = await Promise.all(Array.from({ length: 12 }, () => createApproval(a, key)));
    ids.push(...burst);
    await Promise.all([deliver(a), deliver(b), deliver(b), deliver(a)]);
    const hookFor = (id: string) => (r: Recorded) => r.path === '/twice' && r.body.includes(id);
    const postFor = (id: string) => (r: Recorded) => r.path === '/api/chat.postMessage' && r.body.includes(id);
    for (const id of ids) await Promise.all([f.webhook.waitFor(hookFor(id)), f.slack.waitFor(postFor(id))]);
    await Promise.all([deliver(a), deliver(b)]);

    for (const id of ids) {
      expect(f.webhook.calls.filter(hookFor(id))).toHaveLength(1);
      expect(f.slack.calls.filter(postFor(id))).toHaveLength(1);
    }
    const senders = new Set(f.webhook.calls.filter((r) => r.path === '/twice').map((r) => (r.json as { dashboard_url: string }).dashboard_url.split('/dashboard')[0]));
    expect(senders).toEqual(new Set(['http://process-a.test', 'http://process-b.test']));

    // Decisions, too, are edited once.
    const decided = ids.slice(0, 6);
    for (const id of decided) expect((await decide(a, cookie, id, true)).statusCode).toBe(200);
    await Promise.all([deliver(b), deliver(a), deliver(b)]);
    const updateFor = (id: string) => (r: Recorded) => r.path === '/api/chat.update' && r.body.includes(id);
    const decidedFor = (id: string) => (r: Recorded) => hookFor(id)(r) && r.body.includes('approval_decided');
    for (const id of decided) await Promise.all([f.slack.waitFor(updateFor(id)), f.webhook.waitFor(decidedFor(id))]);
    await Promise.all([deliver(a), deliver(b)]);
    for (const id of decided) {
      expect(f.slack.calls.filter(updateFor(id))).toHaveLength(1);
      expect(f.webhook.calls.filter(decidedFor(id))).toHaveLength(1);
    }
  });
});

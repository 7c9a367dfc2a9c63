import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { callbackUpdate } from '../fakes/fake-telegram.js';
import { channelConfigs, createApproval, createChannel, deliver, deliveries, poll, startFakes, telegramPost, waitUntil, type Fakes } from '../fakes/notify-kit.js';

const TG_SECRET = 'tg-webhook-secret-fanout-01';
const HOOK_SECRET = 'webhook-secret-0123456789abcdef';

describe('fan-out to every channel type, one decision edits them all', () => {
  let f: Fakes;
  let t: TestApp;
  let cookie: string;
  let key: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    f = await startFakes();
    t = await createTestApp({ env: f.env });
    cookie = (await t.admin()).cookie;
    key = await t.apiKey(cookie);
    const c = channelConfigs(f);
    c.telegram!.webhook_secret = TG_SECRET;
    for (const type of Object.keys(c)) ids[type] = (await createChannel(t, cookie, type, c[type]!, { filters: { environments: ['production'], agent_patterns: ['fin-*', 'ops-?'] } })).id;
    // Routed elsewhere: must receive nothing.
    ids.staging = (await createChannel(t, cookie, 'webhook', { url: `${f.webhook.url}/staging-only` }, { filters: { environments: ['staging'] } })).id;
    ids.contracts = (await createChannel(t, cookie, 'webhook', { url: `${f.webhook.url}/other-contracts` }, { filters: { contract_names: ['pii-*'] } })).id;
  });
  afterAll(async () => {
    await t?.close();
    await f?.close();
  });

  it('round trip: request everywhere → signed Telegram press → all messages edited or followed up → the agent sees it', async () => {
    const args = { sql: 'DELETE FROM users WHERE note = \'<script>alert(1)</script>\'', rows: 1200 };
    const id = await createApproval(t, key, { tool_name: 'db.query', tool_args: args, contract_name: 'dangerous-sql', message: 'Needs <b>approval</b>' }, 'fin-reconciler');

    // 1. Every matching channel gets the request with the arguments, escaped for it.
    const tg = await f.telegram.waitFor((r) => r.path.endsWith('/sendMessage') && r.body.includes(id));
    expect((tg.json as { text: string }).text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const slackApp = await f.slack.waitFor((r) => r.path === '/api/chat.postMessage' && r.body.includes(id));
    expect(slackApp.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const slackHook = await f.slack.waitFor((r) => r.path.startsWith('/hooks/') && r.body.includes(id));
    expect(slackHook.body).toContain('&lt;script&gt;');
    expect(slackHook.body).not.toContain('edictum_approve');
    const dc = await f.discord.waitFor((r) => r.method === 'POST' && r.body.includes(id));
    expect(dc.body).toContain('DELETE FROM users');
    const hook = await f.webhook.waitFor((r) => r.path === '/edictum' && r.body.includes(id));
    expect(hook.json).toMatchObject({ event: 'approval_requested', approval_id: id, agent_id: 'fin-reconciler', tool_name: 'db.query', tool_args: args, env: 'production', contract_name: 'dangerous-sql', timeout_effect: 'deny' });
    expect(hook.headers['x-edictum-signature']).toBe(WebhookReceiver.expectedSignature(HOOK_SECRET, hook.headers['x-edictum-timestamp']!, hook.body));
    expect(Math.abs(Number(hook.headers['x-edictum-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    const [mail] = await f.smtp.waitForCount(1);
    expect(mail!.secure).toBe(true);
    expect(mail!.user).toBe('mailer');
    expect(mail!.to).toEqual(['ops@example.com', 'sec@example.com']);
    expect(mail!.subject).toBe('[Edictum] Approval requested — fin-reconciler wants to call db.query');
    expect(mail!.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail!.html).toContain('Needs &lt;b&gt;approval&lt;/b&gt;');
    expect(mail!.html).not.toContain('<script>');
    expect(mail!.text).toContain("<script>alert(1)</script>");
    expect(mail!.text).toContain(`/dashboard/approvals?id=${id}`);

    // 2. One signed press decides.
    const msg = f.telegram.requestFor(id)!;
    await telegramPost(t, ids.telegram!, TG_SECRET, callbackUpdate(msg, `approve:${id}`, { id: 1, username: 'bob' }));
    expect(await poll(t, key, id)).toMatchObject({ status: 'approved', decided_by: 'telegram:bob', decided_via: 'telegram' });

    // 3. Every posted message shows the outcome; one-way channels get a follow-up.
    await f.telegram.waitFor((r) => r.path.endsWith('/editMessageText') && r.body.includes(id));
    const upd = await f.slack.waitFor((r) => r.path === '/api/chat.update' && r.body.includes(id));
    expect(upd.body).toContain('Approved by telegram:bob');
    const patch = await f.discord.waitFor((r) => r.method === 'PATCH' && r.body.includes(id));
    expect(patch.body).toContain('Approved by telegram:bob');
    expect(patch.body).not.toContain('edictum_approve');
    const follow = await f.slack.waitFor((r) => r.path.startsWith('/hooks/') && r.body.includes('Approved by telegram:bob'));
    expect(follow.body).toContain(id.slice(0, 8));
    const decided = await f.webhook.waitFor((r) => r.path === '/edictum' && r.body.includes('approval_decided'));
    expect(decided.json).toMatchObject({ event: 'approval_decided', approval_id: id, status: 'approved', decided_by: 'telegram:bob', decided_via: 'telegram', reason: null });
    const [, second] = await f.smtp.waitForCount(2);
    expect(second!.subject).toBe(`[Edictum] Approval approved — ${id.slice(0, 8)} (db.query)`);
    expect(second!.headers['in-reply-to']).toBe(mail!.headers['message-id']);

    // 4. Delivery status per channel, and routing kept the filtered channels out.
    await deliver(t);
    const rows = await deliveries(t, cookie, id);
    expect(rows).toHaveLength(12);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1 && r.last_error === null)).toBe(true);
    expect(new Set(rows.map((r) => r.channel_type))).toEqual(new Set(['telegram', 'slack', 'slack_app', 'discord', 'webhook', 'email']));
    expect(rows.map((r) => r.channel_id)).not.toContain(ids.staging);
    expect(rows.map((r) => r.channel_id)).not.toContain(ids.contracts);
    expect(f.webhook.calls.filter((r) => r.path !== '/edictum')).toEqual([]);
  });

  it('routing: agent globs and environments decide who hears about a request', async () => {
    const before = f.telegram.messages.length;
    const skipped = await createApproval(t, key, {}, 'marketing-bot');
    const matched = await createApproval(t, key, {}, 'ops-1');
    await f.telegram.waitFor((r) => r.path.endsWith('/sendMessage') && r.body.includes(matched));
    await waitUntil(async () => (await deliveries(t, cookie, skipped)).length > 0, 10_000, 'routing of the other approval');
    await deliver(t);
    expect(f.telegram.messages.slice(before).some((m) => m.text.includes(skipped))).toBe(false);
    // Only the contract-filtered channel: its filter applies only to approvals naming a contract.
    expect((await deliveries(t, cookie, skipped)).map((r) => r.channel_id)).toEqual([ids.contracts]);
  });

  it('delivery status is tenant-scoped and session-only', async () => {
    const id = await createApproval(t, key, {}, 'ops-2');
    expect((await t.request({ url: `/api/v1/approvals/${id}/deliveries` })).statusCode).toBe(401);
    expect((await t.request({ url: `/api/v1/approvals/${id}/deliveries`, apiKey: key })).statusCode).toBe(403);
    const other = await t.otherTenant();
    const res = await t.request({ url: `/api/v1/approvals/${id}/deliveries`, cookie: other.cookie });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: 'Approval not found.' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { SLACK_SIGNING, SLACK_TOKEN, createApproval, createChannel, poll, slackPost, slackPress, startFakes, type Fakes } from '../fakes/notify-kit.js';
import type { SlackMessage } from '../fakes/fake-slack.js';

const SHARED = '/api/v1/slack/interactions';

describe('slack app: Block Kit messages and signed interactions', () => {
  let f: Fakes;
  let t: TestApp;
  let cookie: string;
  let key: string;
  let channelId: string;
  const path = () => `${SHARED}/${channelId}`;

  beforeAll(async () => {
    f = await startFakes();
    t = await createTestApp({ env: f.env });
    cookie = (await t.admin()).cookie;
    key = await t.apiKey(cookie);
    channelId = (await createChannel(t, cookie, 'slack_app', { bot_token: SLACK_TOKEN, signing_secret: SLACK_SIGNING, slack_channel: 'C0APPROVALS' })).id;
  });
  afterAll(async () => {
    await t?.close();
    await f?.close();
  });

  async function requestMessage(id: string): Promise<SlackMessage> {
    await f.slack.waitFor((r) => r.path === '/api/chat.postMessage' && r.body.includes(id));
    return f.slack.requestFor(id)!;
  }
  const updated = (id: string) => f.slack.waitFor((r) => r.path === '/api/chat.update' && r.body.includes(id), 10_000, `chat.update for ${id}`);
  const ephemeralTo = (user: string, n: number) => f.slack.waitForCount((r) => r.path === '/api/chat.postEphemeral' && r.body.includes(`"user":"${user}"`), n);

  it('shows the arguments with mrkdwn control characters escaped', async () => {
    const id = await createApproval(t, key);
    const msg = await requestMessage(id);
    const text = JSON.stringify(msg.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<http://evil.example|click here>');
    expect(text).not.toContain('<!here>');
    expect(text).toContain('&lt;!channel&gt; &lt;http://evil.example|click here&gt;');
    expect(text).toContain('/etc/&lt;passwd&gt;');
    expect(text).toContain('&lt;b&gt;html&lt;/b&gt; &amp;');
    // A ``` inside the arguments cannot close the code block.
    expect(text).toContain('`\u200b`\u200b`\u200bfence');
    const actions = msg.blocks.find((b) => b.type === 'actions') as { elements: { action_id: string; value?: string; url?: string }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual([`edictum_approve:${id}`, `edictum_deny:${id}`, 'edictum_open']);
    expect(actions.elements[0]!.value).toBe(channelId);
    expect(actions.elements[2]!.url).toBe(`${t.config.baseUrl}/dashboard/approvals?id=${id}`);
    for (const b of msg.blocks) if (b.type === 'section' && b.text) expect((b.text as { text: string }).text.length).toBeLessThanOrEqual(3000);
  });

  it('a signed Approve (per-channel URL) decides and the message is updated without buttons', async () => {
    const id = await createApproval(t, key);
    const msg = await requestMessage(id);
    const res = await slackPost(t, path(), slackPress(id, channelId, 'approve'));
    expect(res.statusCode).toBe(200);
    expect(await poll(t, key, id)).toMatchObject({ status: 'approved', decided_by: 'slack:alice', decided_via: 'slack' });
    const upd = (await updated(id)).json as { ts: string; channel: string; blocks: { type: string }[] };
    expect(upd.ts).toBe(msg.ts);
    expect(JSON.stringify(upd.blocks)).toContain('Approved by slack:alice via slack');
    expect(JSON.stringify(upd.blocks)).not.toContain('edictum_approve');
    // Replayed within the window: refused privately, nothing changes.
    await slackPost(t, path(), slackPress(id, channelId, 'approve', { id: 'U100', username: 'alice' }));
    await ephemeralTo('U100', 1);
    expect(f.slack.ephemerals.at(-1)!.text).toBe('Already decided.');
  });

  it('the shared path finds the channel from the button value and checks only its secret', async () => {
    const id = await createApproval(t, key);
    await requestMessage(id);
    expect((await slackPost(t, SHARED, slackPress(id, channelId, 'approve', { id: 'U200', username: 'bert' }))).statusCode).toBe(200);
    expect(await poll(t, key, id)).toMatchObject({ status: 'approved', decided_by: 'slack:bert' });
    // The same payload signed with another secret is refused.
    const id2 = await createApproval(t, key);
    expect((await slackPost(t, SHARED, slackPress(id2, channelId, 'approve'), { secret: 'another-secret-xxxxxxxx' })).statusCode).toBe(403);
    // A payload that names no channel is refused.
    expect((await slackPost(t, SHARED, { type: 'block_actions', actions: [] })).statusCode).toBe(403);
    expect(await poll(t, key, id2)).toMatchObject({ status: 'pending' });
  });

  it('Deny opens a modal; its submission carries the reason', async () => {
    const id = await createApproval(t, key);
    await requestMessage(id);
    const press = slackPress(id, channelId, 'deny', { id: 'U300', username: 'cleo' });
    expect((await slackPost(t, path(), press)).statusCode).toBe(200);
    const open = (await f.slack.waitFor((r) => r.path === '/api/views.open' && r.body.includes(id))).json as { trigger_id: string; view: { private_metadata: string; callback_id: string } };
    expect(open.trigger_id).toBe(press.trigger_id);
    expect(await poll(t, key, id)).toMatchObject({ status: 'pending' });
    const submission = {
      type: 'view_submission',
      user: { id: 'U300', username: 'cleo' },
      view: { callback_id: open.view.callback_id, private_metadata: open.view.private_metadata, state: { values: { reason: { reason_input: { type: 'plain_text_input', value: 'Not during <!channel> freeze' } } } } },
    };
    const res = await slackPost(t, SHARED, submission);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(await poll(t, key, id)).toMatchObject({ status: 'denied', decided_by: 'slack:cleo', decision_reason: 'Not during <!channel> freeze' });
    const upd = JSON.stringify((await updated(id)).json);
    expect(upd).toContain('Not during &lt;!channel&gt; freeze');
    // Submitting again (a replay) keeps the modal open with the reason why.
    const again = await slackPost(t, SHARED, submission);
    expect(again.json()).toEqual({ response_action: 'errors', errors: { reason: 'Already decided.' } });
  });

  it('refuses a wrong signature, a stale timestamp, a missing header, a disabled or unknown channel', async () => {
    const id = await createApproval(t, key);
    const press = slackPress(id, channelId, 'approve');
    expect((await slackPost(t, path(), press, { signature: 'v0=' + 'a'.repeat(64) })).statusCode).toBe(403);
    expect((await slackPost(t, path(), press, { signature: null })).statusCode).toBe(403);
    const stale = Math.floor(t.deps.now().getTime() / 1000) - 330;
    expect((await slackPost(t, path(), press, { ts: stale })).statusCode).toBe(403);
    const future = Math.floor(t.deps.now().getTime() / 1000) + 330;
    expect((await slackPost(t, path(), press, { ts: future })).statusCode).toBe(403);
    expect((await slackPost(t, `${SHARED}/6f1c4a52-6f55-4c3e-9a55-0d6f3f6b7a11`, press)).statusCode).toBe(404);
    const off = (await createChannel(t, cookie, 'slack_app', { bot_token: SLACK_TOKEN, signing_secret: SLACK_SIGNING, slack_channel: 'C0OFF' })).id;
    await t.request({ method: 'PUT', url: `/api/v1/notifications/channels/${off}`, cookie, payload: { enabled: false } });
    expect((await slackPost(t, `${SHARED}/${off}`, slackPress(id, off, 'approve'))).statusCode).toBe(404);
    expect(await poll(t, key, id)).toMatchObject({ status: 'pending' });
  });

  it("another tenant's Slack channel cannot decide this tenant's approval", async () => {
    const other = await t.otherTenant();
    const theirs = (await createChannel(t, other.cookie, 'slack_app', { bot_token: SLACK_TOKEN, signing_secret: 'their-signing-secret-000', slack_channel: 'C0THEIRS' })).id;
    const id = await createApproval(t, key);
    expect((await slackPost(t, `${SHARED}/${theirs}`, slackPress(id, theirs, 'approve', { id: 'U900', username: 'x' }), { secret: 'their-signing-secret-000' })).statusCode).toBe(200);
    await ephemeralTo('U900', 1);
    expect(f.slack.ephemerals.at(-1)!.text).toBe('Approval not found.');
    expect(await poll(t, key, id)).toMatchObject({ status: 'pending' });
  });

  it('only listed approvers may press; the refusal is ephemeral', async () => {
    const ch = (await createChannel(t, cookie, 'slack_app', { bot_token: SLACK_TOKEN, signing_secret: SLACK_SIGNING, slack_channel: 'C0LOCKED', allowed_approvers: ['U777'] })).id;
    const id = await createApproval(t, key);
    await slackPost(t, `${SHARED}/${ch}`, slackPress(id, ch, 'approve', { id: 'U666', username: 'intruder' }));
    await ephemeralTo('U666', 1);
    expect(f.slack.ephemerals.at(-1)!.text).toBe('You are not on the list of approvers for this channel.');
    expect(await poll(t, key, id)).toMatchObject({ status: 'pending' });
    await slackPost(t, `${SHARED}/${ch}`, slackPress(id, ch, 'approve', { id: 'U777', username: 'lead' }));
    expect(await poll(t, key, id)).toMatchObject({ status: 'approved', decided_by: 'slack:lead' });
  });
});

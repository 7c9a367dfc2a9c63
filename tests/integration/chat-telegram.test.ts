import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { callbackUpdate, replyUpdate, type TgMessage } from '../fakes/fake-telegram.js';
import { TG_CHAT, TG_TOKEN, createApproval, createChannel, deliver, poll, startFakes, telegramPost, type Fakes } from '../fakes/notify-kit.js';

const SECRET = 'tg-webhook-secret-0123456789';

describe('telegram: messages and verified buttons', () => {
  let f: Fakes;
  let t: TestApp;
  let cookie: string;
  let key: string;
  let channelId: string;

  beforeAll(async () => {
    f = await startFakes();
    t = await createTestApp({ env: f.env });
    const a = await t.admin();
    cookie = a.cookie;
    key = await t.apiKey(cookie);
    channelId = (await createChannel(t, cookie, 'telegram', { bot_token: TG_TOKEN, chat_id: TG_CHAT, webhook_secret: SECRET })).id;
  });
  afterAll(async () => {
    await t?.close();
    await f?.close();
  });

  async function requestMessage(id: string): Promise<TgMessage> {
    await f.telegram.waitFor((r) => r.path.endsWith('/sendMessage') && r.body.includes(id));
    return f.telegram.requestFor(id)!;
  }
  const edited = (id: string) => f.telegram.waitFor((r) => r.path.endsWith('/editMessageText') && r.body.includes(id), 10_000, `an edit for ${id}`);
  const answerFor = async (update: Record<string, unknown>) => {
    const qid = (update.callback_query as { id: string }).id;
    await f.telegram.waitFor((r) => r.path.endsWith('/answerCallbackQuery') && r.body.includes(`"${qid}"`));
    return f.telegram.answers.find((x) => x.callback_query_id === qid)!;
  };

  it('posts the request with escaped arguments, a dashboard link and buttons within 64 bytes', async () => {
    const id = await createApproval(t, key, { contract_name: 'no-<script>-shell' }, 'billing-<bot>');
    const msg = await requestMessage(id);
    expect(msg.parse_mode).toBe('HTML');
    expect(msg.text).toContain('&lt;!channel&gt; &lt;http://evil.example|click here&gt;');
    expect(msg.text).toContain('/etc/&lt;passwd&gt;');
    expect(msg.text).toContain('&lt;b&gt;html&lt;/b&gt; &amp; \\&quot;quotes\\&quot;');
    expect(msg.text).toContain('<code>billing-&lt;bot&gt;</code>');
    expect(msg.text).toContain('no-&lt;script&gt;-shell');
    expect(msg.text).toContain('Agent &lt;wants&gt; to run &amp; &lt;!here&gt;');
    expect(msg.text).toContain('<pre><code class="language-json">{');
    expect(msg.text).toContain(`${t.config.baseUrl}/dashboard/approvals?id=${id}`);
    expect(msg.text).not.toMatch(/<(?!\/?(b|code|pre|i|a|blockquote)[ >])/);
    const data = msg.reply_markup!.inline_keyboard!.flat().map((b) => b.callback_data!);
    expect(data).toEqual([`approve:${id}`, `deny:${id}`, `reason:${id}`]);
    for (const d of data) expect(Buffer.byteLength(d)).toBeLessThanOrEqual(64);
  });

  it('a signed Approve press decides, edits the message without buttons, and the agent sees it', async () => {
    const id = await createApproval(t, key);
    const msg = await requestMessage(id);
    const press = callbackUpdate(msg, `approve:${id}`, { id: 4242, username: 'bob' });
    expect((await telegramPost(t, channelId, SECRET, press)).statusCode).toBe(200);
    expect((await answerFor(press)).text).toBe('Approved ✅');
    expect(await poll(t, key, id)).toMatchObject({ status: 'approved', decided_by: 'telegram:bob', decided_via: 'telegram' });
    const edit = (await edited(id)).json as { text: string; reply_markup: { inline_keyboard: unknown[] }; message_id: number };
    expect(edit.message_id).toBe(msg.message_id);
    expect(edit.text).toContain('Approved by telegram:bob via telegram');
    expect(edit.reply_markup.inline_keyboard).toEqual([]);

    // A replayed press is refused: the first answer won.
    const replay = { ...press, callback_query: { ...(press.callback_query as object), id: 'replayed-1' } };
    expect((await telegramPost(t, channelId, SECRET, replay)).statusCode).toBe(200);
    expect((await answerFor(replay)).text).toBe('Already decided.');
    expect(await poll(t, key, id)).toMatchObject({ status: 'approved', decided_by: 'telegram:bob' });
  });

  it('Deny without a reason works; the numeric id stands in for a missing username', async () => {
    const id = await createApproval(t, key);
    const press = callbackUpdate(await requestMessage(id), `deny:${id}`, { id: 777 });
    await telegramPost(t, channelId, SECRET, press);
    expect((await answerFor(press)).text).toBe('Denied ❌');
    expect(await poll(t, key, id)).toMatchObject({ status: 'denied', decided_by: 'telegram:777', decision_reason: null });
  });

  it('"Deny with reason…" asks with ForceReply; only the same user\'s reply records the reason', async () => {
    const id = await createApproval(t, key);
    const msg = await requestMessage(id);
    const press = callbackUpdate(msg, `reason:${id}`, { id: 31, username: 'dana' });
    await telegramPost(t, channelId, SECRET, press);
    expect((await answerFor(press)).text).toBe('Reply to the prompt with your reason.');
    await f.telegram.waitFor((r) => r.path.endsWith('/sendMessage') && r.body.includes('force_reply') && r.body.includes(id));
    const prompt = f.telegram.messages.find((m) => m.reply_markup?.force_reply && m.text.includes(id))!;
    expect(prompt.text).toContain('tg://user?id=31');

    // Someone else replying to the prompt changes nothing.
    await telegramPost(t, channelId, SECRET, replyUpdate(prompt, 'sneaky reason', { id: 32, username: 'eve' }));
    expect(await poll(t, key, id)).toMatchObject({ status: 'pending' });
    // A forged prompt (the ref with a wrong MAC) changes nothing either.
    const forged = { ...prompt, text: prompt.text.replace(/:([0-9a-f]{32})/, ':' + '0'.repeat(32)) };
    await telegramPost(t, channelId, SECRET, replyUpdate(forged, 'forged', { id: 31, username: 'dana' }));
    expect(await poll(t, key, id)).toMatchObject({ status: 'pending' });

    await telegramPost(t, channelId, SECRET, replyUpdate(prompt, 'Touches <prod> & billing', { id: 31, username: 'dana' }));
    expect(await poll(t, key, id)).toMatchObject({ status: 'denied', decided_by: 'telegram:dana', decision_reason: 'Touches <prod> & billing' });
    const edit = (await edited(id)).json as { text: string };
    expect(edit.text).toContain('<b>Reason:</b> Touches &lt;prod&gt; &amp; billing');
  });

  it('refuses wrong or missing secret tokens, unknown and disabled channels', async () => {
    const id = await createApproval(t, key);
    const press = callbackUpdate(await requestMessage(id), `approve:${id}`, { id: 1, username: 'mallory' });
    expect((await telegramPost(t, channelId, 'wrong-secret-000000000000', press)).statusCode).toBe(403);
    expect((await telegramPost(t, channelId, null, press)).statusCode).toBe(403);
    expect((await telegramPost(t, '6f1c4a52-6f55-4c3e-9a55-0d6f3f6b7a11', SECRET, press)).statusCode).toBe(404);
    const disabled = (await createChannel(t, cookie, 'telegram', { bot_token: TG_TOKEN, chat_id: TG_CHAT, webhook_secret: SECRET })).id;
    await t.request({ method: 'PUT', url: `/api/v1/notifications/channels/${disabled}`, cookie, payload: { enabled: false } });
    expect((await telegramPost(t, disabled, SECRET, press)).statusCode).toBe(404);
    expect(await poll(t, key, id)).toMatchObject({ status: 'pending' });
  });

  it("a channel of another tenant cannot decide this tenant's approval", async () => {
    const other = await t.otherTenant();
    const theirs = (await createChannel(t, other.cookie, 'telegram', { bot_token: TG_TOKEN, chat_id: -5, webhook_secret: 'their-secret-0123456789' })).id;
    const id = await createApproval(t, key);
    const press = callbackUpdate(await requestMessage(id), `approve:${id}`, { id: 9, username: 'outsider' });
    expect((await telegramPost(t, theirs, 'their-secret-0123456789', press)).statusCode).toBe(200);
    expect((await answerFor(press)).text).toBe('Approval not found.');
    expect(await poll(t, key, id)).toMatchObject({ status: 'pending' });
  });

  it('only listed approvers may decide; others are told so and logged', async () => {
    const restricted = (await createChannel(t, cookie, 'telegram', { bot_token: TG_TOKEN, chat_id: -777, webhook_secret: SECRET, allowed_approvers: [4242, '5151'] })).id;
    const id = await createApproval(t, key);
    await f.telegram.waitFor((r) => r.path.endsWith('/sendMessage') && r.body.includes(id) && r.body.includes('-777'));
    const msg = f.telegram.messages.find((m) => m.chat_id === '-777' && m.text.includes(id))!;
    const stranger = callbackUpdate(msg, `approve:${id}`, { id: 13, username: 'stranger' });
    await telegramPost(t, restricted, SECRET, stranger);
    expect(await answerFor(stranger)).toMatchObject({ text: 'You are not on the list of approvers for this channel.', show_alert: true });
    expect(await poll(t, key, id)).toMatchObject({ status: 'pending' });
    const listed = callbackUpdate(msg, `approve:${id}`, { id: 5151, username: 'lead' });
    await telegramPost(t, restricted, SECRET, listed);
    expect((await answerFor(listed)).text).toBe('Approved ✅');
  });

  it('a press after the timeout is refused and the timeout worker edits the message to expired', async () => {
    const id = await createApproval(t, key, { timeout: 60 });
    const msg = await requestMessage(id);
    await deliver(t);
    // Time passes: the deadline is now behind us.
    await t.deps.database.rows(sql`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = ${id}`);
    const late = callbackUpdate(msg, `approve:${id}`, { id: 4242, username: 'bob' });
    await telegramPost(t, channelId, SECRET, late);
    expect((await answerFor(late)).text).toBe('This approval has expired.');
    await t.jobs.find((j) => j.name === 'approval_timeout')!.run();
    const edit = (await edited(id)).json as { text: string; reply_markup: { inline_keyboard: unknown[] } };
    expect(edit.text).toContain('⏰ Expired');
    expect(edit.reply_markup.inline_keyboard).toEqual([]);
    expect(await poll(t, key, id)).toMatchObject({ status: 'timeout' });
  });
});

import nacl from 'tweetnacl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { DISCORD_TOKEN, createApproval, createChannel, discordPost, discordPress, poll, startFakes, type Fakes } from '../fakes/notify-kit.js';
import type { DiscordMessage } from '../fakes/fake-discord.js';

const SHARED = '/api/v1/discord/interactions';
type Embed = { title: string; description: string; fields: { name: string; value: string }[]; color: number };

describe('discord: embeds and Ed25519-verified interactions', () => {
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
    channelId = (await createChannel(t, cookie, 'discord', { bot_token: DISCORD_TOKEN, public_key: f.discord.publicKeyHex, discord_channel_id: '111222333' })).id;
  });
  afterAll(async () => {
    await t?.close();
    await f?.close();
  });

  async function requestMessage(id: string): Promise<DiscordMessage> {
    await f.discord.waitFor((r) => r.method === 'POST' && r.body.includes(id));
    return f.discord.requestFor(id)!;
  }

  it('answers PING with {"type":1} only when signed', async () => {
    const ok = await discordPost(t, path(), f.discord, { type: 1 });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ type: 1 });
    const other = nacl.sign.keyPair();
    expect((await discordPost(t, path(), f.discord, { type: 1 }, { secretKey: other.secretKey })).statusCode).toBe(401);
    expect((await discordPost(t, path(), f.discord, { type: 1 }, { headers: false })).statusCode).toBe(401);
    const stale = Math.floor(t.deps.now().getTime() / 1000) - 330;
    expect((await discordPost(t, path(), f.discord, { type: 1 }, { ts: stale })).statusCode).toBe(401);
    // The shared path cannot tell which key a PING is for: use the per-channel URL.
    expect((await discordPost(t, SHARED, f.discord, { type: 1 })).statusCode).toBe(401);
  });

  it('posts an embed with the arguments, markdown and mentions neutralised, nothing allowed to ping', async () => {
    const id = await createApproval(t, key, { message: 'Hey @everyone **look** <@123> [x](http://evil)' }, 'agent_@everyone');
    const msg = await requestMessage(id);
    expect(msg.body.allowed_mentions).toEqual({ parse: [] });
    const embed = (msg.body.embeds as Embed[])[0]!;
    expect(embed.description.length).toBeLessThanOrEqual(4096);
    for (const fld of embed.fields) expect(fld.value.length).toBeLessThanOrEqual(1024);
    // The agent's message: markdown escaped, @here/@everyone broken with a zero-width space.
    expect(embed.description).toContain('Hey @\u200beveryone \\*\\*look\\*\\* \\<@\u200b123\\> \\[x\\]\\(http://evil\\)');
    // Arguments sit in a json code block whose fence cannot be closed from inside.
    expect(embed.description).toContain('```json\n{');
    expect(embed.description).toContain('`\u200b`\u200b`\u200bfence');
    // Inside the code block text stays literal (code blocks render no mentions or markdown).
    expect(embed.description).toContain('@everyone <@123> **bold**');
    expect(embed.fields.find((x) => x.name === 'Agent')!.value).toBe('`agent_@everyone`');
    const buttons = ((msg.body.components as { components: { custom_id?: string; url?: string }[] }[])[0]!).components;
    expect(buttons.map((b) => b.custom_id ?? b.url)).toEqual([`edictum_approve:${id}:${channelId}`, `edictum_deny:${id}:${channelId}`, `${t.config.baseUrl}/dashboard/approvals?id=${id}`]);
    for (const b of buttons) if (b.custom_id) expect(b.custom_id.length).toBeLessThanOrEqual(100);
  });

  it('Approve updates the clicked message at once (type 7) and the agent sees the decision', async () => {
    const id = await createApproval(t, key);
    const msg = await requestMessage(id);
    const res = await discordPost(t, path(), f.discord, discordPress(id, channelId, 'approve'));
    expect(res.statusCode).toBe(200);
    const body = res.json() as { type: number; data: { embeds: Embed[]; components: { components: { custom_id?: string }[] }[]; allowed_mentions: unknown } };
    expect(body.type).toBe(7);
    expect(body.data.embeds[0]!.description).toContain('Approved by discord:carol via discord');
    expect(JSON.stringify(body.data.components)).not.toContain('edictum_approve');
    expect(await poll(t, key, id)).toMatchObject({ status: 'approved', decided_by: 'discord:carol', decided_via: 'discord' });
    // The outbox edits the posted message too (same content; covers a missed interaction reply).
    await f.discord.waitFor((r) => r.method === 'PATCH' && r.path.endsWith(`/messages/${msg.id}`));
    // A replay is refused, ephemerally.
    const again = await discordPost(t, path(), f.discord, discordPress(id, channelId, 'approve'));
    expect(again.json()).toMatchObject({ type: 4, data: { content: 'Already decided.', flags: 64 } });
  });

  it('Deny answers with a modal; the modal submit carries the reason (shared path too)', async () => {
    const id = await createApproval(t, key);
    await requestMessage(id);
    const modal = (await discordPost(t, SHARED, f.discord, discordPress(id, channelId, 'deny'))).json() as { type: number; data: { custom_id: string; components: { components: { custom_id: string; required: boolean }[] }[] } };
    expect(modal.type).toBe(9);
    expect(modal.data.custom_id).toBe(`edictum_reason:${id}:${channelId}`);
    expect(modal.data.components[0]!.components[0]).toMatchObject({ custom_id: 'reason', required: false });
    expect(await poll(t, key, id)).toMatchObject({ status: 'pending' });
    const submit = { type: 5, member: { user: { id: '555', username: 'carol' } }, data: { custom_id: modal.data.custom_id, components: [{ type: 1, components: [{ type: 4, custom_id: 'reason', value: 'Ping @everyone? No.' }] }] } };
    const res = await discordPost(t, SHARED, f.discord, submit);
    expect((res.json() as { type: number }).type).toBe(7);
    expect(JSON.stringify(res.json())).toContain('Ping @\u200beveryone? No.');
    expect(await poll(t, key, id)).toMatchObject({ status: 'denied', decided_by: 'discord:carol', decision_reason: 'Ping @everyone? No.' });
  });

  it('refuses bad signatures, disabled and unknown channels, and other tenants', async () => {
    const id = await createApproval(t, key);
    const press = discordPress(id, channelId, 'approve');
    expect((await discordPost(t, path(), f.discord, press, { secretKey: nacl.sign.keyPair().secretKey })).statusCode).toBe(401);
    expect((await discordPost(t, path(), f.discord, press, { ts: Math.floor(t.deps.now().getTime() / 1000) + 400 })).statusCode).toBe(401);
    expect((await discordPost(t, `${SHARED}/6f1c4a52-6f55-4c3e-9a55-0d6f3f6b7a11`, f.discord, press)).statusCode).toBe(404);
    const off = (await createChannel(t, cookie, 'discord', { bot_token: DISCORD_TOKEN, public_key: f.discord.publicKeyHex, discord_channel_id: '444' + '555' })).id;
    await t.request({ method: 'PUT', url: `/api/v1/notifications/channels/${off}`, cookie, payload: { enabled: false } });
    expect((await discordPost(t, `${SHARED}/${off}`, f.discord, press)).statusCode).toBe(404);
    const other = await t.otherTenant();
    const theirs = (await createChannel(t, other.cookie, 'discord', { bot_token: DISCORD_TOKEN, public_key: f.discord.publicKeyHex, discord_channel_id: '999888777' })).id;
    const res = await discordPost(t, `${SHARED}/${theirs}`, f.discord, discordPress(id, theirs, 'approve'));
    expect(res.json()).toMatchObject({ type: 4, data: { content: 'Approval not found.' } });
    expect(await poll(t, key, id)).toMatchObject({ status: 'pending' });
  });

  it('only listed approvers may press', async () => {
    const ch = (await createChannel(t, cookie, 'discord', { bot_token: DISCORD_TOKEN, public_key: f.discord.publicKeyHex, discord_channel_id: '123123123', allowed_approvers: ['42'] })).id;
    const id = await createApproval(t, key);
    const refused = await discordPost(t, `${SHARED}/${ch}`, f.discord, discordPress(id, ch, 'approve', { id: '43', username: 'eve' }));
    expect(refused.json()).toMatchObject({ type: 4, data: { content: 'You are not on the list of approvers for this channel.', flags: 64 } });
    expect(await poll(t, key, id)).toMatchObject({ status: 'pending' });
    const ok = await discordPost(t, `${SHARED}/${ch}`, f.discord, discordPress(id, ch, 'approve', { id: '42', username: 'lead' }));
    expect((ok.json() as { type: number }).type).toBe(7);
  });
});

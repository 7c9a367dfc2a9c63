import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { SLACK_SIGNING, SLACK_TOKEN } from '../fakes/notify-kit.js';

/**
 * `breakglass_admins` maps chat users to the console admins they act as for break-glass
 * (docs/rollouts.md, "Break-glass from chat"). Each admin links their own chat account: an entry
 * that is new or changed must carry the acting admin's e-mail, any entry may be removed, and an
 * unchanged list sent back as read is no change. Otherwise one admin could map a chat account
 * they control to another admin and confirm their own switch.
 */
describe('breakglass_admins: each admin links their own chat account', () => {
  let t: TestApp;
  let a: Principal;
  let b: Principal;
  let member: Principal;
  let channelId: string;
  const base = { bot_token: SLACK_TOKEN, signing_secret: SLACK_SIGNING, slack_channel: 'C0LINKS' };
  const url = () => `/api/v1/notifications/channels/${channelId}`;

  const stored = async (): Promise<Record<string, unknown>> => {
    const res = await t.request({ url: '/api/v1/notifications/channels', cookie: a.cookie });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { id: string; config: Record<string, unknown> }[]).find((c) => c.id === channelId)!.config;
  };
  const put = (who: Principal, config: Record<string, unknown>) =>
    t.request({ method: 'PUT', url: url(), cookie: who.cookie, payload: { config } });

  beforeAll(async () => {
    t = await createTestApp();
    a = await t.admin();
    b = await t.secondAdmin();
    member = await t.member();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('admin A creates a channel mapping their own chat account', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/notifications/channels',
      cookie: a.cookie,
      payload: { name: 'links', channel_type: 'slack_app', config: { ...base, breakglass_admins: [`U0AAA1=${a.email}`] } },
    });
    expect(res.statusCode, res.body).toBe(201);
    channelId = (res.json() as { id: string }).id;
    expect((await stored()).breakglass_admins).toEqual([`U0AAA1=${a.email}`]);
  });

  it("admin A cannot map a chat account to admin B's e-mail; nothing is stored", async () => {
    const before = await stored();
    const res = await put(a, { ...before, breakglass_admins: [`U0AAA1=${a.email}`, `U0EVIL=${b.email}`] });
    expect(res.statusCode, res.body).toBe(422);
    const detail = (res.json() as { detail: { loc: (string | number)[]; msg: string }[] }).detail;
    expect(detail).toHaveLength(1);
    expect(detail[0]!.loc).toEqual(['body', 'config', 'breakglass_admins', 1]);
    expect(detail[0]!.msg).toContain('each admin links their own chat account');
    expect(await stored()).toEqual(before);
    // Nor on a new channel, and not by changing the e-mail of A's own entry to B's.
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/notifications/channels',
      cookie: a.cookie,
      payload: {
        name: 'evil',
        channel_type: 'slack_app',
        config: { ...base, breakglass_admins: [`U0EVIL=${b.email.toUpperCase()}`] },
      },
    });
    expect(created.statusCode, created.body).toBe(422);
    const retarget = await put(a, { ...before, breakglass_admins: [`U0AAA1=${b.email}`] });
    expect(retarget.statusCode, retarget.body).toBe(422);
    const list = (await t.request({ url: '/api/v1/notifications/channels', cookie: a.cookie })).json() as { id: string }[];
    expect(list.map((c) => c.id)).toEqual([channelId]);
    expect(await stored()).toEqual(before);
  });

  it('one chat user cannot be mapped to two e-mails', async () => {
    const before = await stored();
    const res = await put(b, { ...before, breakglass_admins: [...(before.breakglass_admins as string[]), `U0AAA1=${b.email}`] });
    expect(res.statusCode, res.body).toBe(422);
    const detail = (res.json() as { detail: { loc: (string | number)[]; msg: string }[] }).detail;
    expect(detail[0]).toMatchObject({
      loc: ['body', 'config', 'breakglass_admins', 1],
      msg: expect.stringContaining('one chat user acts as one admin') as unknown,
    });
    expect(await stored()).toEqual(before);
  });

  it("admin B adds their own mapping next to A's", async () => {
    const res = await put(b, { ...(await stored()), breakglass_admins: [`U0AAA1=${a.email}`, `U0BBB2=${b.email}`] });
    expect(res.statusCode, res.body).toBe(200);
    expect((await stored()).breakglass_admins).toEqual([`U0AAA1=${a.email}`, `U0BBB2=${b.email}`]);
  });

  it('the list read back and sent unchanged by the other admin is no change', async () => {
    const read = await stored();
    const res = await put(a, { ...read, allowed_approvers: ['U0AAA1', 'U0BBB2'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(await stored()).toEqual({ ...read, allowed_approvers: ['U0AAA1', 'U0BBB2'] });
  });

  it('a member and an API key cannot write the mapping at all', async () => {
    const before = await stored();
    const byMember = await put(member, { ...before, breakglass_admins: [`U0MEM3=${member.email}`] });
    expect(byMember.statusCode).toBe(403);
    const key = await t.apiKey(a.cookie);
    const byKey = await t.request({
      method: 'PUT',
      url: url(),
      apiKey: key,
      payload: { config: { ...before, breakglass_admins: [`U0KEY=${a.email}`] } },
    });
    expect(byKey.statusCode).toBe(403);
    expect(await stored()).toEqual(before);
  });

  it("admin A removes admin B's mapping (removing only takes power away)", async () => {
    const res = await put(a, { ...(await stored()), breakglass_admins: [`U0AAA1=${a.email}`] });
    expect(res.statusCode, res.body).toBe(200);
    expect((await stored()).breakglass_admins).toEqual([`U0AAA1=${a.email}`]);
    // And A cannot put it back: it is B's to add again.
    const again = await put(a, { ...(await stored()), breakglass_admins: [`U0AAA1=${a.email}`, `U0BBB2=${b.email}`] });
    expect(again.statusCode, again.body).toBe(422);
    expect((await stored()).breakglass_admins).toEqual([`U0AAA1=${a.email}`]);
  });
});

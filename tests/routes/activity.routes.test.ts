import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { bundleYaml, deploy, upload } from './bundles-helpers.js';
import { channelConfigs, startFakes, type Fakes } from '../fakes/notify-kit.js';
import { createComposition, createContract } from './library-helpers.js';

interface Item {
  id: string;
  at: string;
  actor: string;
  actor_type: string;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
  source: string;
  ip: string | null;
  user_agent: string | null;
}

async function activity(t: TestApp, cookie: string, query = ''): Promise<{ items: Item[]; next_cursor: string | null }> {
  const res = await t.request({ url: `/api/v1/activity${query}`, cookie });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { items: Item[]; next_cursor: string | null };
}

describe('admin activity log', () => {
  let t: TestApp;
  let f: Fakes;
  beforeAll(async () => {
    f = await startFakes();
    t = await createTestApp({ env: f.env });
  });
  afterAll(async () => {
    await t?.close();
    await f?.close();
  });

  it('needs an admin session: 401 without one, 403 for a member or an API key', async () => {
    const a = await t.admin();
    const m = await t.member();
    const key = await t.apiKey(a.cookie);
    expect((await t.request({ url: '/api/v1/activity' })).statusCode).toBe(401);
    expect((await t.request({ url: '/api/v1/activity', cookie: m.cookie })).statusCode).toBe(403);
    expect((await t.request({ url: '/api/v1/activity', apiKey: key })).statusCode).toBe(403);
    expect((await t.request({ url: '/api/v1/activity/export', cookie: m.cookie })).statusCode).toBe(403);
  });

  it('records setup, login, key create/revoke, upload, deploy, rotation, rules and channels with who and from where', async () => {
    const a = await t.admin();
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/keys',
      cookie: a.cookie,
      payload: { env: 'production', label: 'ops' },
      headers: { 'user-agent': 'activity-test/1' },
    });
    const keyId = (created.json() as { id: string }).id;
    await t.request({ method: 'DELETE', url: `/api/v1/keys/${keyId}`, cookie: a.cookie });
    await upload(t, a.cookie, bundleYaml('act-bundle'));
    await deploy(t, a.cookie, 'act-bundle', 1, 'staging');
    expect((await t.request({ method: 'POST', url: '/api/v1/settings/rotate-signing-key', cookie: a.cookie })).statusCode).toBe(
      201,
    );
    const rule = await t.request({
      method: 'POST',
      url: '/api/v1/assignment-rules',
      cookie: a.cookie,
      payload: { priority: 5, pattern: 'act-*', bundle_name: 'act-bundle', env: 'staging' },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const ch = await t.request({
      method: 'POST',
      url: '/api/v1/notifications/channels',
      cookie: a.cookie,
      payload: {
        name: 'ops hook',
        channel_type: 'webhook',
        config: { ...channelConfigs(f).webhook, secret: 'supersecretvalue-0123456789' },
      },
    });
    expect(ch.statusCode, ch.body).toBe(201);
    const chId = (ch.json() as { id: string }).id;
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v1/notifications/channels/${chId}`, cookie: a.cookie })).statusCode,
    ).toBe(204);

    const { items } = await activity(t, a.cookie, '?limit=500');
    const actions = items.map((i) => i.action);
    for (const want of [
      'setup.complete',
      'auth.login',
      'api_key.create',
      'api_key.revoke',
      'bundle.upload',
      'bundle.deploy',
      'signing_key.rotate',
      'assignment_rule.create',
      'channel.create',
      'channel.delete',
    ]) {
      expect(actions, want).toContain(want);
    }
    const create = items.find((i) => i.action === 'api_key.create')!;
    expect(create).toMatchObject({
      actor: a.email,
      actor_type: 'user',
      source: 'dashboard',
      target: `api_key:${keyId}`,
      user_agent: 'activity-test/1',
    });
    expect(create.ip).toBeTruthy();
    expect(items.find((i) => i.action === 'bundle.deploy')).toMatchObject({
      target: 'bundle:act-bundle@1',
      detail: expect.objectContaining({ env: 'staging' }) as unknown,
    });
    // A channel's secret never lands in the log.
    expect(JSON.stringify(items)).not.toContain('supersecretvalue');
    // Newest first.
    const times = items.map((i) => Date.parse(i.at));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
  });

  it('a change that fails writes no activity row (same transaction)', async () => {
    const a = await t.admin();
    const before = (await activity(t, a.cookie, '?action=api_key.revoke&limit=500')).items.length;
    const res = await t.request({ method: 'DELETE', url: '/api/v1/keys/00000000-0000-4000-8000-000000000000', cookie: a.cookie });
    expect(res.statusCode).toBe(404);
    expect((await activity(t, a.cookie, '?action=api_key.revoke&limit=500')).items.length).toBe(before);
  });

  it('filters by action family, actor, source, target and time, and pages with a cursor without gaps or repeats', async () => {
    const a = await t.admin();
    for (let i = 0; i < 7; i++)
      await t.request({ method: 'POST', url: '/api/v1/keys', cookie: a.cookie, payload: { env: 'production', label: `k${i}` } });
    const all = (await activity(t, a.cookie, '?action=api_key&limit=500')).items;
    expect(all.length).toBeGreaterThanOrEqual(7);
    expect(all.every((i) => i.action.startsWith('api_key.'))).toBe(true);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Item[]; next_cursor: string | null } = await activity(
        t,
        a.cookie,
        `?action=api_key&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.map((i) => i.id));
    expect(
      (await activity(t, a.cookie, `?actor=${encodeURIComponent(a.email)}&source=dashboard&limit=500`)).items.length,
    ).toBeGreaterThan(0);
    expect((await activity(t, a.cookie, '?source=chat')).items).toEqual([]);
    expect((await activity(t, a.cookie, `?target=${encodeURIComponent(all[0]!.target!)}`)).items.map((i) => i.id)).toEqual([
      all[0]!.id,
    ]);
    expect((await activity(t, a.cookie, '?since=2999-01-01T00:00:00Z')).items).toEqual([]);
    expect((await activity(t, a.cookie, '?until=2000-01-01T00:00:00Z')).items).toEqual([]);
  });

  it('refuses bad filters with a 422 naming the field', async () => {
    const a = await t.admin();
    for (const [q, field] of [
      ['?source=fax', 'source'],
      ['?action=DROP TABLE', 'action'],
      ['?since=yesterday', 'since'],
      ['?limit=0', 'limit'],
      ['?cursor=bm9wZQ', 'cursor'],
      ['?format=xml', 'format'],
    ] as const) {
      const url = field === 'format' ? `/api/v1/activity/export${q}` : `/api/v1/activity${q}`;
      const res = await t.request({ url, cookie: a.cookie });
      expect(res.statusCode, q).toBe(422);
      expect(JSON.stringify(res.json()), q).toContain(field);
    }
  });

  it('exports CSV and JSON, every matching row, formula cells neutralised', async () => {
    const a = await t.admin();
    await t.request({
      method: 'POST',
      url: '/api/v1/keys',
      cookie: a.cookie,
      payload: { env: 'production', label: '=HYPERLINK("x")' },
    });
    const json = await t.request({ url: '/api/v1/activity/export?format=json&action=api_key.create', cookie: a.cookie });
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toContain('application/json');
    expect(json.headers['content-disposition']).toMatch(/attachment; filename="activity-\d{4}-\d{2}-\d{2}\.json"/);
    const rows = JSON.parse(json.body) as Item[];
    const listed = (await activity(t, a.cookie, '?action=api_key.create&limit=500')).items;
    expect(rows.map((r) => r.id)).toEqual(listed.map((r) => r.id));
    const csv = await t.request({ url: '/api/v1/activity/export?format=csv&action=api_key.create', cookie: a.cookie });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('at,actor,actor_type,action,target,source,ip,user_agent,detail,id');
    expect(lines.length).toBe(listed.length + 1);
    // The label is inside the JSON detail cell; a cell that starts with "=" would be prefixed.
    expect(csv.body).toContain('HYPERLINK');
    expect(csv.body).not.toMatch(/(^|,)"=/m);
  });

  it('records library edits: contract create, new version and delete, composition create, update and delete', async () => {
    const a = await t.admin();
    await createContract(t, a.cookie, 'act-lib');
    const put = await t.request({ method: 'PUT', url: '/api/v1/contracts/act-lib', cookie: a.cookie, payload: { description: 'second' } });
    expect(put.statusCode, put.body).toBe(200);
    await createComposition(t, a.cookie, 'act-comp', [{ contract_id: 'act-lib' }]);
    const upd = await t.request({ method: 'PUT', url: '/api/v1/compositions/act-comp', cookie: a.cookie, payload: { description: 'd' } });
    expect(upd.statusCode, upd.body).toBe(200);
    expect((await t.request({ method: 'DELETE', url: '/api/v1/compositions/act-comp', cookie: a.cookie })).statusCode).toBe(204);
    expect((await t.request({ method: 'DELETE', url: '/api/v1/contracts/act-lib', cookie: a.cookie })).statusCode).toBe(204);
    const items = (await activity(t, a.cookie, '?limit=500')).items.filter((i) => i.target === 'contract:act-lib' || i.target === 'composition:act-comp');
    expect(items.map((i) => i.action).reverse()).toEqual(['contract.create', 'contract.update', 'composition.create', 'composition.update', 'composition.delete', 'contract.delete']);
    expect(items.every((i) => i.actor === a.email && i.source === 'dashboard')).toBe(true);
    expect(items.find((i) => i.action === 'contract.update')?.detail).toMatchObject({ version: 2 });
  });

  it('another tenant sees none of it', async () => {
    const a = await t.admin();
    const o = await t.otherTenant();
    const mine = (await activity(t, a.cookie, '?limit=500')).items.map((i) => i.id);
    const theirs = (await activity(t, o.cookie, '?limit=500')).items;
    expect(theirs.every((i) => !mine.includes(i.id))).toBe(true);
    expect(theirs.every((i) => i.actor === o.email)).toBe(true);
    const exp = await t.request({ url: '/api/v1/activity/export?format=json', cookie: o.cookie });
    expect((JSON.parse(exp.body) as Item[]).some((i) => mine.includes(i.id))).toBe(false);
  });
});

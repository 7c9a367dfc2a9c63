import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, login, type TestApp } from '../helpers/test-app.js';
import { HttpFake } from '../fakes/http-fake.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { channelConfigs, createApproval, createChannel, deliver, deliveries, startFakes, waitUntil, type Fakes } from '../fakes/notify-kit.js';

const BASE = '/api/v1/notifications/channels';
type Problem = { loc: (string | number)[]; msg: string };

describe('SSRF: outbound targets are checked on save and at send time', () => {
  let f: Fakes;
  let strict: TestApp;
  let cookie: string;
  beforeAll(async () => {
    f = await startFakes();
    // No EDICTUM_OUTBOUND_ALLOW: nothing private may be contacted.
    const { EDICTUM_OUTBOUND_ALLOW: _allow, ...env } = f.env;
    strict = await createTestApp({ env });
    cookie = (await strict.admin()).cookie;
  });
  afterAll(async () => {
    await strict?.close();
    await f?.close();
  });

  const save = (type: string, config: Record<string, unknown>) =>
    strict.request({ method: 'POST', url: BASE, cookie, payload: { name: 'target', channel_type: type, config } });

  it.each([
    ['loopback without the allow-list', 'http://127.0.0.1:9/hook', /private address 127\.0\.0\.1/],
    ['cloud metadata (link-local)', 'http://169.254.169.254/latest/meta-data/', /private address 169\.254\.169\.254/],
    ['10/8', 'http://10.1.2.3/hook', /private address 10\.1\.2\.3/],
    ['192.168/16', 'https://192.168.0.10/hook', /private address 192\.168\.0\.10/],
    ['172.16/12', 'http://172.20.0.1/', /private address 172\.20\.0\.1/],
    ['IPv6 loopback', 'http://[::1]:8080/', /private address ::1/],
    ['a decimal spelling of 127.0.0.1', 'http://2130706433/', /private address 127\.0\.0\.1/],
    ['a DNS name that resolves to loopback', 'http://localhost:9/hook', /localhost resolves to a private address/],
  ])('refuses a webhook to %s (422 naming body.config.url)', async (_what, url, reason) => {
    const res = await save('webhook', { url });
    expect(res.statusCode).toBe(422);
    const [p] = (res.json() as { detail: Problem[] }).detail;
    expect(p!.loc).toEqual(['body', 'config', 'url']);
    expect(p!.msg).toMatch(reason);
  });

  it('applies the same rule to Slack incoming webhooks, SMTP hosts and updates', async () => {
    let res = await save('slack', { webhook_url: 'http://169.254.169.254/services/x' });
    expect((res.json() as { detail: Problem[] }).detail[0]!.loc).toEqual(['body', 'config', 'webhook_url']);
    res = await save('email', { ...channelConfigs(f).email, smtp_host: 'localhost' });
    expect(res.statusCode).toBe(422);
    expect((res.json() as { detail: Problem[] }).detail[0]!.loc).toEqual(['body', 'config', 'smtp_host']);
    res = await save('email', { ...channelConfigs(f).email, smtp_host: '10.0.0.25' });
    expect(res.statusCode).toBe(422);
    res = await save('webhook', { url: 'https://hooks.invalid-tld-for-tests.invalid/x' });
    expect(res.statusCode).toBe(422);
    expect((res.json() as { detail: Problem[] }).detail[0]!.msg).toMatch(/could not resolve/);
  });

  it('re-checks at send time: a channel saved by a process that allowed it is refused by one that does not', async () => {
    const relaxed = await createTestApp({ env: f.env, database: { database: strict.deps.database, url: strict.config.databaseUrl } });
    try {
      // Sessions may live in a per-process Redis namespace: sign in to this process too.
      const relaxedCookie = await login(relaxed.app, (await strict.admin()).email, ADMIN_PASSWORD);
      const created = await createChannel(relaxed, relaxedCookie, 'webhook', { url: `${f.webhook.url}/internal` });
      const key = await strict.apiKey(cookie);
      const id = await createApproval(strict, key);
      await waitUntil(async () => (await deliveries(strict, cookie, id)).length > 0, 10_000, 'the request queued');
      await deliver(strict);
      const [row] = await deliveries(strict, cookie, id);
      expect(row).toMatchObject({ channel_id: created.id, status: 'pending', attempts: 1 });
      expect(row!.last_error).toBe('Webhook: outbound request blocked: the URL points to a private address 127.0.0.1');
      expect(f.webhook.calls.filter((r) => r.path === '/internal')).toEqual([]);
    } finally {
      await relaxed.close();
    }
  });
});

describe('SSRF: redirects are not followed', () => {
  it('reports a redirect without contacting its target', async () => {
    const target = await new WebhookReceiver().start();
    const redirector = await new HttpFake(() => ({ status: 302, body: '', headers: { location: `${target.url}/metadata` } })).start();
    const t = await createTestApp({ env: { EDICTUM_OUTBOUND_ALLOW: '127.0.0.1' } });
    try {
      const cookie = (await t.admin()).cookie;
      const ch = await createChannel(t, cookie, 'webhook', { url: `${redirector.url}/hook` });
      const res = await t.request({ method: 'POST', url: `${BASE}/${ch.id}/test`, cookie });
      expect(res.json()).toEqual({ success: false, message: 'The webhook answered a redirect (HTTP 302); redirects are not followed — configure the final URL' });
      expect(redirector.calls).toHaveLength(1);
      expect(target.calls).toEqual([]);
    } finally {
      await t.close();
      await redirector.close();
      await target.close();
    }
  });
});

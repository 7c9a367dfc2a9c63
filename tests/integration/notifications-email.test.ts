import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { FakeSmtp } from '../fakes/fake-smtp.js';
import { channelConfigs, createApproval, createChannel, poll, startFakes, type Fakes } from '../fakes/notify-kit.js';

const BASE = '/api/v1/notifications/channels';

describe('e-mail: TLS is required, never plaintext', () => {
  let f: Fakes;
  let t: TestApp;
  let cookie: string;
  beforeAll(async () => {
    f = await startFakes();
    t = await createTestApp({ env: f.env });
    cookie = (await t.admin()).cookie;
  });
  afterAll(async () => {
    await t?.close();
    await f?.close();
  });

  it('refuses a server that does not offer STARTTLS, before sending the password', async () => {
    const plain = await new FakeSmtp('mailer', 'mail-password-123', { offerStartTls: false }).start();
    try {
      const ch = await createChannel(t, cookie, 'email', { ...channelConfigs(f).email, smtp_port: plain.port });
      const res = await t.request({ method: 'POST', url: `${BASE}/${ch.id}/test`, cookie });
      const body = res.json() as { success: boolean; message: string };
      expect(body.success).toBe(false);
      expect(body.message).toMatch(/^TLS with 127\.0\.0\.1:\d+ failed \(ETLS\) — the server must offer STARTTLS/);
      expect(plain.authAttempts).toEqual([]);
      expect(plain.mails).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  it('refuses a certificate it cannot verify', async () => {
    const { smtp_ca_cert: _ca, ...config } = channelConfigs(f).email!;
    const ch = await createChannel(t, cookie, 'email', config);
    const body = (await t.request({ method: 'POST', url: `${BASE}/${ch.id}/test`, cookie })).json() as { success: boolean; message: string };
    expect(body.success).toBe(false);
    expect(body.message).toMatch(/TLS with 127\.0\.0\.1:\d+ failed .*set smtp_ca_cert for a private CA/);
    expect(f.smtp.authAttempts).toEqual([]);
  });

  it('a timeout sends one-way channels a follow-up', async () => {
    const key = await t.apiKey(cookie);
    await createChannel(t, cookie, 'email', channelConfigs(f).email!);
    await createChannel(t, cookie, 'webhook', { url: `${f.webhook.url}/timeouts` });
    const id = await createApproval(t, key, { tool_name: 'deploy', timeout: 30, timeout_effect: 'allow' });
    await f.webhook.waitFor((r) => r.path === '/timeouts' && r.body.includes(id));
    const request = await f.smtp.waitForMail((m) => m.text.includes(id));
    expect(request.subject).toMatch(/wants to call deploy$/);
    // Time passes beyond the deadline; the timeout worker runs.
    await t.deps.database.rows(sql`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = ${id}`);
    await t.jobs.find((j) => j.name === 'approval_timeout')!.run();
    expect(await poll(t, key, id)).toMatchObject({ status: 'timeout' });
    const hook = await f.webhook.waitFor((r) => r.path === '/timeouts' && r.body.includes('approval_decided'));
    expect(hook.json).toMatchObject({ event: 'approval_decided', approval_id: id, status: 'timeout', decided_by: null, decided_via: 'system' });
    const mail = await f.smtp.waitForMail((m) => m.subject === `[Edictum] Approval timeout — ${id.slice(0, 8)} (deploy)`);
    expect(mail.text).toContain('No decision within 30 s; the agent applies its timeout effect (allow).');
    expect(mail.secure).toBe(true);
  });
});

import { Buffer } from 'node:buffer';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/test-app.js';
import { agentStream, createStreamApp, data } from '../helpers/stream-kit.js';
import { expectEnded, type SseClient } from '../helpers/sse-client.js';
import { currentUrl, loadedBytes, openSdkStream, verifiesAs, type SdkStream } from '../helpers/sdk-v2-parsers.js';
import { act, arm, breakGlassId, decisions, runExpiry, uploadDeploy } from './breakglass-kit.js';

/**
 * Break-glass end to end on one process (both storage modes): a switch reaches simulated agents
 * of both SDK generations as a signed bundle that the contract engine then enforces; expiry and
 * disarm restore the deployed bundle; quarantine; the two-admin rules; the activity rows.
 */
describe('break-glass switches', () => {
  let t: TestApp;
  let base: string;
  let cookie: string;
  let key: string;
  let publicKey: string;
  const open: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => (open.push(c), c);

  beforeAll(async () => {
    t = await createStreamApp();
    base = await t.listen();
    const a = await t.admin();
    cookie = a.cookie;
    key = await t.apiKey(cookie, 'production');
    publicKey = ((await t.request({ url: '/api/v1/settings/signing-key', cookie })).json() as { public_key: string }).public_key;
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t?.close();
  });

  const v1Update = async (c: SseClient, pred: (d: Record<string, unknown>) => boolean) =>
    data(await c.waitFor((e) => e.event === 'contract_update' && pred(data(e))));
  const v2Update = async (s: SdkStream, pred: (d: Record<string, unknown>) => boolean) =>
    JSON.parse(
      (await s.waitFor((e) => e.event === 'contract_update' && pred(JSON.parse(e.data) as Record<string, unknown>))).data,
    ) as Record<string, unknown>;
  const bytesOf = (d: Record<string, unknown>) => new Uint8Array(Buffer.from(d.yaml_bytes as string, 'base64'));
  const activity = async (action: string) =>
    (
      (await t.request({ url: `/api/v1/activity?action=${action}&limit=500`, cookie })).json() as {
        items: { target: string; actor: string; detail: Record<string, unknown> }[];
      }
    ).items;

  it('a fleet-wide tool freeze reaches agents of both generations as a signed bundle the engine enforces; disarm restores the deployed bundle', async () => {
    const dep = await uploadDeploy(t, cookie, 'bg-fleet', 'production');
    const v1 = track(await agentStream(base, key, { env: 'production', bundle_name: 'bg-fleet' }, 'bg-v1'));
    const py = track(await openSdkStream(base, 'py', key, 'bg-py', { env: 'production', bundle_name: 'bg-fleet' }));
    const go = track(await openSdkStream(base, 'go', key, 'bg-go', { env: 'production', bundle_name: 'bg-fleet' }));
    const ts = track(await openSdkStream(base, 'ts', key, 'bg-ts'));
    await v1Update(v1, (d) => d.revision_hash === dep.revision);
    await v2Update(py, (d) => d.revision_hash === dep.rulesetRevision);
    await v2Update(go, (d) => d.revision_hash === dep.rulesetRevision);

    const sw = await arm(t, cookie, { kind: 'freeze_tool', tool: 'send_email' });
    expect(sw.status).toBe('active');
    const rule = breakGlassId(sw.id);

    // Pre-rename SDK: the ContractBundle rendering, signed by the tenant key.
    const d1 = await v1Update(v1, (d) => d.revision_hash !== dep.revision);
    expect(verifiesAs('py', bytesOf(d1), d1.signature as string, publicKey)).toBe(true);
    expect(d1.public_key).toBe(publicKey);
    expect(decisions(bytesOf(d1), 'send_email')).toEqual([
      { outcome: 'denied', by: rule },
      { outcome: 'denied', by: rule },
    ]);
    expect(decisions(bytesOf(d1), 'read_file', { path: 'a.txt' }).every((v) => v.outcome === 'allowed')).toBe(true);
    // Current Py and Go: the Ruleset rendering in the event.
    for (const [sdk, s] of [
      ['py', py],
      ['go', go],
    ] as const) {
      const d = await v2Update(s, (x) => x.revision_hash !== dep.rulesetRevision);
      const bytes = bytesOf(d);
      expect(Buffer.from(bytes).toString('utf8')).toMatch(/^kind: Ruleset$/m);
      expect(verifiesAs(sdk, bytes, d.signature as string, publicKey)).toBe(true);
      expect(decisions(bytes, 'send_email').map((v) => v.by)).toEqual([rule, rule]);
    }
    // Current TS: told by ruleset_updated, it re-fetches /current, which serves the overlay.
    await ts.waitFor((e) => e.event === 'ruleset_updated' && (JSON.parse(e.data) as { name: string }).name === 'bg-fleet');
    const cur = await t.request({ url: currentUrl('ts', 'bg-fleet', 'production'), apiKey: key, agentId: 'bg-ts' });
    const body = cur.json() as { yaml: string; signature: string; revision_hash: string };
    expect(verifiesAs('ts', loadedBytes('ts', body), body.signature, publicKey)).toBe(true);
    expect(decisions(loadedBytes('ts', body), 'send_email').map((v) => v.by)).toEqual([rule, rule]);
    // A dashboard still reads the deployed bundle itself.
    expect(
      ((await t.request({ url: '/api/v1/bundles/bg-fleet/current?env=production', cookie })).json() as { revision_hash: string })
        .revision_hash,
    ).toBe(dep.revision);

    const off = await act(t, cookie, sw.id, 'disarm', { reason: 'fixed' });
    expect(off.statusCode, off.body).toBe(200);
    expect((off.json() as { status: string }).status).toBe('disarmed');
    // The third update each agent gets (deploy, overlay, then this) is the deployed bundle again.
    const third = (c: SseClient) =>
      c.waitFor(
        (e) => e.event === 'contract_update' && c.sdkEvents.filter((x) => x.event === 'contract_update').indexOf(e) === 2,
      );
    const back = data(await third(v1));
    expect(back.revision_hash).toBe(dep.revision);
    expect(decisions(bytesOf(back), 'send_email').every((v) => v.outcome === 'allowed')).toBe(true);
    const pyBack = await py.waitFor((e) => e.event === 'contract_update' && py.events.indexOf(e) === 2);
    expect((JSON.parse(pyBack.data) as { revision_hash: string }).revision_hash).toBe(dep.rulesetRevision);
    expect((await activity('breakglass.arm')).some((i) => i.target === `switch:${sw.id}`)).toBe(true);
    expect((await activity('breakglass.disarm')).find((i) => i.target === `switch:${sw.id}`)?.detail).toMatchObject({
      why: 'fixed',
      was: 'active',
    });
  });

  it('stop side effects denies the tools the bundle marks write/irreversible; it ends by itself at its deadline and the original comes back', async () => {
    const dep = await uploadDeploy(t, cookie, 'bg-stop', 'production');
    const v1 = track(await agentStream(base, key, { env: 'production', bundle_name: 'bg-stop' }, 'bg-stop-1'));
    await v1Update(v1, (d) => d.revision_hash === dep.revision);
    const sw = await arm(t, cookie, { kind: 'stop_side_effects', duration_minutes: 1 });
    const d = await v1Update(v1, (x) => x.revision_hash !== dep.revision);
    for (const tool of ['send_email', 'write_file'])
      expect(
        decisions(bytesOf(d), tool).every((v) => v.outcome === 'denied'),
        tool,
      ).toBe(true);
    expect(decisions(bytesOf(d), 'read_file', { path: 'x' }).every((v) => v.outcome === 'allowed')).toBe(true);
    // Not due yet: the job leaves it alone.
    await runExpiry(t);
    expect(
      (
        (await t.request({ url: '/api/v1/break-glass', cookie })).json() as { switches: { id: string; status: string }[] }
      ).switches.find((s) => s.id === sw.id)?.status,
    ).toBe('active');
    // Its deadline passes (moved back instead of waiting a minute), then the leader's tick.
    await t.deps.database.db.execute(
      sql`UPDATE break_glass_switches SET expires_at = now() - interval '1 second' WHERE id = ${sw.id}`,
    );
    const before = v1.sdkEvents.length;
    await runExpiry(t);
    const restored = await v1.waitFor(
      (e) => v1.sdkEvents.indexOf(e) >= before && e.event === 'contract_update' && data(e).revision_hash === dep.revision,
    );
    expect(decisions(bytesOf(data(restored)), 'send_email').every((v) => v.outcome === 'allowed')).toBe(true);
    const list = (await t.request({ url: '/api/v1/break-glass', cookie })).json() as {
      switches: { id: string; status: string; ended_by: string }[];
    };
    expect(list.switches.find((s) => s.id === sw.id)).toMatchObject({ status: 'expired', ended_by: 'system' });
    expect((await activity('breakglass.expire')).find((i) => i.target === `switch:${sw.id}`)).toMatchObject({ actor: 'system' });
  });

  it('a one-agent freeze reaches only that agent, also on connect and across a deploy; extend moves the deadline', async () => {
    const dep = await uploadDeploy(t, cookie, 'bg-one', 'production');
    const sw = await arm(t, cookie, { kind: 'freeze_tool', tool: 'write_file', agent_id: 'bg-one-a' });
    const rule = breakGlassId(sw.id);
    // Connects after arming: the push on connect is already the overlay.
    const a = track(await agentStream(base, key, { env: 'production', bundle_name: 'bg-one' }, 'bg-one-a'));
    const b = track(await agentStream(base, key, { env: 'production', bundle_name: 'bg-one' }, 'bg-one-b'));
    const da = await v1Update(a, () => true);
    expect(decisions(bytesOf(da), 'write_file').map((v) => v.by)).toEqual([rule, rule]);
    expect((await v1Update(b, () => true)).revision_hash).toBe(dep.revision);
    // /current for each agent (X-Edictum-Agent-Id) agrees.
    const ca = await t.request({ url: '/api/v1/bundles/bg-one/current?env=production', apiKey: key, agentId: 'bg-one-a' });
    expect((ca.json() as { revision_hash: string }).revision_hash).toBe(da.revision_hash);
    const cb = await t.request({ url: '/api/v1/bundles/bg-one/current?env=production', apiKey: key, agentId: 'bg-one-b' });
    expect((cb.json() as { revision_hash: string }).revision_hash).toBe(dep.revision);
    // A deploy meanwhile: A gets v2 with the overlay, B plain v2 (and never the overlay).
    const v2 = await uploadDeploy(t, cookie, 'bg-one', 'production', 'v2');
    const a2 = await v1Update(a, (d) => d.version === v2.version);
    expect(a2.revision_hash).not.toBe(v2.revision);
    expect(decisions(bytesOf(a2), 'write_file').map((v) => v.by)).toEqual([rule, rule]);
    expect(Buffer.from(bytesOf(a2)).toString('utf8')).toContain('description: "v2"');
    expect((await v1Update(b, (d) => d.version === v2.version)).revision_hash).toBe(v2.revision);
    expect(
      b.sdkEvents
        .filter((e) => e.event === 'contract_update')
        .every(
          (e) =>
            !Buffer.from(bytesOf(data(e)))
              .toString('utf8')
              .includes(rule),
        ),
    ).toBe(true);

    const ext = await act(t, cookie, sw.id, 'extend', { minutes: 60 });
    expect(ext.statusCode, ext.body).toBe(200);
    expect(Date.parse((ext.json() as { expires_at: string }).expires_at) - Date.parse(sw.expires_at)).toBe(60 * 60_000);
    // The new deadline is in the message the agent gets.
    const a3 = await v1Update(a, (d) =>
      Buffer.from(bytesOf(d))
        .toString('utf8')
        .includes((ext.json() as { expires_at: string }).expires_at),
    );
    expect(decisions(bytesOf(a3), 'write_file')[0]!.outcome).toBe('denied');
    expect((await activity('breakglass.extend')).some((i) => i.target === `switch:${sw.id}`)).toBe(true);
    expect((await act(t, cookie, sw.id, 'disarm')).statusCode).toBe(200);
    expect((await act(t, cookie, sw.id, 'extend', { minutes: 5 })).statusCode).toBe(409);
    expect((await act(t, cookie, sw.id, 'disarm')).statusCode).toBe(409);
  });

  it('quarantine revokes the agent’s key, closes its streams and denies its pending approvals', async () => {
    await uploadDeploy(t, cookie, 'bg-q', 'production');
    const qKey = await t.apiKey(cookie, 'production');
    const s = track(await agentStream(base, qKey, { env: 'production', bundle_name: 'bg-q' }, 'bg-q-agent'));
    await v1Update(s, () => true);
    const ap = await t.request({
      method: 'POST',
      url: '/api/v1/approvals',
      apiKey: qKey,
      agentId: 'bg-q-agent',
      payload: { agent_id: 'bg-q-agent', tool_name: 'send_email', message: 'send?' },
    });
    expect(ap.statusCode, ap.body).toBe(201);
    const approvalId = (ap.json() as { id: string }).id;
    const sw = await arm(t, cookie, { kind: 'quarantine_agent', agent_id: 'bg-q-agent' });
    expect(sw.status).toBe('active');
    await expectEnded(s);
    const list = (await t.request({ url: '/api/v1/break-glass', cookie })).json() as {
      switches: { id: string; effects: { revoked_key_ids?: string[] } }[];
    };
    expect(list.switches.find((x) => x.id === sw.id)?.effects.revoked_key_ids).toHaveLength(1);
    expect((await t.request({ url: '/api/v1/bundles/bg-q/current?env=production', apiKey: qKey })).statusCode).toBe(401);
    const decided = (await t.request({ url: `/api/v1/approvals/${approvalId}`, cookie })).json() as {
      status: string;
      decision_reason: string;
    };
    expect(decided.status).toBe('denied');
    expect(decided.decision_reason).toContain(sw.id);
    // With another key it still gets nothing but denials.
    const other = await t.request({ url: '/api/v1/bundles/bg-q/current?env=production', apiKey: key, agentId: 'bg-q-agent' });
    const bytes = new Uint8Array(Buffer.from((other.json() as { yaml_bytes: string }).yaml_bytes, 'base64'));
    expect(decisions(bytes, 'read_file', { path: 'a' }).every((v) => v.outcome === 'denied')).toBe(true);
    expect((await activity('api_key.revoke')).some((i) => i.detail.switch_id === sw.id)).toBe(true);
    expect((await activity('approval.deny')).some((i) => i.target === `approval:${approvalId}`)).toBe(true);
    await act(t, cookie, sw.id, 'disarm');
  });

  it('refuses bad input with a 422 naming the field, and members and API keys with 403', async () => {
    for (const [body, field] of [
      [{ kind: 'freeze_tool' }, 'tool'],
      [{ kind: 'quarantine_agent' }, 'agent_id'],
      [{ kind: 'melt_down' }, 'kind'],
      [{ kind: 'stop_side_effects', duration_minutes: 0 }, 'duration_minutes'],
      [{ kind: 'stop_side_effects', duration_minutes: 20_000 }, 'duration_minutes'],
      [{ kind: 'freeze_tool', tool: 'a/b' }, 'tool'],
      [{ kind: 'stop_side_effects', reason: '' }, 'reason'],
      [{ kind: 'stop_side_effects', extra: 1 }, 'extra'],
    ] as const) {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/break-glass',
        cookie,
        payload: { reason: 'incident 42', duration_minutes: 30, ...body },
      });
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.body, JSON.stringify(body)).toContain(field);
    }
    const m = await t.member();
    expect((await t.request({ url: '/api/v1/break-glass', cookie: m.cookie })).statusCode).toBe(403);
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/api/v1/break-glass',
          cookie: m.cookie,
          payload: { kind: 'stop_side_effects', reason: 'x y z', duration_minutes: 5 },
        })
      ).statusCode,
    ).toBe(403);
    expect((await t.request({ url: '/api/v1/break-glass', apiKey: key })).statusCode).toBe(403);
    expect((await t.request({ url: '/api/v1/break-glass' })).statusCode).toBe(401);
    expect((await act(t, cookie, '00000000-0000-4000-8000-000000000000', 'disarm')).statusCode).toBe(404);
    expect((await act(t, cookie, 'nope', 'disarm')).statusCode).toBe(422);
  });

  it('another tenant can neither see nor touch a switch (404)', async () => {
    const sw = await arm(t, cookie, { kind: 'freeze_tool', tool: 'x_tool' });
    const o = await t.otherTenant();
    const theirs = (await t.request({ url: '/api/v1/break-glass', cookie: o.cookie })).json() as { switches: { id: string }[] };
    expect(theirs.switches.some((s) => s.id === sw.id)).toBe(false);
    for (const w of ['confirm', 'extend', 'disarm'] as const)
      expect((await act(t, o.cookie, sw.id, w, w === 'extend' ? { minutes: 5 } : {})).statusCode, w).toBe(404);
    expect((await act(t, cookie, sw.id, 'disarm')).statusCode).toBe(200);
  });

  it('with two admins, arming waits for the other admin: the arming admin cannot confirm, nothing reaches agents until confirmed', async () => {
    const dep = await uploadDeploy(t, cookie, 'bg-two', 'production');
    const second = await t.secondAdmin();
    const v1 = track(await agentStream(base, key, { env: 'production', bundle_name: 'bg-two' }, 'bg-two-1'));
    await v1Update(v1, () => true);
    const sw = await arm(t, cookie, { kind: 'freeze_tool', tool: 'send_email' });
    expect(sw.status).toBe('pending');
    expect(sw.can_confirm).toBe(false);
    const seen = (await t.request({ url: '/api/v1/break-glass', cookie: second.cookie })).json() as {
      switches: { id: string; can_confirm: boolean }[];
      admins: number;
    };
    expect(seen.admins).toBe(2);
    expect(seen.switches.find((s) => s.id === sw.id)?.can_confirm).toBe(true);
    // Pending: agents are served the deployed bundle.
    const cur = await t.request({ url: '/api/v1/bundles/bg-two/current?env=production', apiKey: key, agentId: 'bg-two-1' });
    expect((cur.json() as { revision_hash: string }).revision_hash).toBe(dep.revision);
    const self = await act(t, cookie, sw.id, 'confirm');
    expect(self.statusCode).toBe(403);
    expect(self.body).toContain('cannot confirm');
    const ok = await act(t, second.cookie, sw.id, 'confirm');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'active', confirmed_by: second.email });
    const d = await v1Update(v1, (x) => x.revision_hash !== dep.revision);
    expect(decisions(bytesOf(d), 'send_email')[0]!.outcome).toBe('denied');
    expect((await act(t, second.cookie, sw.id, 'confirm')).statusCode).toBe(409);
    expect((await activity('breakglass.confirm')).find((i) => i.target === `switch:${sw.id}`)?.actor).toBe(second.email);
    expect((await act(t, cookie, sw.id, 'disarm')).statusCode).toBe(200);
    // A request nobody confirms lapses at its deadline, never having reached an agent.
    const lapsing = await arm(t, cookie, { kind: 'stop_side_effects' });
    await t.deps.database.db.execute(
      sql`UPDATE break_glass_switches SET expires_at = now() - interval '1 second' WHERE id = ${lapsing.id}`,
    );
    await runExpiry(t);
    const after = (await t.request({ url: '/api/v1/break-glass', cookie })).json() as {
      switches: { id: string; status: string }[];
    };
    expect(after.switches.find((s) => s.id === lapsing.id)?.status).toBe('lapsed');
    expect((await act(t, second.cookie, lapsing.id, 'confirm')).statusCode).toBe(409);
  });
});

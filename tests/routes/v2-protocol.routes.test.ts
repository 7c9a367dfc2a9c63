import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, TestApp } from '../helpers/test-app.js';
import { bundleYaml, createStreamApp } from '../helpers/stream-kit.js';
import { currentUrl, loadedBytes, openSdkStream, verifiesAs, type Sdk, type SdkStream } from '../helpers/sdk-v2-parsers.js';

/**
 * sdk-contract-v2.md section 8, item by item, written as each current SDK behaves (its query,
 * its headers, its stream parser, what it reads from each answer).
 */
const rulesetYaml = (name: string, marker: string) => `apiVersion: edictum/v1
kind: Ruleset
metadata:
  name: ${name}
  description: "${marker}"
defaults:
  mode: enforce
rules:
  - id: no-dotenv
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      action: block
      message: "no secrets (${marker})"
  - id: refunds
    type: pre
    tool: refund
    when:
      args.amount: { gt: 500 }
    then:
      action: ask
      message: "needs a human"
      timeout: 60
      timeout_action: allow
`;

describe('current-generation SDK protocol (/v1)', () => {
  let t: TestApp;
  let base: string;
  let admin: Principal;
  let key: string;
  let publicKey: string;
  const open: SdkStream[] = [];
  const track = (s: SdkStream) => (open.push(s), s);

  async function upload(yaml: string) {
    const r = await t.request({ method: 'POST', url: '/api/v1/bundles', cookie: admin.cookie, payload: { yaml_content: yaml } });
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { version: number; revision_hash: string; ruleset_revision_hash: string; uploaded_format: string };
  }
  async function deploy(name: string, version: number, env = 'production') {
    const r = await t.request({ method: 'POST', url: `/api/v1/bundles/${name}/${version}/deploy`, cookie: admin.cookie, payload: { env } });
    expect(r.statusCode, r.body).toBe(201);
  }
  const agentGet = (url: string, agentId = 'agent-v2') => t.request({ method: 'GET', url, apiKey: key, agentId });

  beforeAll(async () => {
    t = await createStreamApp();
    base = await t.listen();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
    const k = await t.request({ method: 'GET', url: '/api/v1/settings/signing-key', cookie: admin.cookie });
    publicKey = (k.json() as { public_key: string }).public_key;
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await t?.close();
  });

  describe('2: GET /v1/rulesets/{name}/current', () => {
    it('serves the Ruleset rendering each SDK loads and verifies, env taken from the key when absent', async () => {
      const up = await upload(bundleYaml('cur-a', 'one'));
      expect(up.uploaded_format).toBe('contract_bundle');
      await deploy('cur-a', up.version);
      for (const sdk of ['py', 'ts', 'go'] as Sdk[]) {
        const r = await agentGet(currentUrl(sdk, 'cur-a', 'production'));
        expect(r.statusCode, `${sdk}: ${r.body}`).toBe(200);
        expect(r.headers['content-type']).toMatch(/application\/json/);
        const body = r.json() as { yaml: string; yaml_bytes: string; signature: string; revision_hash: string };
        // Padded standard base64 of exactly the bytes of `yaml`.
        expect(body.yaml_bytes.length % 4).toBe(0);
        expect(Buffer.from(body.yaml_bytes, 'base64').toString('utf8')).toBe(body.yaml);
        const bytes = loadedBytes(sdk, body);
        expect(new TextDecoder().decode(bytes)).toMatch(/^kind: Ruleset$/m);
        expect(new TextDecoder().decode(bytes)).toMatch(/action: block/);
        expect(verifiesAs(sdk, bytes, body.signature, publicKey)).toBe(true);
        expect(body.revision_hash).toBe(up.ruleset_revision_hash);
      }
      // The old path still serves the ContractBundle rendering, with its own hash and signature.
      const old = await agentGet('/api/v1/bundles/cur-a/current?env=production');
      const ob = old.json() as { yaml_bytes: string; signature: string; revision_hash: string };
      expect(Buffer.from(ob.yaml_bytes, 'base64').toString('utf8')).toBe(bundleYaml('cur-a', 'one'));
      expect(ob.revision_hash).toBe(up.revision_hash);
      expect(ob.revision_hash).not.toBe(up.ruleset_revision_hash);
      expect(verifiesAs('py', Buffer.from(ob.yaml_bytes, 'base64'), ob.signature, publicKey)).toBe(true);
    });

    it('answers 404 for an unknown ruleset (Go: "bundle not found"), 401 without a key, 403 for another env', async () => {
      expect((await agentGet('/v1/rulesets/nope/current')).statusCode).toBe(404);
      expect((await t.request({ method: 'GET', url: '/v1/rulesets/cur-a/current' })).statusCode).toBe(401);
      expect((await agentGet('/v1/rulesets/cur-a/current?env=staging')).statusCode).toBe(403);
    });

    it('takes a Ruleset upload: /v1 serves its exact bytes, /api/v1 the ContractBundle rendering', async () => {
      const yaml = rulesetYaml('cur-rs', 'r1');
      const up = await upload(yaml);
      expect(up.uploaded_format).toBe('ruleset');
      await deploy('cur-rs', up.version);
      const v2 = (await agentGet('/v1/rulesets/cur-rs/current')).json() as { yaml: string };
      expect(v2.yaml).toBe(yaml);
      const v1 = (await agentGet('/api/v1/bundles/cur-rs/current?env=production')).json() as { yaml_bytes: string };
      const cb = Buffer.from(v1.yaml_bytes, 'base64').toString('utf8');
      expect(cb).toMatch(/^kind: ContractBundle$/m);
      expect(cb).toMatch(/effect: approve/);
      expect(cb).toMatch(/timeout_effect: allow/);
    });

    it('re-signs both renderings on key rotation, and renders rows stored before renderings existed', async () => {
      const up = await upload(bundleYaml('cur-rot', 'r'));
      await deploy('cur-rot', up.version);
      // A row from before this release: no Ruleset columns.
      await t.deps.database.db.execute(
        sql`UPDATE bundles SET ruleset_bytes = NULL, ruleset_revision_hash = NULL, ruleset_signature = NULL, ruleset_signing_key_id = NULL WHERE name = 'cur-rot'`,
      );
      const healed = (await agentGet('/v1/rulesets/cur-rot/current')).json() as { yaml: string; signature: string; revision_hash: string };
      expect(healed.revision_hash).toBe(up.ruleset_revision_hash);
      expect(verifiesAs('py', Buffer.from(healed.yaml), healed.signature, publicKey)).toBe(true);
      const rot = await t.request({ method: 'POST', url: '/api/v1/settings/rotate-signing-key', cookie: admin.cookie });
      expect(rot.statusCode, rot.body).toBe(201);
      const newKey = (rot.json() as { public_key: string }).public_key;
      const after = (await agentGet('/v1/rulesets/cur-rot/current')).json() as { yaml: string; signature: string; public_key: string };
      expect(after.public_key).toBe(newKey);
      expect(verifiesAs('go', Buffer.from(after.yaml), after.signature, newKey)).toBe(true);
      const old = (await agentGet('/api/v1/bundles/cur-rot/current?env=production')).json() as { yaml_bytes: string; signature: string };
      expect(verifiesAs('py', Buffer.from(old.yaml_bytes, 'base64'), old.signature, newKey)).toBe(true);
      publicKey = newKey;
    });

    it('refuses at upload what cannot be rendered for both generations, naming it', async () => {
      const bad = rulesetYaml('cur-bad', 'x').replace('timeout_action: allow', 'timeout_effect: allow');
      const r = await t.request({ method: 'POST', url: '/api/v1/bundles', cookie: admin.cookie, payload: { yaml_content: bad } });
      expect(r.statusCode).toBe(422);
      expect(JSON.stringify(r.json())).toContain('rules[1].then.timeout_effect');
    });
  });

  describe('3: GET /v1/stream', () => {
    it('answers bad auth with 401, never an empty 200', async () => {
      const s = track(await openSdkStream(base, 'go', 'edk_production_wrong', 'a', { env: 'production' }));
      expect(s.status).toBe(401);
    });

    it('pushes a deploy to each SDK in its own convention, each verifying its bytes', async () => {
      const v1 = await upload(bundleYaml('str-a', 's1'));
      await deploy('str-a', v1.version);
      const go = track(await openSdkStream(base, 'go', key, 'go-1', { env: 'production', bundle_name: 'str-a' }));
      const py = track(await openSdkStream(base, 'py', key, 'py-1', { env: 'production', bundle_name: 'str-a', policy_version: v1.ruleset_revision_hash }));
      const ts = track(await openSdkStream(base, 'ts', key, 'ts-1'));
      for (const s of [go, py, ts]) {
        expect(s.status).toBe(200);
        expect(s.res.headers['content-type']).toBe('text/event-stream');
      }
      // Go sent no policy_version: it gets the current ruleset on connect (push on connect).
      const first = JSON.parse((await go.waitFor((e) => e.event === 'contract_update')).data) as Record<string, string>;
      expect(first.revision_hash).toBe(v1.ruleset_revision_hash);
      const v2 = await upload(bundleYaml('str-a', 's2'));
      await deploy('str-a', v2.version);
      for (const s of [go, py]) {
        const e = await s.waitFor((x) => x.event === 'contract_update' && (JSON.parse(x.data) as { revision_hash: string }).revision_hash === v2.ruleset_revision_hash);
        const d = JSON.parse(e.data) as { yaml_bytes: string; signature: string; bundle_name: string };
        expect(d.bundle_name).toBe('str-a');
        expect(d).not.toHaveProperty('_ruleset');
        const bytes = Buffer.from(d.yaml_bytes, 'base64');
        expect(bytes.toString('utf8')).toMatch(/^kind: Ruleset$/m);
        expect(verifiesAs('go', bytes, d.signature, publicKey)).toBe(true);
      }
      // Py reported the current revision on connect, so only the deploy reached it.
      expect(py.events.filter((e) => e.event === 'contract_update')).toHaveLength(1);
      const upd = JSON.parse((await ts.waitFor((e) => e.event === 'ruleset_updated' && e.data.includes('str-a'))).data) as { name: string; version: number };
      expect(upd).toEqual({ name: 'str-a', version: v2.version });
    });

    it('tells an assigned Py/Go agent its ruleset on connect with the one payload both act on', async () => {
      const v = await upload(bundleYaml('str-assigned', 'x'));
      await deploy('str-assigned', v.version);
      // Registration happens on the first connect; then the console assigns the agent its ruleset.
      const first = await openSdkStream(base, 'go', key, 'assigned-go', { env: 'production' });
      expect(first.status).toBe(200);
      first.close();
      const patch = await t.request({ method: 'PATCH', url: '/api/v1/agent-registrations/assigned-go', cookie: admin.cookie, payload: { bundle_name: 'str-assigned' } });
      expect(patch.statusCode, patch.body).toBe(200);
      for (const sdk of ['go', 'py'] as Sdk[]) {
        const s = track(await openSdkStream(base, sdk, key, 'assigned-go', { env: 'production' }));
        const e = await s.waitFor((x) => x.event === 'contract_update');
        expect(JSON.parse(e.data)).toEqual({ _assignment_changed: true, bundle_name: 'str-assigned' });
      }
    });

    it('retargets live streams on an assignment in each convention (Py: assignment_changed, Go: flagged contract_update)', async () => {
      const v = await upload(bundleYaml('str-live', 'x'));
      await deploy('str-live', v.version);
      const py = track(await openSdkStream(base, 'py', key, 'live-py', { env: 'production' }));
      const go = track(await openSdkStream(base, 'go', key, 'live-go', { env: 'production' }));
      for (const agent of ['live-py', 'live-go']) {
        const r = await t.request({ method: 'PATCH', url: `/api/v1/agent-registrations/${agent}`, cookie: admin.cookie, payload: { bundle_name: 'str-live' } });
        expect(r.statusCode, r.body).toBe(200);
      }
      const pe = await py.waitFor((e) => e.event === 'assignment_changed');
      expect((JSON.parse(pe.data) as { bundle_name: string }).bundle_name).toBe('str-live');
      const ge = await go.waitFor((e) => e.event === 'contract_update' && e.data.includes('_assignment_changed'));
      expect(JSON.parse(ge.data)).toEqual({ _assignment_changed: true, bundle_name: 'str-live' });
      // Then the ruleset itself follows on the retargeted stream.
      for (const s of [py, go]) {
        const e = await s.waitFor((x) => x.event === 'contract_update' && x.data.includes('yaml_bytes'));
        expect((JSON.parse(e.data) as { revision_hash: string }).revision_hash).toBe(v.ruleset_revision_hash);
      }
    });

    it('writes `event: ` and `data: ` with one space, LF endings, and keepalive comments', async () => {
      const go = track(await openSdkStream(base, 'go', key, 'go-raw', { env: 'production', bundle_name: 'str-a' }));
      await go.waitFor((e) => e.event === 'contract_update');
      const deadline = Date.now() + 5_000;
      while (!go.raw.includes(': keepalive') && Date.now() < deadline) await new Promise<void>((r) => go.res.once('data', () => r()));
      expect(go.raw).toContain(': keepalive\n\n');
      expect(go.raw).not.toContain('\r');
      expect(go.raw).toMatch(/event: contract_update\ndata: \{.*\}\n\n/);
    });
  });

  describe('4: POST /v1/events', () => {
    const flat = (i: number, extra: Record<string, unknown> = {}) => ({
      schema_version: '0.3.0',
      call_id: `call-${i}`,
      agent_id: 'py-agent',
      tool_name: 'read_file',
      tool_args: { path: '.env' },
      side_effect: 'read',
      environment: 'production',
      principal: { user_id: 'u' },
      action: 'call_blocked',
      decision_source: 'yaml_precondition',
      decision_name: 'no-dotenv',
      reason: 'no',
      hooks_evaluated: [],
      rules_evaluated: [{ name: 'no-dotenv', type: 'precondition', passed: false, message: 'no' }],
      mode: 'enforce',
      policy_version: null,
      timestamp: `2026-08-17T10:00:0${i % 10}.123456+00:00`,
      run_id: 'run',
      call_index: i,
      session_id: 'sess-1',
      workflow: null,
      future_field: 1,
      ...extra,
    });

    it('accepts flat, in-between and gate events in one table, deduplicating a resent batch', async () => {
      const rs = (await agentGet('/v1/rulesets/cur-a/current')).json() as { revision_hash: string; contract_bundle_revision_hash: string };
      const events = [
        flat(1),
        flat(2, { action: 'call_asked', policy_version: rs.revision_hash }),
        { call_id: 'mid-1', agent_id: 'py017', tool_name: 't', decision: 'call_denied', mode: 'enforce', timestamp: '2026-03-31T00:00:00Z', payload: {} },
        { timestamp: '2026-08-17T10:00:00Z', tool_name: 'Bash', decision: 'block', reason: 'rm' },
      ];
      const post = () => t.request({ method: 'POST', url: '/v1/events', apiKey: key, agentId: 'py-agent', payload: { events } });
      const first = await post();
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json()).toEqual({ accepted: 4, duplicates: 0 });
      expect((await post()).json()).toEqual({ accepted: 0, duplicates: 4 });
      const list = await t.request({ method: 'GET', url: '/api/v1/events?limit=50', cookie: admin.cookie });
      const rows = list.json() as { call_id: string; verdict: string; payload: Record<string, unknown> }[];
      const byId = new Map(rows.map((r) => [r.call_id, r]));
      expect(byId.get('call-1')).toMatchObject({ verdict: 'call_denied', payload: { agent_verdict: 'call_blocked', session_id: 'sess-1', future_field: 1 } });
      expect(byId.get('call-1')!.payload.contracts_evaluated).toHaveLength(1);
      expect(byId.get('call-2')).toMatchObject({
        verdict: 'call_approval_requested',
        payload: { policy_version: rs.contract_bundle_revision_hash, agent_policy_version: rs.revision_hash },
      });
      expect(byId.get('mid-1')).toMatchObject({ verdict: 'call_denied', payload: { agent_verdict: 'call_denied' } });
      expect(rows.some((r) => r.call_id.startsWith('gate-') && r.verdict === 'call_denied')).toBe(true);
      // Session fields are kept and filterable.
      const bySession = await t.request({ method: 'GET', url: '/api/v1/events?session_id=sess-1&limit=50', cookie: admin.cookie });
      expect((bySession.json() as { call_id: string }[]).map((r) => r.call_id).sort()).toEqual(['call-1', 'call-2']);
    });

    it('accepts a 10,000-event batch (the SDK resends its whole buffer)', async () => {
      const events = Array.from({ length: 10_000 }, (_, i) => flat(i, { call_id: `big-${i}`, action: 'call_allowed' }));
      const r = await t.request({ method: 'POST', url: '/v1/events', apiKey: key, agentId: 'py-agent', payload: { events } });
      expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
      expect((r.json() as { accepted: number }).accepted).toBe(10_000);
    });
  });

  describe('5: approvals', () => {
    it('takes timeout_action and session_id, answers a UUID id and statuses every SDK reads', async () => {
      const r = await t.request({
        method: 'POST',
        url: '/v1/approvals',
        apiKey: key,
        agentId: 'py-agent',
        payload: { agent_id: 'py-agent', tool_name: 'refund', tool_args: { amount: 900 }, message: 'ok?', timeout: 1.5, timeout_action: 'block', session_id: 'sess-9' },
      });
      expect(r.statusCode, r.body).toBe(201);
      const a = r.json() as { id: string; timeout_effect: string; timeout_action: string; session_id: string; timeout_seconds: number };
      expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(a).toMatchObject({ timeout_effect: 'deny', timeout_action: 'block', session_id: 'sess-9', timeout_seconds: 2 });
      const polled = await agentGet(`/v1/approvals/${a.id}`);
      expect((polled.json() as { status: string }).status).toBe('pending');
      // Go never times out locally: the server must. Wait on the condition, bounded.
      const deadline = Date.now() + 10_000;
      let status = 'pending';
      while (status === 'pending' && Date.now() < deadline) {
        status = ((await agentGet(`/v1/approvals/${a.id}`)).json() as { status: string }).status;
      }
      expect(status).toBe('timeout');
    });

    it('reads the in-between `timeout_action: deny` on /api/v1 as deny', async () => {
      const r = await t.request({
        method: 'POST',
        url: '/api/v1/approvals',
        apiKey: key,
        agentId: 'ts-020',
        payload: { agent_id: 'x', tool_name: 't', message: 'm', timeout: 60, timeout_action: 'allow' },
      });
      expect(r.statusCode, r.body).toBe(201);
      expect((r.json() as { timeout_effect: string }).timeout_effect).toBe('allow');
    });
  });

  describe('6: sessions', () => {
    it('serves the same store on /v1, decoding %3A, integer counters, batch values', async () => {
      const k = 's:abc:attempts';
      const inc = await t.request({ method: 'POST', url: `/v1/sessions/${encodeURIComponent(k)}/increment`, apiKey: key, payload: { amount: 1 } });
      expect(inc.json()).toEqual({ value: 1 });
      const get = await agentGet(`/v1/sessions/${k}`);
      expect(get.json()).toEqual({ value: '1' });
      const old = await agentGet(`/api/v1/sessions/${k}`);
      expect(old.json()).toEqual({ value: '1' });
      const wf = JSON.stringify({ evidence: Array.from({ length: 50 }, () => 'x'.repeat(4096)) });
      const put = await t.request({ method: 'PUT', url: '/v1/sessions/s:abc:workflow:wf:state', apiKey: key, payload: { value: wf } });
      expect(put.statusCode).toBe(200);
      const batch = await t.request({ method: 'POST', url: '/v1/sessions/batch', apiKey: key, payload: { keys: [k, 's:abc:none'] } });
      expect(batch.json()).toEqual({ values: { [k]: '1', 's:abc:none': null } });
      expect((await agentGet('/v1/sessions/s:abc:none')).statusCode).toBe(404);
    });
  });

  describe('7: skill scan', () => {
    it('accepts a report with a key (2xx JSON)', async () => {
      const r = await t.request({ method: 'POST', url: '/v1/skill-scan', apiKey: key, payload: { scanner_version: '1', violations: [] } });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ accepted: true });
      expect((await t.request({ method: 'POST', url: '/v1/skill-scan', payload: {} })).statusCode).toBe(401);
    });
  });
});

describe('in-between releases on /api/v1 (sdk-contract-v2.md 6)', () => {
  let t: TestApp;
  let admin: Principal;
  let key: string;
  beforeAll(async () => {
    t = await createStreamApp({ env: { EDICTUM_API_V1_RULESET_AGENTS: 'py017-*' } });
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
  });
  afterAll(async () => t?.close());

  it('serves `kind: Ruleset` on /api/v1 only to the agents the operator listed', async () => {
    const up = await t.request({ method: 'POST', url: '/api/v1/bundles', cookie: admin.cookie, payload: { yaml_content: bundleYaml('mid', 'm') } });
    const b = up.json() as { version: number; revision_hash: string; ruleset_revision_hash: string };
    await t.request({ method: 'POST', url: `/api/v1/bundles/mid/${b.version}/deploy`, cookie: admin.cookie, payload: { env: 'production' } });
    const get = (agentId: string) => t.request({ method: 'GET', url: '/api/v1/bundles/mid/current?env=production', apiKey: key, agentId });
    const listed = (await get('py017-worker')).json() as { yaml_bytes: string; revision_hash: string };
    const other = (await get('old-worker')).json() as { yaml_bytes: string; revision_hash: string };
    expect(Buffer.from(listed.yaml_bytes, 'base64').toString('utf8')).toMatch(/^kind: Ruleset$/m);
    expect(listed.revision_hash).toBe(b.ruleset_revision_hash);
    expect(Buffer.from(other.yaml_bytes, 'base64').toString('utf8')).toMatch(/^kind: ContractBundle$/m);
    expect(other.revision_hash).toBe(b.revision_hash);
  });
});

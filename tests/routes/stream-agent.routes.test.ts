import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp, Principal } from '../helpers/test-app.js';
import { agentStream, createStreamApp, data, marker, refusal, uploadAndDeploy } from '../helpers/stream-kit.js';
import { openSse, type SseClient } from '../helpers/sse-client.js';
import { WAIT_MS } from '../helpers/wait.js';

/** The agent stream as the SDK uses it (sdk-contract.md 3 and 12, items 1-4; console-api.md 2.1). */
describe('agent stream: auth, headers, wire format, push on connect', () => {
  let t: TestApp;
  let base: string;
  let admin: Principal;
  let key: string;
  const open: SseClient[] = [];
  const track = (c: SseClient) => (open.push(c), c);

  beforeAll(async () => {
    t = await createStreamApp();
    base = await t.listen();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t?.close();
  });

  it('answers 401 without an Authorization header, as the reference does', async () => {
    const c = await agentStream(base, null, { env: 'production' });
    expect(await refusal(c)).toEqual({ status: 401, body: { detail: 'Authorization header is required.' } });
  });

  it('answers 401 to a non-Bearer header and to an unknown key', async () => {
    const c1 = await openSse(`${base}/api/v1/stream?env=production`, { authorization: 'Basic abc' });
    expect(await refusal(c1)).toEqual({ status: 401, body: { detail: 'Authorization header must use Bearer scheme.' } });
    const c2 = await agentStream(base, 'edk_production_notarealkeyatall0000000000000000000000000', { env: 'production' });
    expect(await refusal(c2)).toEqual({ status: 401, body: { detail: 'Invalid or revoked API key.' } });
  });

  it('answers 401 to a dashboard session: the stream is for API keys only', async () => {
    const c = await openSse(`${base}/api/v1/stream?env=production`, { cookie: admin.cookie });
    expect((await refusal(c)).status).toBe(401);
  });

  it("refuses an env other than the key's with the reference's 403 text", async () => {
    const c = await agentStream(base, key, { env: 'staging' });
    expect(await refusal(c)).toEqual({
      status: 403,
      body: { detail: "API key is scoped to 'production', cannot subscribe to 'staging'." },
    });
  });

  it('names the field on bad input: missing env, bad bundle name, bad tags, oversized policy_version', async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'query.env'],
      [{ env: 'production', bundle_name: '../etc' }, 'query.bundle_name'],
      [{ env: 'production', tags: '{not json' }, 'query.tags'],
      [{ env: 'production', tags: '["a"]' }, 'query.tags'],
      [{ env: 'production', policy_version: 'x'.repeat(129) }, 'query.policy_version'],
    ];
    for (const [query, loc] of cases) {
      const r = await refusal(await agentStream(base, key, query));
      expect(r.status, loc).toBe(422);
      expect((r.body as { detail: { loc: string[] }[] }).detail.map((d) => d.loc.join('.'))).toContain(loc);
    }
  });

  it('sends 200 and the SSE headers at once, before any event', async () => {
    const c = track(await agentStream(base, key, { env: 'production', bundle_name: 'nothing-deployed' }));
    expect(c.status).toBe(200);
    expect(c.headers['content-type']).toBe('text/event-stream');
    expect(c.headers['cache-control']).toBe('no-cache');
    expect(c.headers['x-accel-buffering']).toBe('no');
    // The first body bytes are the `: connected` comment (so a proxy that holds headers until the
    // body starts passes them on); nothing but comments can have come with the headers.
    expect(await c.waitForChunk((s) => s === ': connected\n\n', WAIT_MS, 'connected')).toBe(': connected\n\n');
    expect(c.chunks[0]!.toString()).toBe(': connected\n\n');
    expect(c.sdkEvents).toEqual([]);
    for (const ch of c.chunks) expect(ch.toString()).toMatch(/^: (connected|keepalive)\n\n$/);
  });

  it('does not answer HEAD with a stream', async () => {
    const res = await t.request({ method: 'HEAD', url: '/api/v1/stream?env=production', apiKey: key });
    expect(res.statusCode).toBe(404);
    expect((await t.request({ method: 'HEAD', url: '/api/v1/stream/dashboard', cookie: admin.cookie })).statusCode).toBe(404);
  });

  it('sends a keepalive comment every keepalive interval', async () => {
    const c = track(await agentStream(base, key, { env: 'production' }));
    expect(await c.waitForChunk((s) => s === ': keepalive\n\n', WAIT_MS, 'keepalive')).toBe(': keepalive\n\n');
  });

  it('writes each event as one LF-only chunk that the SDK parser reads whole', async () => {
    const c = track(await agentStream(base, key, { env: 'production' }, 'fmt-agent'));
    await t.ctx.publish.agents(
      admin.tenantId,
      'approval_created',
      { approval_id: 'a1', agent_id: 'x', tool_name: 'exec', message: 'line1\nline2\r\n' },
      { env: 'production' },
    );
    const e = await c.waitFor((ev) => ev.event === 'approval_created');
    expect(data(e)).toEqual({
      type: 'approval_created',
      approval_id: 'a1',
      agent_id: 'x',
      tool_name: 'exec',
      message: 'line1\nline2\r\n',
    });
    const frame = c.chunks.map((b) => b.toString('utf8')).find((s) => s.includes('approval_created'))!;
    expect(frame).toMatch(/^id: [A-Za-z0-9_.:-]+\nevent: approval_created\ndata: \{[^\n]*\}\n\n$/);
    for (const chunk of c.chunks) expect(chunk.includes(0x0d)).toBe(false);
  });

  it('sends every event as exactly one HTTP chunk on the wire (one write per event)', async () => {
    const { hostname: host, port } = new URL(base);
    const sock = connect(Number(port), host);
    let raw = Buffer.alloc(0);
    let headersIn: () => void = () => undefined;
    const headers = new Promise<void>((r) => (headersIn = r));
    sock.on('data', (d: Buffer) => {
      raw = Buffer.concat([raw, d]);
      if (raw.includes('\r\n\r\n')) headersIn();
    });
    await new Promise((r) => sock.once('connect', r));
    sock.write(
      `GET /api/v1/stream?env=production HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${key}\r\nX-Edictum-Agent-Id: wire-agent\r\n\r\n`,
    );
    // Registered once its headers are out: everything published from here on reaches it.
    await headers;
    const c = track(await agentStream(base, key, { env: 'production' }, 'wire-witness'));
    for (let i = 0; i < 3; i++) {
      await t.ctx.publish.agents(
        admin.tenantId,
        'approval_created',
        { approval_id: `w${i}`, agent_id: 'x', tool_name: 't', message: 'x'.repeat(100 * i) },
        { env: 'production' },
      );
    }
    await c.waitFor((e) => e.event === 'approval_created' && data(e).approval_id === 'w2');
    await c.waitForChunk((s) => s === ': keepalive\n\n', WAIT_MS, 'keepalive');
    sock.destroy();
    const text = raw.toString('latin1');
    const head = text.indexOf('\r\n\r\n');
    expect(text.slice(0, head)).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text.slice(0, head).toLowerCase()).toContain('transfer-encoding: chunked');
    // Walk the chunked body: every chunk is one whole event or one keepalive, never a fragment.
    let at = head + 4;
    const chunks: string[] = [];
    while (at < text.length) {
      const eol = text.indexOf('\r\n', at);
      if (eol < 0) break;
      const size = parseInt(text.slice(at, eol), 16);
      if (eol + 2 + size + 2 > text.length) break;
      chunks.push(Buffer.from(text.slice(eol + 2, eol + 2 + size), 'latin1').toString('utf8'));
      at = eol + 2 + size + 2;
    }
    expect(chunks.filter((ch) => ch.includes('approval_created'))).toHaveLength(3);
    for (const ch of chunks) expect(ch).toMatch(/^(: (connected|keepalive)\n\n|id: [^\n]+\nevent: [a-z_]+\ndata: [^\n]+\n\n)$/);
  });

  it('upserts the registration on connect (env, policy_version, last_seen_at)', async () => {
    const c = track(await agentStream(base, key, { env: 'production', policy_version: 'abc123' }, 'reg-agent.1'));
    expect(c.status).toBe(200);
    const list = (await t.request({ url: '/api/v1/agent-registrations', cookie: admin.cookie })).json() as {
      agent_id: string;
      last_seen_at: string | null;
    }[];
    const reg = list.find((r) => r.agent_id === 'reg-agent.1');
    expect(reg?.last_seen_at).not.toBeNull();
  });

  it("uses 'unknown' as the agent id when the header is absent", async () => {
    const c = track(await agentStream(base, key, { env: 'production' }, null));
    expect(c.status).toBe(200);
    const status = (await t.request({ url: '/api/v1/agents/status', cookie: admin.cookie })).json() as {
      agents: { agent_id: string }[];
    };
    expect(status.agents.map((a) => a.agent_id)).toContain('unknown');
  });

  describe('push on connect (decision 4)', () => {
    let revision: string;
    beforeAll(async () => {
      ({ revision } = await uploadAndDeploy(t, admin.cookie, 'poc-bundle', 'production', 'first'));
    });

    it('sends the deployed bundle at once to an agent that reports no policy_version', async () => {
      const c = track(await agentStream(base, key, { env: 'production', bundle_name: 'poc-bundle' }, 'poc-1'));
      const e = await c.waitFor((ev) => ev.event === 'contract_update');
      const d = data(e);
      expect(d).toMatchObject({ type: 'contract_update', bundle_name: 'poc-bundle', revision_hash: revision });
      expect(Buffer.from(d.yaml_bytes as string, 'base64').toString('utf8')).toContain('no secrets (first)');
      expect(typeof d.signature).toBe('string');
    });

    it('sends it to an agent that reports another revision', async () => {
      const c = track(
        await agentStream(base, key, { env: 'production', bundle_name: 'poc-bundle', policy_version: 'f'.repeat(64) }, 'poc-2'),
      );
      expect(data(await c.waitFor((ev) => ev.event === 'contract_update')).revision_hash).toBe(revision);
    });

    it('sends nothing to an agent already on the deployed revision', async () => {
      const c = track(
        await agentStream(base, key, { env: 'production', bundle_name: 'poc-bundle', policy_version: revision }, 'poc-3'),
      );
      await marker(t, admin.tenantId, c, 'production', 'poc-3');
      expect(c.sdkEvents.map((e) => e.event)).toEqual(['approval_created']);
    });

    it('sends nothing for a bundle not deployed in the connection env', async () => {
      const stagingKey = await t.apiKey(admin.cookie, 'staging');
      const c = track(await agentStream(base, stagingKey, { env: 'staging', bundle_name: 'poc-bundle' }, 'poc-4'));
      await marker(t, admin.tenantId, c, 'staging', 'poc-4');
      expect(c.sdkEvents.map((e) => e.event)).toEqual(['approval_created']);
    });
  });
});

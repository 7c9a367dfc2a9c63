import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, TestApp } from '../helpers/test-app.js';
import { agentStream, createStreamApp, data, marker, uploadAndDeploy } from '../helpers/stream-kit.js';
import type { SseClient } from '../helpers/sse-client.js';
import { postEvents, tsEvent } from '../helpers/events-fixtures.js';
import { verifyLikePythonSdk, verifyLikeTsSdk, yamlBytesOf } from './bundles-helpers.js';

const ROTATE = '/api/v1/settings/rotate-signing-key';
type Status = { agents: { agent_id: string; status: string; policy_version: string | null }[] };
type Fleet = { agents: { agent_id: string; drift_status: string }[]; fleet_summary: { with_drift: number } };

/** Poll a read until `pred` holds (a condition with a bounded deadline, never a fixed sleep). */
async function until<T>(read: () => Promise<T>, pred: (v: T) => boolean, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (pred(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('key rotation reaches connected agents; drift has one definition', () => {
  let t: TestApp;
  let base: string;
  let admin: Principal;
  let key: string;
  const open: SseClient[] = [];
  const track = (c: SseClient) => (open.push(c), c);
  const status = async () => (await t.request({ url: '/api/v1/agents/status', cookie: admin.cookie })).json() as Status;
  const fleet = async () => (await t.request({ url: '/api/v1/agents/fleet-coverage', cookie: admin.cookie })).json() as Fleet;

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

  it('a rotation pushes the re-signed current bundle with the new public key to a connected agent at once', async () => {
    const { revision } = await uploadAndDeploy(t, admin.cookie, 'rot-b', 'production', 'one');
    // The agent runs the current revision: nothing is pushed on connect.
    const agent = track(await agentStream(base, key, { env: 'production', bundle_name: 'rot-b', policy_version: revision }, 'rot-agent'));
    const other = track(await agentStream(base, key, { env: 'production', bundle_name: 'not-deployed' }, 'rot-other'));
    await marker(t, admin.tenantId, agent, 'production', 'rot-agent');
    expect(agent.sdkEvents.filter((e) => e.event === 'contract_update')).toHaveLength(0);

    const res = await t.request({ method: 'POST', url: ROTATE, cookie: admin.cookie });
    expect(res.statusCode).toBe(201);
    const rotated = res.json() as { public_key: string; deployments_re_signed: number };
    expect(rotated.deployments_re_signed).toBe(1);

    const push = data(await agent.waitFor((e) => e.event === 'contract_update', 20_000));
    expect(push).toMatchObject({ bundle_name: 'rot-b', revision_hash: revision, public_key: rotated.public_key });
    const bytes = yamlBytesOf(push as { yaml_bytes: string });
    expect(verifyLikeTsSdk(bytes, push.signature as string, rotated.public_key)).toBe(true);
    expect(verifyLikePythonSdk(bytes, push.signature as string, rotated.public_key)).toBe(true);
    // An agent on another bundle is not sent someone else's bundle.
    await marker(t, admin.tenantId, other, 'production', 'rot-other');
    expect(other.sdkEvents.filter((e) => e.event === 'contract_update')).toHaveLength(0);
  });

  it('pushes to every env a re-signed bundle is current in, counting the bundle version once', async () => {
    const staging = await t.request({ method: 'POST', url: '/api/v1/bundles/rot-b/1/deploy', cookie: admin.cookie, payload: { env: 'staging' } });
    expect(staging.statusCode).toBe(201);
    const stagingKey = await t.apiKey(admin.cookie, 'staging');
    const revision = (data((await open[0]!.waitFor((e) => e.event === 'contract_update'))) as { revision_hash: string }).revision_hash;
    const agent = track(await agentStream(base, stagingKey, { env: 'staging', bundle_name: 'rot-b', policy_version: revision }, 'rot-staging'));
    await marker(t, admin.tenantId, agent, 'staging', 'rot-staging');
    const rotated = (await t.request({ method: 'POST', url: ROTATE, cookie: admin.cookie })).json() as { public_key: string; deployments_re_signed: number };
    expect(rotated.deployments_re_signed).toBe(1);
    const push = data(await agent.waitFor((e) => e.event === 'contract_update', 20_000));
    expect(push).toMatchObject({ bundle_name: 'rot-b', public_key: rotated.public_key });
  });

  it('a connected agent that was sent the deployed revision is current in /agents/status and in fleet coverage alike', async () => {
    const { revision } = await uploadAndDeploy(t, admin.cookie, 'drift-b', 'production', 'one');
    // Its newest event still reports an older revision: the live connection speaks for it.
    const posted = await postEvents(t, key, {
      events: [tsEvent({ agent_id: 'drift-agent', payload: { ...tsEvent().payload, policy_version: 'b'.repeat(64), bundle_name: 'drift-b' } })],
    });
    expect(posted.statusCode).toBe(200);
    const agent = track(await agentStream(base, key, { env: 'production', bundle_name: 'drift-b', policy_version: 'f'.repeat(64) }, 'drift-agent'));
    expect(data(await agent.waitFor((e) => e.event === 'contract_update', 20_000)).revision_hash).toBe(revision);

    const s = await until(status, (v) => v.agents.some((a) => a.agent_id === 'drift-agent' && a.status === 'current'), 'status current');
    expect(s.agents.find((a) => a.agent_id === 'drift-agent')?.policy_version).toBe(revision);
    const f = await fleet();
    expect(f.agents.find((a) => a.agent_id === 'drift-agent')?.drift_status).toBe('current');
    expect(f.fleet_summary.with_drift).toBe(f.agents.filter((a) => a.drift_status === 'drift').length);

    // Offline, the newest event speaks: it reports another revision, so that is drift.
    agent.close();
    await until(status, (v) => !v.agents.some((a) => a.agent_id === 'drift-agent'), 'agent gone from live status');
    const offline = await fleet();
    expect(offline.agents.find((a) => a.agent_id === 'drift-agent')?.drift_status).toBe('drift');
    expect(offline.fleet_summary.with_drift).toBeGreaterThanOrEqual(1);
  });
});

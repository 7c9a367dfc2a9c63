import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, TestApp } from '../helpers/test-app.js';
import { agentStream, createStreamApp, bundleYaml } from '../helpers/stream-kit.js';
import { openSdkStream, type SdkStream } from '../helpers/sdk-v2-parsers.js';
import type { SseClient } from '../helpers/sse-client.js';
import { WAIT_MS } from '../helpers/wait.js';

/**
 * Drift across SDK generations (decision 16): a current-generation agent runs the Ruleset
 * rendering and reports ITS hash; that is the same deployment, never drift.
 */
describe('drift understands both renderings of a deployment', () => {
  let t: TestApp;
  let base: string;
  let admin: Principal;
  let key: string;
  const streams: (SdkStream | SseClient)[] = [];

  beforeAll(async () => {
    t = await createStreamApp();
    base = await t.listen();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await t?.close();
  });

  async function statuses(): Promise<Map<string, { status: string; policy_version: string | null }>> {
    const res = await t.request({ url: '/api/v1/agents/status', cookie: admin.cookie });
    expect(res.statusCode, res.body).toBe(200);
    const agents = (res.json() as { agents: { agent_id: string; status: string; policy_version: string | null }[] }).agents;
    return new Map(agents.map((a) => [a.agent_id, a]));
  }

  async function until(ok: (m: Map<string, { status: string; policy_version: string | null }>) => boolean) {
    const deadline = Date.now() + WAIT_MS;
    let seen = await statuses();
    while (!ok(seen) && Date.now() < deadline) {
      await new Promise((r) => setImmediate(r));
      seen = await statuses();
    }
    return seen;
  }

  it('an old agent on the ContractBundle hash and a new one on the Ruleset hash are both current', async () => {
    const up = await t.request({ method: 'POST', url: '/api/v1/bundles', cookie: admin.cookie, payload: { yaml_content: bundleYaml('gen-drift', 'g1') } });
    expect(up.statusCode, up.body).toBe(201);
    const b = up.json() as { version: number; revision_hash: string; ruleset_revision_hash: string };
    expect(b.ruleset_revision_hash).not.toBe(b.revision_hash);
    const dep = await t.request({ method: 'POST', url: `/api/v1/bundles/gen-drift/${b.version}/deploy`, cookie: admin.cookie, payload: { env: 'production' } });
    expect(dep.statusCode, dep.body).toBe(201);

    streams.push(await agentStream(base, key, { env: 'production', bundle_name: 'gen-drift', policy_version: b.revision_hash }, 'old-agent'));
    const py = await openSdkStream(base, 'py', key, 'new-agent', { env: 'production', bundle_name: 'gen-drift', policy_version: b.ruleset_revision_hash });
    streams.push(py);

    // Registration is written as the stream opens; poll the API (bounded) until both are listed.
    let seen = await until((m) => m.has('old-agent') && m.has('new-agent'));
    expect(seen.get('old-agent')).toMatchObject({ status: 'current', policy_version: b.revision_hash });
    expect(seen.get('new-agent')?.status).toBe('current');

    // A deploy reaches the new agent as its Ruleset rendering; the live row then records the
    // revision delivered on that stream (the Ruleset hash), which is still the current deployment.
    const up2 = await t.request({ method: 'POST', url: '/api/v1/bundles', cookie: admin.cookie, payload: { yaml_content: bundleYaml('gen-drift', 'g2') } });
    const b2 = up2.json() as { version: number; revision_hash: string; ruleset_revision_hash: string };
    await t.request({ method: 'POST', url: `/api/v1/bundles/gen-drift/${b2.version}/deploy`, cookie: admin.cookie, payload: { env: 'production' } });
    await py.waitFor((e) => e.event === 'contract_update' && e.data.includes(b2.ruleset_revision_hash));
    seen = await until((m) => [b2.revision_hash, b2.ruleset_revision_hash].includes(m.get('new-agent')?.policy_version ?? ''));
    expect(seen.get('new-agent')?.status).toBe('current');
    expect(seen.get('old-agent')?.status).toMatch(/^(current|drift)$/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, TestApp } from '../helpers/test-app.js';
import { bundleYaml, createStreamApp } from '../helpers/stream-kit.js';
import { currentUrl, loadedBytes, openSdkStream, verifiesAs, type Sdk, type SdkStream } from '../helpers/sdk-v2-parsers.js';

/**
 * Issue 11: an old and a new agent of each language run against one deploy, and every one of
 * them holds a bundle it can verify and load within 1 s of the deploy answering (a bounded
 * wait: the test fails if any agent has not got there by then; it does not time anything).
 */
interface Agent {
  name: string;
  sdk: Sdk;
  generation: 'old' | 'new';
  stream: SdkStream;
}

describe('old and new agents of each language on one deploy', () => {
  let t: TestApp;
  let base: string;
  let admin: Principal;
  let key: string;
  let publicKey: string;
  const agents: Agent[] = [];

  beforeAll(async () => {
    t = await createStreamApp();
    base = await t.listen();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
    publicKey = ((await t.request({ method: 'GET', url: '/api/v1/settings/signing-key', cookie: admin.cookie })).json() as { public_key: string }).public_key;
  });
  afterAll(async () => {
    for (const a of agents) a.stream.close();
    await t?.close();
  });

  /** What the agent ends up loading after the deploy, verified as its SDK verifies. */
  async function loaded(a: Agent, version: number): Promise<string> {
    if (a.sdk === 'ts' && a.generation === 'new') {
      // TS hears `ruleset_updated`, then re-fetches /current and verifies that answer.
      await a.stream.waitFor((e) => e.event === 'ruleset_updated' && (JSON.parse(e.data) as { version: number }).version === version, 1_000, 'ruleset_updated');
      const r = await t.request({ method: 'GET', url: currentUrl('ts', 'fleet-mix', 'production'), apiKey: key, agentId: a.name });
      const body = r.json() as { yaml: string; yaml_bytes: string; signature: string };
      const bytes = loadedBytes('ts', body);
      expect(verifiesAs('ts', bytes, body.signature, publicKey), a.name).toBe(true);
      return new TextDecoder().decode(bytes);
    }
    const e = await a.stream.waitFor((x) => x.event === 'contract_update' && (JSON.parse(x.data) as { version: number }).version === version, 1_000, `${a.name} contract_update`);
    const d = JSON.parse(e.data) as { yaml_bytes: string; signature: string };
    const bytes = new Uint8Array(Buffer.from(d.yaml_bytes, 'base64'));
    expect(verifiesAs(a.sdk, bytes, d.signature, publicKey), a.name).toBe(true);
    return new TextDecoder().decode(bytes);
  }

  it('every agent gets a verifiable bundle of its own format within 1 s', async () => {
    const up = await t.request({ method: 'POST', url: '/api/v1/bundles', cookie: admin.cookie, payload: { yaml_content: bundleYaml('fleet-mix', 'one') } });
    expect(up.statusCode, up.body).toBe(201);
    const version = (up.json() as { version: number }).version;
    const q = { env: 'production', bundle_name: 'fleet-mix' };
    for (const sdk of ['py', 'ts', 'go'] as Sdk[]) {
      agents.push({ name: `new-${sdk}`, sdk, generation: 'new', stream: await openSdkStream(base, sdk, key, `new-${sdk}`, q) });
    }
    // The pre-rename generation had Python and TypeScript SDKs.
    for (const sdk of ['py', 'ts'] as Sdk[]) {
      agents.push({ name: `old-${sdk}`, sdk, generation: 'old', stream: await openSdkStream(base, sdk, key, `old-${sdk}`, q, '/api/v1/stream') });
    }
    for (const a of agents) expect(a.stream.status, a.name).toBe(200);
    const dep = await t.request({ method: 'POST', url: `/api/v1/bundles/fleet-mix/${version}/deploy`, cookie: admin.cookie, payload: { env: 'production' } });
    expect(dep.statusCode, dep.body).toBe(201);
    const texts = await Promise.all(agents.map((a) => loaded(a, version)));
    agents.forEach((a, i) => {
      expect(texts[i], a.name).toMatch(a.generation === 'new' ? /^kind: Ruleset$/m : /^kind: ContractBundle$/m);
    });
  });
});

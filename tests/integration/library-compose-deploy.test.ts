import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Principal, TestApp } from '../helpers/test-app.js';
import { createStreamApp, dashboardStream } from '../helpers/stream-kit.js';
import { WAIT_MS } from '../helpers/wait.js';
import { currentUrl, loadedBytes, openSdkStream, verifiesAs, type Sdk, type SdkStream } from '../helpers/sdk-v2-parsers.js';
import { createComposition, createContract, preDefinition } from '../routes/library-helpers.js';

/**
 * Issue 13 end to end over real sockets: a template goes into the library, a composition is made
 * from it with one contract in observe mode, deployed, and agents of both SDK generations receive a
 * bundle they verify with the tenant's key, exactly as after an upload. Then a contract used by an
 * `auto_deploy` composition is edited and the agents receive the new version without a deploy.
 */
interface Agent {
  name: string;
  sdk: Sdk;
  generation: 'old' | 'new';
  stream: SdkStream;
}

describe('compose, deploy, and agents receive it', () => {
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
    publicKey = ((await t.request({ url: '/api/v1/settings/signing-key', cookie: admin.cookie })).json() as { public_key: string }).public_key;
  });
  afterAll(async () => {
    for (const a of agents) a.stream.close();
    await t?.close();
  });

  /** The bundle text the agent holds after `version` arrived, verified the way its SDK verifies. */
  async function received(a: Agent, name: string, version: number): Promise<string> {
    if (a.sdk === 'ts' && a.generation === 'new') {
      await a.stream.waitFor((e) => e.event === 'ruleset_updated' && (JSON.parse(e.data) as { version: number }).version === version, WAIT_MS, 'ruleset_updated');
      const r = await t.request({ url: currentUrl('ts', name, 'production'), apiKey: key, agentId: a.name });
      const body = r.json() as { yaml: string; yaml_bytes: string; signature: string };
      const bytes = loadedBytes('ts', body);
      expect(verifiesAs('ts', bytes, body.signature, publicKey), a.name).toBe(true);
      return new TextDecoder().decode(bytes);
    }
    const e = await a.stream.waitFor((x) => x.event === 'contract_update' && (JSON.parse(x.data) as { version: number }).version === version, WAIT_MS, `${a.name} contract_update v${version}`);
    const d = JSON.parse(e.data) as { yaml_bytes: string; signature: string };
    const bytes = new Uint8Array(Buffer.from(d.yaml_bytes, 'base64'));
    expect(verifiesAs(a.sdk, bytes, d.signature, publicKey), a.name).toBe(true);
    return new TextDecoder().decode(bytes);
  }

  it('a composition deploy reaches old and new agents of each language as a signed bundle', async () => {
    const added = await t.request({ method: 'POST', url: '/api/v1/contract-templates/production-baseline/add', cookie: admin.cookie, payload: { create_composition: false } });
    expect(added.statusCode, added.body).toBe(201);
    await createComposition(t, admin.cookie, 'fleet-baseline', [
      { contract_id: 'no-secrets-in-args' },
      { contract_id: 'no-production-deletes', mode_override: 'observe' },
      { contract_id: 'session-rate-limits' },
    ]);
    const preview = (await t.request({ method: 'POST', url: '/api/v1/compositions/fleet-baseline/preview', cookie: admin.cookie })).json() as { yaml_content: string; revision_hash: string };
    const q = { env: 'production', bundle_name: 'fleet-baseline' };
    for (const sdk of ['py', 'ts'] as Sdk[]) {
      agents.push({ name: `new-${sdk}`, sdk, generation: 'new', stream: await openSdkStream(base, sdk, key, `new-${sdk}`, q) });
      agents.push({ name: `old-${sdk}`, sdk, generation: 'old', stream: await openSdkStream(base, sdk, key, `old-${sdk}`, q, '/api/v1/stream') });
    }
    for (const a of agents) expect(a.stream.status, a.name).toBe(200);
    const dep = await t.request({ method: 'POST', url: '/api/v1/compositions/fleet-baseline/deploy', cookie: admin.cookie, payload: { env: 'production' } });
    expect(dep.statusCode, dep.body).toBe(201);
    expect(dep.json()).toMatchObject({ bundle_version: 1, revision_hash: preview.revision_hash });
    const texts = await Promise.all(agents.map((a) => received(a, 'fleet-baseline', 1)));
    agents.forEach((a, i) => {
      if (a.generation === 'old') expect(texts[i], a.name).toBe(preview.yaml_content);
      else expect(texts[i], a.name).toMatch(/^kind: Ruleset$/m);
    });
    const doc = parse(texts[agents.findIndex((a) => a.name === 'old-py')]!) as { contracts: { id: string; mode: string }[] };
    expect(doc.contracts.find((c) => c.id === 'no-production-deletes')?.mode).toBe('observe');
  });

  it('open dashboards hear contract_created, contract_updated and composition_changed', async () => {
    const dash = await dashboardStream(base, admin.cookie);
    try {
      await createContract(t, admin.cookie, 'live-c', { tool: 'live_tool' });
      await t.request({ method: 'PUT', url: '/api/v1/contracts/live-c', cookie: admin.cookie, payload: { tags: ['live'] } });
      await createComposition(t, admin.cookie, 'live-comp', [{ contract_id: 'live-c' }]);
      const seen = async (type: string, pred: (d: Record<string, unknown>) => boolean) =>
        JSON.parse((await dash.waitFor((e) => e.event === type && pred(JSON.parse(e.data) as Record<string, unknown>), WAIT_MS)).data) as Record<string, unknown>;
      expect(await seen('contract_created', (d) => d.contract_id === 'live-c')).toMatchObject({ type: 'contract_created', version: 1 });
      expect(await seen('contract_updated', (d) => d.contract_id === 'live-c')).toMatchObject({ version: 2 });
      expect(await seen('composition_changed', (d) => d.composition_name === 'live-comp')).toMatchObject({ type: 'composition_changed' });
    } finally {
      dash.close();
    }
  });

  it('editing a contract of an auto_deploy composition pushes the new version to its agents', async () => {
    await t.request({ method: 'PUT', url: '/api/v1/compositions/fleet-baseline', cookie: admin.cookie, payload: {
      update_strategy: 'auto_deploy',
      contracts: [
        { contract_id: 'no-secrets-in-args', position: 10, follow_latest: true },
        { contract_id: 'no-production-deletes', position: 20, mode_override: 'observe' },
        { contract_id: 'session-rate-limits', position: 30 },
      ],
    } });
    const edit = await t.request({
      method: 'PUT',
      url: '/api/v1/contracts/no-secrets-in-args',
      cookie: admin.cookie,
      payload: { definition: { ...preDefinition('edited', '*'), when: { 'args.command': { contains: 'BEGIN PRIVATE KEY' } } } },
    });
    expect(edit.statusCode, edit.body).toBe(200);
    const texts = await Promise.all(agents.map((a) => received(a, 'fleet-baseline', 2)));
    for (const [i, a] of agents.entries()) expect(texts[i], a.name).toContain('no secrets (edited)');
  });
});

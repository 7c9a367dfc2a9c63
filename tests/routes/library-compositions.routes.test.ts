import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { current, watchBus } from './bundles-helpers.js';
import { createComposition, createContract, preDefinition } from './library-helpers.js';

interface Problem {
  loc: (string | number)[];
  msg: string;
}
type Json = Record<string, unknown>;

/** Compositions (console-api.md 1.16): ordered items, preview, deploy as an ordinary bundle, strategies, diff. */
describe('compositions', () => {
  let t: TestApp;
  let a: Principal;

  beforeAll(async () => {
    t = await createTestApp();
    a = await t.admin();
    await createContract(t, a.cookie, 'env-files', { marker: 'env', tool: 'read_file' });
    await createContract(t, a.cookie, 'shell-guard', { marker: 'shell', tool: 'run_shell' });
    await createContract(t, a.cookie, 'web-guard', { marker: 'web', tool: 'fetch' });
  });
  afterAll(async () => t?.close());

  const get = async (name: string) => (await t.request({ url: `/api/v1/compositions/${name}`, cookie: a.cookie })).json() as Json & { contracts: Json[] };
  const preview = async (name: string) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/compositions/${name}/preview`, cookie: a.cookie });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { yaml_content: string; contracts_count: number; validation_errors: string[]; revision_hash: string };
  };

  it('refuses members and API keys on every composition route', async () => {
    const member = await t.member();
    const key = await t.apiKey(a.cookie);
    expect((await t.request({ url: '/api/v1/compositions', cookie: member.cookie })).statusCode).toBe(403);
    expect((await t.request({ url: '/api/v1/compositions', apiKey: key })).statusCode).toBe(403);
    expect((await t.request({ method: 'POST', url: '/api/v1/compositions/x/deploy', cookie: member.cookie, payload: { env: 'production' } })).statusCode).toBe(403);
    expect((await t.request({ url: '/api/v1/compositions' })).statusCode).toBe(401);
  });

  it('creates with the reference shape, pins the latest versions and pushes composition_changed', async () => {
    const bus = watchBus(t);
    const c = await createComposition(t, a.cookie, 'shape-comp', [{ contract_id: 'shell-guard', position: 20 }, { contract_id: 'env-files', position: 10, mode_override: 'observe' }], { description: 'd' });
    expect(Object.keys(c).sort()).toEqual(
      ['contract_count', 'contracts', 'created_by', 'defaults_mode', 'deployments', 'description', 'id', 'name', 'observability', 'tenant_id', 'tools_config', 'update_available', 'update_strategy', 'updated_at'].sort(),
    );
    expect(c).toMatchObject({ name: 'shape-comp', defaults_mode: 'enforce', update_strategy: 'manual', contract_count: 2, update_available: false, deployments: [] });
    expect((c.contracts as Json[]).map((i) => [i.contract_id, i.position, i.mode_override, i.contract_version, i.has_newer_version])).toEqual([
      ['env-files', 10, 'observe', 1, false],
      ['shell-guard', 20, null, 1, false],
    ]);
    expect((await bus.next((m) => m.type === 'composition_changed' && m.data.composition_name === 'shape-comp')).tenantId).toBe(a.tenantId);
    bus.stop();
    const dup = await t.request({ method: 'POST', url: '/api/v1/compositions', cookie: a.cookie, payload: { name: 'shape-comp' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toEqual({ detail: "Composition 'shape-comp' already exists." });
    const list = (await t.request({ url: '/api/v1/compositions', cookie: a.cookie })).json() as Json[];
    expect(list[0]).toMatchObject({ name: 'shape-comp', contract_count: 2 });
  });

  it('names the item for an unknown contract, a duplicate, or an unknown pinned version; writes nothing', async () => {
    const unknown = await t.request({ method: 'POST', url: '/api/v1/compositions', cookie: a.cookie, payload: { name: 'bad-items', contracts: [{ contract_id: 'env-files', position: 1 }, { contract_id: 'ghost', position: 2 }] } });
    expect(unknown.statusCode).toBe(422);
    expect((unknown.json() as { detail: Problem[] }).detail[0]).toEqual({ loc: ['body', 'contracts', 1, 'contract_id'], msg: "Contract 'ghost' not found" });
    const twice = await t.request({ method: 'POST', url: '/api/v1/compositions', cookie: a.cookie, payload: { name: 'bad-items', contracts: [{ contract_id: 'env-files', position: 1 }, { contract_id: 'env-files', position: 2 }] } });
    expect((twice.json() as { detail: Problem[] }).detail[0]!.loc).toEqual(['body', 'contracts', 1, 'contract_id']);
    const pinned = await t.request({ method: 'POST', url: '/api/v1/compositions', cookie: a.cookie, payload: { name: 'bad-items', contracts: [{ contract_id: 'env-files', position: 1, version: 7 }] } });
    expect((pinned.json() as { detail: Problem[] }).detail[0]!.loc).toEqual(['body', 'contracts', 0, 'version']);
    const badName = await t.request({ method: 'POST', url: '/api/v1/compositions', cookie: a.cookie, payload: { name: 'Bad Name' } });
    expect((badName.json() as { detail: Problem[] }).detail[0]!.loc).toEqual(['body', 'name']);
    const tooMany = await t.request({ method: 'POST', url: '/api/v1/compositions', cookie: a.cookie, payload: { name: 'many', contracts: Array.from({ length: 101 }, (_, i) => ({ contract_id: `c${i}`, position: i })) } });
    expect((tooMany.json() as { detail: Problem[] }).detail[0]!.loc).toEqual(['body', 'contracts']);
    expect((await t.request({ url: '/api/v1/compositions/bad-items', cookie: a.cookie })).statusCode).toBe(404);
  });

  it('previews the assembled edictum/v1 YAML in order, with overrides, validated, and its revision hash', async () => {
    await createComposition(t, a.cookie, 'preview-comp', [
      { contract_id: 'web-guard', position: 30 },
      { contract_id: 'env-files', position: 10, mode_override: 'observe' },
      { contract_id: 'shell-guard', position: 20 },
    ], { tools_config: { read_file: { side_effect: 'read' } } });
    await t.request({ method: 'PUT', url: '/api/v1/compositions/preview-comp', cookie: a.cookie, payload: { contracts: [
      { contract_id: 'web-guard', position: 30, enabled: false },
      { contract_id: 'env-files', position: 10, mode_override: 'observe' },
      { contract_id: 'shell-guard', position: 20 },
    ] } });
    const p = await preview('preview-comp');
    expect(p.validation_errors).toEqual([]);
    expect(p.contracts_count).toBe(2);
    expect(p.revision_hash).toBe(createHash('sha256').update(Buffer.from(p.yaml_content, 'utf8')).digest('hex'));
    const doc = parse(p.yaml_content) as Json & { contracts: Json[] };
    expect(Object.keys(doc)).toEqual(['apiVersion', 'kind', 'metadata', 'defaults', 'contracts', 'tools']);
    expect(doc).toMatchObject({ apiVersion: 'edictum/v1', kind: 'ContractBundle', metadata: { name: 'preview-comp' }, defaults: { mode: 'enforce' } });
    expect(doc.contracts.map((c) => [c.id, c.mode])).toEqual([
      ['env-files', 'observe'],
      ['shell-guard', 'enforce'],
    ]);
    expect(doc.contracts[0]).toMatchObject({ type: 'pre', tool: 'read_file', then: { effect: 'deny' } });
    // The same content previews to the same bytes.
    expect((await preview('preview-comp')).revision_hash).toBe(p.revision_hash);
    const empty = await createComposition(t, a.cookie, 'empty-comp', []);
    expect(empty.contract_count).toBe(0);
    expect((await preview('empty-comp')).validation_errors).toEqual(['contracts: Composition has no enabled contracts']);
    const dep = await t.request({ method: 'POST', url: '/api/v1/compositions/empty-comp/deploy', cookie: a.cookie, payload: { env: 'production' } });
    expect(dep.statusCode).toBe(422);
    expect(dep.json()).toEqual({ detail: 'Composition has no enabled contracts' });
  });

  it('deploys as an ordinary signed bundle version and pushes contract_update like an upload', async () => {
    await createComposition(t, a.cookie, 'deploy-comp', [{ contract_id: 'env-files' }, { contract_id: 'shell-guard', mode_override: 'observe' }]);
    const p = await preview('deploy-comp');
    const bus = watchBus(t);
    const res = await t.request({ method: 'POST', url: '/api/v1/compositions/deploy-comp/deploy', cookie: a.cookie, payload: { env: 'staging' } });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json() as Json;
    expect(body).toMatchObject({
      bundle_name: 'deploy-comp',
      bundle_version: 1,
      revision_hash: p.revision_hash,
      contracts_assembled: [
        { contract_id: 'env-files', version: 1, mode: 'enforce', observe: false },
        { contract_id: 'shell-guard', version: 1, mode: 'observe', observe: true },
      ],
    });
    const push = await bus.next((m) => m.topic === 'agents' && m.type === 'contract_update' && m.data.bundle_name === 'deploy-comp');
    expect(push.env).toBe('staging');
    expect(push.data).toMatchObject({ version: 1, revision_hash: p.revision_hash });
    expect((await bus.next((m) => m.type === 'composition_changed' && m.data.bundle_version === 1)).data).toMatchObject({ composition_name: 'deploy-comp', env: 'staging' });
    bus.stop();
    const cur = await current(t, { cookie: a.cookie }, 'deploy-comp', 'staging');
    expect(Buffer.from(cur.yaml_bytes, 'base64').toString('utf8')).toBe(p.yaml_content);
    expect(cur.signature).toBeTruthy();
    const deps = (await t.request({ url: '/api/v1/deployments?bundle_name=deploy-comp', cookie: a.cookie })).json() as Json[];
    expect(deps[0]).toMatchObject({ id: body.deployment_id, env: 'staging', bundle_version: 1, deployed_by: a.email });
    const detail = await get('deploy-comp');
    expect(detail.deployments).toEqual([expect.objectContaining({ env: 'staging', bundle_version: 1, revision_hash: p.revision_hash })]);
    const usage = (await t.request({ url: '/api/v1/contracts/shell-guard/usage', cookie: a.cookie })).json() as Json[];
    expect(usage.find((u) => u.composition_name === 'deploy-comp')).toMatchObject({ deployed: [{ env: 'staging', bundle_name: 'deploy-comp', bundle_version: 1, contract_version: 1 }] });
  });

  it('manual strategy: an edited contract marks the composition update_available; a deploy clears it', async () => {
    await createContract(t, a.cookie, 'manual-c', { tool: 'manual_tool' });
    await createComposition(t, a.cookie, 'manual-comp', [{ contract_id: 'manual-c', follow_latest: true }]);
    await t.request({ method: 'POST', url: '/api/v1/compositions/manual-comp/deploy', cookie: a.cookie, payload: { env: 'production' } });
    const bus = watchBus(t);
    const put = await t.request({ method: 'PUT', url: '/api/v1/contracts/manual-c', cookie: a.cookie, payload: { definition: preDefinition('m2', 'manual_tool') } });
    expect(put.statusCode).toBe(200);
    await bus.next((m) => m.type === 'composition_changed' && m.data.composition_name === 'manual-comp');
    expect(bus.messages.some((m) => m.type === 'contract_update' && m.data.bundle_name === 'manual-comp')).toBe(false);
    bus.stop();
    const d = await get('manual-comp');
    expect(d.update_available).toBe(true);
    expect(d.contracts[0]).toMatchObject({ contract_version: 2, follow_latest: true, has_newer_version: false });
    const dep = await t.request({ method: 'POST', url: '/api/v1/compositions/manual-comp/deploy', cookie: a.cookie, payload: { env: 'production' } });
    expect((dep.json() as Json).contracts_assembled).toEqual([{ contract_id: 'manual-c', version: 2, mode: 'enforce', observe: false }]);
    expect((await get('manual-comp')).update_available).toBe(false);
  });

  it('a pinned item stays on its version and shows has_newer_version', async () => {
    await createContract(t, a.cookie, 'pinned-c', { tool: 'pinned_tool' });
    await createComposition(t, a.cookie, 'pinned-comp', [{ contract_id: 'pinned-c' }]);
    await t.request({ method: 'PUT', url: '/api/v1/contracts/pinned-c', cookie: a.cookie, payload: { definition: preDefinition('p2', 'pinned_tool') } });
    const d = await get('pinned-comp');
    expect(d.contracts[0]).toMatchObject({ contract_version: 1, latest_version: 2, has_newer_version: true });
    expect(d.update_available).toBe(true);
    const repinned = await t.request({ method: 'PUT', url: '/api/v1/compositions/pinned-comp', cookie: a.cookie, payload: { contracts: [{ contract_id: 'pinned-c', position: 10, version: 2 }] } });
    expect(((repinned.json() as Json).contracts as Json[])[0]).toMatchObject({ contract_version: 2, has_newer_version: false });
  });

  it('auto_deploy: editing a used contract re-deploys wherever the composition runs', async () => {
    await createContract(t, a.cookie, 'auto-c', { tool: 'auto_tool' });
    await createComposition(t, a.cookie, 'auto-comp', [{ contract_id: 'auto-c', follow_latest: true }], { update_strategy: 'auto_deploy' });
    await t.request({ method: 'POST', url: '/api/v1/compositions/auto-comp/deploy', cookie: a.cookie, payload: { env: 'production' } });
    const bus = watchBus(t);
    await t.request({ method: 'PUT', url: '/api/v1/contracts/auto-c', cookie: a.cookie, payload: { definition: preDefinition('auto2', 'auto_tool') } });
    const push = await bus.next((m) => m.topic === 'agents' && m.type === 'contract_update' && m.data.bundle_name === 'auto-comp');
    expect(push.data.version).toBe(2);
    const yaml = Buffer.from(push.data.yaml_bytes as string, 'base64').toString('utf8');
    expect(yaml).toContain('no secrets (auto2)');
    bus.stop();
    expect((await get('auto-comp')).update_available).toBe(false);
    const deps = (await t.request({ url: '/api/v1/deployments?bundle_name=auto-comp', cookie: a.cookie })).json() as Json[];
    expect(deps[0]).toMatchObject({ bundle_version: 2, deployed_by: `${a.email} (auto_deploy)` });
  });

  it('observe_first: a changed contract ships in observe mode beside the old one; promote flips it', async () => {
    await createContract(t, a.cookie, 'obs-c', { tool: 'obs_tool' });
    await createComposition(t, a.cookie, 'obs-comp', [{ contract_id: 'obs-c', follow_latest: true }], { update_strategy: 'observe_first' });
    await t.request({ method: 'POST', url: '/api/v1/compositions/obs-comp/deploy', cookie: a.cookie, payload: { env: 'production' } });
    const bus = watchBus(t);
    await t.request({ method: 'PUT', url: '/api/v1/contracts/obs-c', cookie: a.cookie, payload: { definition: preDefinition('obs2', 'obs_tool') } });
    const push = await bus.next((m) => m.topic === 'agents' && m.type === 'contract_update' && m.data.bundle_name === 'obs-comp' && m.data.version === 2);
    const doc = parse(Buffer.from(push.data.yaml_bytes as string, 'base64').toString('utf8')) as { contracts: Json[] };
    expect(doc.contracts.map((c) => [c.id, c.mode, (c.then as Json).message])).toEqual([
      ['obs-c', 'enforce', 'no secrets (v1)'],
      ['obs-c-observe', 'observe', 'no secrets (obs2)'],
    ]);
    expect((await get('obs-comp')).contracts[0]).toMatchObject({ contract_version: 2, observe_from_version: 1 });
    const diff = await t.request({ method: 'POST', url: '/api/v1/compositions/obs-comp/diff', cookie: a.cookie, payload: { to: 'promoted', env: 'production', impact_days: 0 } });
    expect(diff.statusCode, diff.body).toBe(200);
    expect(diff.json()).toMatchObject({ removed: [{ contract_id: 'obs-c-observe' }], changed: [{ contract_id: 'obs-c' }], impact: null });
    const promote = await t.request({ method: 'POST', url: '/api/v1/compositions/obs-comp/promote', cookie: a.cookie, payload: {} });
    expect(promote.statusCode, promote.body).toBe(200);
    expect(promote.json()).toMatchObject({ promoted: ['obs-c'], deployments: [{ env: 'production', bundle_version: 3, contracts_assembled: [{ contract_id: 'obs-c', version: 2, mode: 'enforce', observe: false }] }] });
    await bus.next((m) => m.topic === 'agents' && m.type === 'contract_update' && m.data.bundle_name === 'obs-comp' && m.data.version === 3);
    bus.stop();
    const again = await t.request({ method: 'POST', url: '/api/v1/compositions/obs-comp/promote', cookie: a.cookie, payload: {} });
    expect(again.statusCode).toBe(409);
  });

  it('diffs two bundle versions field by field and starts the impact replay', async () => {
    await createContract(t, a.cookie, 'diff-c', { tool: 'diff_tool' });
    await createComposition(t, a.cookie, 'diff-comp', [{ contract_id: 'diff-c', follow_latest: true }, { contract_id: 'env-files' }]);
    await t.request({ method: 'POST', url: '/api/v1/compositions/diff-comp/deploy', cookie: a.cookie, payload: { env: 'production' } });
    await t.request({ method: 'PUT', url: '/api/v1/contracts/diff-c', cookie: a.cookie, payload: { definition: preDefinition('d2', 'diff_tool') } });
    await t.request({ method: 'PUT', url: '/api/v1/compositions/diff-comp', cookie: a.cookie, payload: { contracts: [{ contract_id: 'diff-c', position: 10, follow_latest: true }, { contract_id: 'shell-guard', position: 20 }] } });
    const draft = await t.request({ method: 'POST', url: '/api/v1/compositions/diff-comp/diff', cookie: a.cookie, payload: { env: 'production', impact_days: 3 } });
    expect(draft.statusCode, draft.body).toBe(200);
    const d = draft.json() as Json & { impact: Json | null };
    expect(d).toMatchObject({
      bundle_name: 'diff-comp',
      from: { version: 1 },
      to: { label: 'draft', version: null },
      added: [{ contract_id: 'shell-guard', type: 'pre', mode: 'enforce' }],
      removed: [{ contract_id: 'env-files', type: 'pre', mode: 'enforce' }],
      changed: [{ contract_id: 'diff-c', fields: [{ path: 'then.message', from: 'no secrets (v1)', to: 'no secrets (d2)' }] }],
      unchanged: [],
      impact_error: null,
    });
    expect(d.impact).toMatchObject({ status: expect.stringMatching(/running|done/), result: null });
    const job = await t.request({ url: `/api/v1/bundles/replay/${d.impact!.id as string}`, cookie: a.cookie });
    expect(job.statusCode).toBe(200);
    await t.request({ method: 'POST', url: '/api/v1/compositions/diff-comp/deploy', cookie: a.cookie, payload: { env: 'production' } });
    const versions = await t.request({ method: 'POST', url: '/api/v1/bundles/diff-comp/diff', cookie: a.cookie, payload: { from: 1, to: 2, impact_days: 0 } });
    expect(versions.json()).toMatchObject({ from: { label: 'v1', version: 1 }, to: { label: 'v2', version: 2 }, added: [{ contract_id: 'shell-guard' }], impact: null });
    expect((await t.request({ method: 'POST', url: '/api/v1/bundles/diff-comp/diff', cookie: a.cookie, payload: { from: 1, to: 9 } })).statusCode).toBe(404);
    const badDays = await t.request({ method: 'POST', url: '/api/v1/bundles/diff-comp/diff', cookie: a.cookie, payload: { from: 1, to: 2, impact_days: 365 } });
    expect((badDays.json() as { detail: Problem[] }).detail[0]!.loc).toEqual(['body', 'impact_days']);
  });

  it('deletes a composition; its bundles stay', async () => {
    await createComposition(t, a.cookie, 'gone-comp', [{ contract_id: 'env-files' }]);
    await t.request({ method: 'POST', url: '/api/v1/compositions/gone-comp/deploy', cookie: a.cookie, payload: { env: 'production' } });
    expect((await t.request({ method: 'DELETE', url: '/api/v1/compositions/gone-comp', cookie: a.cookie })).statusCode).toBe(204);
    expect((await t.request({ url: '/api/v1/compositions/gone-comp', cookie: a.cookie })).statusCode).toBe(404);
    expect((await t.request({ url: '/api/v1/bundles/gone-comp/1', cookie: a.cookie })).statusCode).toBe(200);
    expect((await t.request({ method: 'DELETE', url: '/api/v1/compositions/gone-comp', cookie: a.cookie })).statusCode).toBe(404);
  });
});

// Rollouts: after a deploy, the rollout page follows each agent live (a straggler named with its
// reason, then activated when its next event carries the new revision), with the
// deploy-to-activation latency; the console's own leader job does the tracking.
// Canaries: started by label from the deploy dialog, shown with their slice, promoted, stopped
// and rolled back from the rollout page, each step reaching the agents' streams.
import { describe, expect, test } from 'vitest';
import { pollUntil } from '../helpers/poll.js';
import { goodBundle, SimAgent, type AgentStream } from './agent-sim.js';
import { markNoReload, testContext, trackedPage, uniqueAgentId, uniqueSuffix, useConsole, waitForLive, type TrackedPage } from './harness.js';

const s = useConsole();

const EXTRA = `  - id: no-shell
    type: pre
    tool: shell
    when:
      args.cmd: { contains: "rm -rf" }
    then:
      effect: deny
      message: "no"
`;

describe('rollouts', () => {
  test('the rollout page shows a deploy reaching its agents live: activations, latency, and a straggler by name', async () => {
    const env = `rollouts-${uniqueSuffix()}`;
    const bundle = `rollout-${uniqueSuffix()}`;
    const key = await s.admin.createKey(env);
    const fast = new SimAgent(s.server.baseUrl, key.key, uniqueAgentId('ro-fast'), env);
    const slow = new SimAgent(s.server.baseUrl, key.key, uniqueAgentId('ro-slow'), env);
    await s.admin.uploadBundle(goodBundle(bundle));
    await s.admin.deploy(bundle, 1, env);
    const streams = [await fast.connect({ bundleName: bundle }), await slow.connect({ bundleName: bundle })];
    try {
      const v2 = await s.admin.uploadBundle(goodBundle(bundle, EXTRA));
      const dep = await s.admin.request<{ id: string }>('POST', `/bundles/${bundle}/${v2.version}/deploy`, { env, straggler_after_seconds: 10 }, 201);
      const [rollout] = await s.admin.request<{ id: string }[]>('GET', `/rollouts?deployment_id=${dep.id}`);

      const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
      const page = await trackedPage(context, 'rollouts-page');
      await page.goto(`/dashboard/rollouts/${rollout!.id}`);
      await page.getByRole('heading', { name: `Rollout of ${bundle} v${v2.version}`, level: 1 }).waitFor();
      await waitForLive(page);
      const stillSamePage = await markNoReload(page);
      await page.getByRole('group', { name: 'Targets' }).getByText('2', { exact: true }).waitFor();

      // Neither shows the new revision within 10 s of its push: both are stragglers, named with why.
      const stragglers = page.getByRole('table', { name: 'Stragglers' });
      for (const a of [fast, slow]) {
        await stragglers.getByRole('row').filter({ hasText: a.agentId }).getByText('still on the old revision').waitFor({ timeout: 30_000 });
      }
      await page.getByRole('group', { name: 'Stragglers' }).getByText('2', { exact: true }).waitFor();

      // The fast agent's next event carries the new revision: the leader's pass marks it activated,
      // late; the page follows without a reload.
      await fast.sendEvents([fast.event('read_file', 'call_allowed', { args: { path: 'a.txt' }, policyVersion: v2.revision_hash, bundleName: bundle })]);
      await page.getByRole('group', { name: 'Activated' }).getByText('1', { exact: true }).waitFor();
      await page.getByRole('group', { name: 'Stragglers' }).getByText('1', { exact: true }).waitFor();
      expect(await page.getByTestId('latency-p50').textContent()).not.toBe('—');
      await stragglers.getByRole('row').filter({ hasText: slow.agentId }).waitFor();
      expect(await stragglers.getByRole('row').filter({ hasText: fast.agentId }).count()).toBe(0);
      expect(await stillSamePage()).toBe(true);
      expect(page.uncaughtErrors).toEqual([]);

      // The list links to it.
      await page.getByRole('link', { name: 'Rollouts' }).first().click();
      await page.getByRole('table', { name: 'Rollouts' }).getByRole('link', { name: `${bundle} v${v2.version}` }).waitFor();
      await context.close();
    } finally {
      for (const st of streams) await st.close();
    }
  });

  test('a canary by label from the deploy dialog: the page shows the slice, the slice runs it (shown as canary, not drift), Promote takes it to all', async () => {
    const c = await canaryFleet('promote');
    try {
      const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
      const page = await trackedPage(context, 'canary-promote');
      await page.goto(`/dashboard/contracts?bundle=${c.bundle}`);
      await page.getByRole('button', { name: 'Deploy…' }).click();
      const deploy = page.getByRole('dialog', { name: `Deploy ${c.bundle}` });
      await deploy.getByRole('combobox', { name: 'Version' }).selectOption('2');
      await deploy.getByRole('combobox', { name: 'Environment' }).fill(c.env);
      await deploy.getByText('runs v1').waitFor();
      await deploy.getByRole('checkbox', { name: /Canary first/ }).check();
      const settings = deploy.getByRole('group', { name: 'Canary settings' });
      await settings.getByRole('textbox', { name: 'Slice (% of matching agents)' }).fill('');
      // The label picker offers the labels that exist in the fleet.
      const picker = settings.getByRole('combobox', { name: 'Or agents labelled' });
      const listId = await picker.getAttribute('list');
      await page.locator(`[id="${listId}"] option[value="${c.label}"]`).waitFor({ state: 'attached' });
      await picker.fill(c.label);
      await settings.getByText('1 agent carries it').waitFor();
      const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/rollouts/canary'));
      await deploy.getByRole('button', { name: `Start canary of v2 in ${c.env}` }).click();
      expect((await created).status()).toBe(201);

      // The rollout page: the slice is the labelled agent.
      await page.getByRole('heading', { name: `Canary of ${c.bundle} v2`, level: 1 }).waitFor();
      await waitForLive(page);
      const stillSamePage = await markNoReload(page);
      await page.getByText(`Canary: 0 % + label ${c.label}`).waitFor();
      const targets = page.getByRole('table', { name: 'Targets' });
      await targets.getByRole('row').filter({ hasText: c.slice.agentId }).getByText('slice', { exact: true }).waitFor();
      for (const a of c.rest) expect(await targets.getByRole('row').filter({ hasText: a.agentId }).getByText('slice', { exact: true }).count()).toBe(0);

      // Only the slice is pushed v2; the API shows each agent's revision, and the slice as canary.
      await c.streams.slice.waitFor('contract_update', (d) => d.version === 2);
      await c.revisions({ [c.slice.agentId]: [c.v2, 'canary'], [c.rest[0]!.agentId]: [c.v1, 'current'], [c.rest[1]!.agentId]: [c.v1, 'current'] });
      // Its next event carries v2: activated, live.
      await c.slice.sendEvents([c.slice.event('read_file', 'call_allowed', { args: { path: 'a.txt' }, policyVersion: c.v2, bundleName: c.bundle })]);
      await page.getByRole('group', { name: 'Activated' }).getByText('1', { exact: true }).waitFor({ timeout: 30_000 });

      await page.getByRole('button', { name: 'Promote to 100 %' }).click();
      await statusBadge(page, 'promoted');
      for (const st of c.streams.rest) await st.waitFor('contract_update', (d) => d.version === 2);
      await c.revisions({ [c.slice.agentId]: [c.v2, 'current'], [c.rest[0]!.agentId]: [c.v2, 'current'], [c.rest[1]!.agentId]: [c.v2, 'current'] });
      expect(await page.getByRole('button', { name: 'Promote to 100 %' }).count()).toBe(0);
      expect(await stillSamePage()).toBe(true);
      expect(page.uncaughtErrors).toEqual([]);
      await context.close();
    } finally {
      await c.close();
    }
  });

  test('a canary can be stopped, then rolled back from the rollout page: the slice goes back to the deployed version', async () => {
    const c = await canaryFleet('rollback');
    try {
      const canary = await s.admin.request<{ id: string }>('POST', '/rollouts/canary', { bundle_name: c.bundle, version: 2, env: c.env, slice_label: c.label, steps: [100], bake_seconds: 600 }, 201);
      await c.streams.slice.waitFor('contract_update', (d) => d.version === 2);
      await c.revisions({ [c.slice.agentId]: [c.v2, 'canary'], [c.rest[0]!.agentId]: [c.v1, 'current'] });

      const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
      const page = await trackedPage(context, 'canary-rollback');
      // The Agents list shows the slice agent as canary (not drifted) and the labels.
      await page.goto(`/dashboard/agents?env=${c.env}`);
      const row = page.getByRole('table', { name: 'Agents' }).getByRole('row').filter({ hasText: c.slice.agentId });
      await row.getByText('canary', { exact: true }).waitFor();
      await row.getByRole('list', { name: 'Labels' }).getByText(c.label, { exact: true }).waitFor();
      expect(await row.getByText('drift', { exact: true }).count()).toBe(0);

      await page.goto(`/dashboard/rollouts/${canary.id}`);
      await page.getByRole('heading', { name: `Canary of ${c.bundle} v2`, level: 1 }).waitFor();
      await waitForLive(page);
      const stillSamePage = await markNoReload(page);
      await statusBadge(page, 'canary');
      await page.getByRole('button', { name: 'Stop', exact: true }).click();
      await statusBadge(page, 'stopped');
      await page.getByRole('button', { name: 'Stop', exact: true }).waitFor({ state: 'detached' });
      // Stopped keeps the slice on v2 until a person decides.
      await c.revisions({ [c.slice.agentId]: [c.v2, 'canary'] });
      await page.getByRole('list', { name: 'Steps' }).getByText('stop', { exact: true }).waitFor();

      await page.getByRole('button', { name: 'Roll back' }).click();
      await statusBadge(page, 'rolled back');
      // The slice's stream: v1 on connect, v2 for the canary, then v1 again.
      await pollUntil(() => { const v = pushedVersions(c.streams.slice); return v.includes(2) && v[v.length - 1] === 1; }, { what: 'slice pushed v1 again' });
      await c.revisions({ [c.slice.agentId]: [c.v1, 'current'], [c.rest[0]!.agentId]: [c.v1, 'current'], [c.rest[1]!.agentId]: [c.v1, 'current'] });
      await page.getByRole('list', { name: 'Steps' }).getByText('rollback', { exact: true }).waitFor();
      expect(await page.getByRole('button', { name: 'Roll back' }).count()).toBe(0);
      expect(await stillSamePage()).toBe(true);
      expect(page.uncaughtErrors).toEqual([]);
      await context.close();
    } finally {
      await c.close();
    }
  });
});

function pushedVersions(st: AgentStream): number[] {
  return st.messages.filter((m) => m.event === 'contract_update').map((m) => (JSON.parse(m.data) as { version: number }).version);
}

async function statusBadge(page: TrackedPage, status: string): Promise<void> {
  await page.getByRole('heading', { level: 1 }).locator('xpath=..').getByText(status, { exact: true }).waitFor();
}

/**
 * v1 deployed to a fresh env, three connected agents on it, one of them labelled, and v2 uploaded:
 * the start of every canary test. `revisions` waits until the API shows each named agent on the
 * given revision with the given drift status.
 */
async function canaryFleet(name: string) {
  const env = `canary-${uniqueSuffix()}`;
  const bundle = `canary-${name}-${uniqueSuffix()}`;
  const label = `early-${uniqueSuffix()}`;
  const key = await s.admin.createKey(env);
  const [slice, ...rest] = ['slice', 'rest-a', 'rest-b'].map((p) => new SimAgent(s.server.baseUrl, key.key, uniqueAgentId(`cn-${p}`), env));
  const v1 = (await s.admin.uploadBundle(goodBundle(bundle))).revision_hash;
  await s.admin.deploy(bundle, 1, env);
  const sliceStream: AgentStream = await slice!.connect({ bundleName: bundle });
  const restStreams = [await rest[0]!.connect({ bundleName: bundle }), await rest[1]!.connect({ bundleName: bundle })];
  await s.admin.request('PUT', `/agent-registrations/${slice!.agentId}/labels`, { labels: [label] });
  const v2 = (await s.admin.uploadBundle(goodBundle(bundle, EXTRA))).revision_hash;
  return {
    env,
    bundle,
    label,
    v1,
    v2,
    slice: slice!,
    rest,
    streams: { slice: sliceStream, rest: restStreams },
    async revisions(want: Record<string, [string, string]>) {
      await pollUntil(
        async () => {
          const { agents } = await s.admin.request<{ agents: { agent_id: string; policy_version: string | null; status: string }[] }>('GET', `/agents/status?bundle_name=${bundle}`);
          return Object.entries(want).every(([id, [rev, status]]) => agents.some((a) => a.agent_id === id && a.policy_version === rev && a.status === status));
        },
        { timeoutMs: 15_000, everyMs: 200, what: `agents of ${bundle} on ${JSON.stringify(want)}` },
      );
    },
    async close() {
      for (const st of [sliceStream, ...restStreams]) await st.close();
    },
  };
}

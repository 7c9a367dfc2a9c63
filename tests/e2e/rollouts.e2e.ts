// Rollouts: after a deploy, the rollout page follows each agent live (a straggler named with its
// reason, then activated when its next event carries the new revision), with the
// deploy-to-activation latency; the console's own leader job does the tracking.
import { describe, expect, test } from 'vitest';
import { goodBundle, SimAgent } from './agent-sim.js';
import { markNoReload, testContext, trackedPage, uniqueAgentId, uniqueSuffix, useConsole, waitForLive } from './harness.js';

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
});

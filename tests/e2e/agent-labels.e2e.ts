// Agent labels (docs/rollouts.md "Labels"): set on the agent's page as chips (a refused label is
// named at the field with the server's reason), shown in the Agents list and filterable there,
// and given by an assignment rule to the agents it matches.
import { describe, expect, test } from 'vitest';
import { goodBundle, SimAgent } from './agent-sim.js';
import { testContext, trackedPage, uniqueAgentId, uniqueSuffix, useConsole } from './harness.js';

const s = useConsole();

describe('agent labels', () => {
  test('labels set on an agent page show in the Agents list and filter it; a rule gives its labels to the agents it matches', async () => {
    const env = `labels-${uniqueSuffix()}`;
    const bundle = `labels-${uniqueSuffix()}`;
    const key = await s.admin.createKey(env);
    const labelled = new SimAgent(s.server.baseUrl, key.key, uniqueAgentId('lb-one'), env);
    const other = new SimAgent(s.server.baseUrl, key.key, uniqueAgentId('lb-two'), env);
    await s.admin.uploadBundle(goodBundle(bundle));
    await s.admin.deploy(bundle, 1, env);
    const streams = [await labelled.connect({ bundleName: bundle }), await other.connect({ bundleName: bundle })];
    const label = `early-${uniqueSuffix()}`;
    try {
      const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
      const page = await trackedPage(context, 'agent-labels');
      await page.goto(`/dashboard/agents/${labelled.agentId}`);
      await page.getByRole('heading', { name: labelled.agentId, level: 1 }).waitFor();
      const labels = page.getByRole('region', { name: 'Labels' });
      const input = labels.getByRole('combobox', { name: 'Add a label' });

      // A label the server refuses: its reason at the field, nothing saved.
      await input.fill('no spaces');
      await input.press('Enter');
      await labels.getByRole('alert').getByText('no spaces: must be a label (letters, digits, . _ : -)').waitFor();
      expect(await input.getAttribute('aria-invalid')).toBe('true');
      expect((await s.admin.request<{ labels: string[] }>('GET', `/agent-registrations/${labelled.agentId}/labels`)).labels).toEqual([]);

      // Two good ones, by keyboard and by the button; one removed again.
      await input.fill(label);
      await input.press('Enter');
      await labels.getByRole('listitem').filter({ hasText: label }).waitFor();
      await input.fill('tier:gold');
      await labels.getByRole('button', { name: 'Add label' }).click();
      await labels.getByRole('listitem').filter({ hasText: 'tier:gold' }).waitFor();
      await labels.getByRole('button', { name: 'Remove label tier:gold' }).click();
      await labels.getByRole('listitem').filter({ hasText: 'tier:gold' }).waitFor({ state: 'detached' });
      expect((await s.admin.request<{ labels: string[] }>('GET', `/agent-registrations/${labelled.agentId}/labels`)).labels).toEqual([label]);

      // The list: the label as a chip in the agent's row; the label filter keeps only that agent.
      await page.goto(`/dashboard/agents?env=${env}`);
      const table = page.getByRole('table', { name: 'Agents' });
      const row = (a: SimAgent) => table.getByRole('row').filter({ hasText: a.agentId });
      await row(labelled).getByRole('list', { name: 'Labels' }).getByText(label, { exact: true }).waitFor();
      await row(other).waitFor();
      await page.getByRole('combobox', { name: 'Label' }).selectOption(label);
      await page.waitForURL((u) => u.searchParams.get('label') === label);
      await row(other).waitFor({ state: 'detached' });
      await row(labelled).waitFor();

      // A rule for the other agent, with a label: its agents carry it in the rule's env.
      await page.goto('/dashboard/agents?tab=rules');
      await page.getByRole('button', { name: 'Add rule' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Add assignment rule' });
      await dialog.getByRole('textbox', { name: 'Agent pattern' }).fill(other.agentId);
      await dialog.getByRole('combobox', { name: 'Bundle' }).fill(bundle);
      await dialog.getByRole('combobox', { name: 'Environment' }).fill(env);
      const ruleLabels = dialog.getByLabel('Labels for matching agents (optional)');
      await ruleLabels.fill('bad label!');
      await ruleLabels.press('Enter');
      await dialog.getByText(/bad label!: letters, digits/).waitFor();
      await ruleLabels.fill('ruled');
      await ruleLabels.press('Enter');
      await dialog.getByRole('button', { name: 'Add rule' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('table', { name: 'Assignment rules by priority' }).getByRole('row').filter({ hasText: other.agentId }).getByText('ruled', { exact: true }).waitFor();

      await page.goto(`/dashboard/agents?env=${env}&label=ruled`);
      await row(other).getByRole('list', { name: 'Labels' }).getByText('ruled', { exact: true }).waitFor();
      await row(labelled).waitFor({ state: 'detached' });
      expect(page.uncaughtErrors).toEqual([]);
      await context.close();
    } finally {
      for (const st of streams) await st.close();
    }
  });
});

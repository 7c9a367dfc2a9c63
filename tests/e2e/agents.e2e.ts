// Agents: an agent holding a real SSE connection to /api/v1/stream appears in the fleet live;
// its page shows its registration; assigning a bundle there reaches the agent on its stream.
import { describe, expect, test } from 'vitest';
import { goodBundle, SimAgent } from './agent-sim.js';
import {
  currentTheme,
  markNoReload,
  testContext,
  trackedPage,
  uniqueAgentId,
  uniqueSuffix,
  useConsole,
  waitForLive,
  waitForValue,
} from './harness.js';

const s = useConsole();

async function newAgent(prefix: string): Promise<SimAgent> {
  const env = `agents-${uniqueSuffix()}`;
  const key = await s.admin.createKey(env);
  return new SimAgent(s.server.baseUrl, key.key, uniqueAgentId(prefix), env);
}

describe('agents', () => {
  test('a connected agent appears in the fleet live; its page shows the registration; assigning a bundle reaches its stream', async () => {
    const agent = await newAgent('agents-fleet');
    const bundle = `support-guard-${uniqueSuffix()}`;
    await s.admin.uploadBundle(goodBundle(bundle));
    await s.admin.deploy(bundle, 1, agent.env);

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'agents-fleet');
    await page.goto('/dashboard/agents');
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    await waitForLive(page);
    const stillSamePage = await markNoReload(page);

    // The agent opens its stream and keeps it open: it is in the fleet before it sends anything.
    const stream = await agent.connect();
    const row = page.getByRole('table', { name: 'Agents' }).getByRole('row').filter({ hasText: agent.agentId });
    await row.getByText('connected', { exact: true }).waitFor();
    await row.getByText(agent.env, { exact: true }).waitFor();

    // Then it reports a few tool calls; the row counts them, still without a reload.
    await agent.sendEvents([
      agent.event('read_file', 'call_denied', { contract: 'no-secret-files', args: { path: '.env' } }),
      agent.event('read_file', 'call_allowed', { args: { path: 'README.md' } }),
      agent.event('issue_refund', 'call_allowed', { args: { amount: 20 } }),
      agent.event('send_slack_message', 'call_allowed'),
    ]);
    await row.getByRole('link', { name: '4', exact: true }).waitFor();
    expect(await stillSamePage()).toBe(true);

    // Its page: the registration the stream created.
    await row.getByRole('link', { name: agent.agentId }).click();
    await page.waitForURL(`**/dashboard/agents/${agent.agentId}`);
    await page.getByRole('heading', { name: agent.agentId, level: 1 }).waitFor();
    await page
      .getByText(/^connected /)
      .first()
      .waitFor();
    await page.getByRole('tab', { name: 'Registration' }).click();
    await page.waitForURL((u) => u.searchParams.get('tab') === 'registration');
    await page.getByRole('heading', { name: 'Registration' }).waitFor();
    await page.getByText(/^Registered .* · last seen /).waitFor();

    // Assign the bundle explicitly, with a display name; the agent is told on its stream.
    const displayName = `Support bot ${uniqueSuffix()}`;
    await page.getByRole('textbox', { name: 'Display name' }).fill(displayName);
    await page.getByRole('combobox', { name: 'Assigned bundle' }).selectOption(bundle);
    const patched = page.waitForResponse(
      (r) => r.url().endsWith(`/api/v1/agent-registrations/${agent.agentId}`) && r.request().method() === 'PATCH',
    );
    await page.getByRole('button', { name: 'Save registration' }).click();
    const res = await patched;
    expect(res.status()).toBe(200);
    expect(await res.json()).toMatchObject({ agent_id: agent.agentId, display_name: displayName, bundle_name: bundle });
    const changed = await stream.waitFor('assignment_changed', (d) => d.bundle_name === bundle);
    expect(changed).toMatchObject({ agent_id: agent.agentId, bundle_name: bundle, source: 'explicit' });
    await page.getByRole('heading', { name: displayName, level: 1 }).waitFor();

    // A deep link to the tab loads the saved registration directly.
    const deep = await trackedPage(context, 'agents-deep-link');
    await deep.goto(`/dashboard/agents/${agent.agentId}?tab=registration`);
    await waitForValue(deep.getByRole('textbox', { name: 'Display name' }), displayName);
    expect(await deep.getByRole('combobox', { name: 'Assigned bundle' }).inputValue()).toBe(bundle);

    // Disconnecting flips the fleet row to offline, live.
    await page.goto('/dashboard/agents');
    const renamed = page.getByRole('table', { name: 'Agents' }).getByRole('row').filter({ hasText: displayName });
    await renamed.getByText('connected', { exact: true }).waitFor();
    await waitForLive(page);
    await stream.close();
    await renamed.getByText('offline', { exact: true }).waitFor();
    expect(page.uncaughtErrors).toEqual([]);
    expect(deep.uncaughtErrors).toEqual([]);
  });

  test("light theme: a deep link with an environment filter shows only that environment's agents", async () => {
    const a = await newAgent('agents-light-a');
    const b = await newAgent('agents-light-b');
    await a.sendEvents([a.event('search_docs', 'call_allowed')]);
    await b.sendEvents([b.event('search_docs', 'call_allowed')]);

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session, theme: 'light' });
    const page = await trackedPage(context, 'agents-light');
    await page.goto(`/dashboard/agents?env=${a.env}`);
    const table = page.getByRole('table', { name: 'Agents' });
    await table.getByRole('link', { name: a.agentId }).waitFor();
    expect(await table.getByRole('link', { name: b.agentId }).count()).toBe(0);
    expect(await page.getByRole('combobox', { name: 'Environment' }).inputValue()).toBe(a.env);
    expect(await currentTheme(page)).toBe('light');
    expect(page.uncaughtErrors).toEqual([]);
  });
});

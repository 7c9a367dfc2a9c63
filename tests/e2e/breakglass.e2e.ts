// Break-glass from the dashboard: an admin arms a fleet-wide tool freeze with a reason and a
// duration, a simulated agent receives the signed overlay at once (the contract engine denies the
// frozen tool with what it loaded), the switch counts down, is extended and disarmed (the agent
// gets its deployed bundle back), and every step is in the activity log, which exports.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { evaluate, loadBundle } from '../../src/engine/engine.js';
import { SimAgent } from './agent-sim.js';
import { testContext, trackedPage, uniqueAgentId, uniqueSuffix, useConsole } from './harness.js';

const s = useConsole();

const bundle = (name: string) => `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: ${name}
defaults:
  mode: enforce
tools:
  send_email: { side_effect: irreversible }
contracts:
  - id: no-dotenv
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: "no secrets"
`;

const outcome = (yamlB64: string, tool: string) => {
  const loaded = loadBundle(Buffer.from(yamlB64, 'base64').toString('utf8'));
  if (!loaded.ok) throw new Error('agent could not load its bundle');
  return evaluate(loaded.bundle, { tool, args: {} }).outcome;
};

describe('break-glass switches', () => {
  test('arm a tool freeze, the agent enforces it, extend, disarm, and find it all in the activity log', async () => {
    const env = `bg-${uniqueSuffix()}`;
    const name = `bg-${uniqueSuffix()}`;
    const up = await s.admin.uploadBundle(bundle(name));
    await s.admin.deploy(name, up.version, env);
    const key = await s.admin.createKey(env);
    const agent = new SimAgent(s.server.baseUrl, key.key, uniqueAgentId('bg'), env);
    const stream = await agent.connect({ bundleName: name });
    await stream.waitFor('contract_update', (d) => d.revision_hash === up.revision_hash);

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'breakglass');
    await page.goto('/dashboard/break-glass');
    await page.getByRole('heading', { name: 'Break-glass', level: 1 }).waitFor();
    await page.getByText('No switch is active.').waitFor();

    await page.getByRole('combobox', { name: 'Switch' }).selectOption('freeze_tool');
    await page.getByRole('textbox', { name: 'Tool' }).fill('send_email');
    await page.getByRole('textbox', { name: 'Reason' }).fill('phishing campaign in progress');
    await page.getByRole('combobox', { name: 'Duration' }).selectOption('15');
    await page.getByRole('button', { name: 'Arm switch' }).click();

    const active = page.getByRole('list', { name: 'Active switches' });
    const item = active.getByRole('listitem', { name: 'Freeze send_email for the whole fleet' });
    await item.waitFor();
    await item.getByText('phishing campaign in progress', { exact: false }).waitFor();
    // A single admin: in force at once, counting down from 15 minutes.
    const clock = item.getByLabel(/^time left /);
    const first = (await clock.getAttribute('aria-label'))!;
    expect(first).toMatch(/^time left 1[45]:\d\d$/);

    // The agent got the overlay, signed; what it loaded denies the frozen tool.
    const frozen = await stream.waitFor('contract_update', (d) => d.revision_hash !== up.revision_hash);
    expect(outcome(frozen.yaml_bytes as string, 'send_email')).toBe('denied');
    expect(outcome(frozen.yaml_bytes as string, 'read_file')).toBe('allowed');

    await item.getByRole('button', { name: 'Extend 1 h' }).click();
    await item.getByLabel(/^time left 1:1\d:\d\d$/).waitFor();

    // The restore is a message after the disarm (the first one, from the connect, carries the same revision).
    const n = stream.messages.length;
    await item.getByRole('button', { name: 'Disarm' }).click();
    await page.getByText('No switch is active.').waitFor();
    await page
      .getByRole('table', { name: 'Ended switches' })
      .getByRole('row')
      .filter({ hasText: 'Freeze send_email' })
      .getByText('disarmed')
      .waitFor();
    const later = () =>
      stream.messages
        .slice(n)
        .find(
          (m) =>
            m.event === 'contract_update' && (JSON.parse(m.data) as { revision_hash: string }).revision_hash === up.revision_hash,
        );
    await expect.poll(later, { timeout: 15_000 }).toBeTruthy();
    const restored = JSON.parse(later()!.data) as Record<string, unknown>;
    expect(outcome(restored.yaml_bytes as string, 'send_email')).toBe('allowed');

    // The activity log: arm, extend, disarm by this admin from the dashboard.
    await page.getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('heading', { name: 'Activity', level: 1 }).waitFor();
    await page.getByRole('textbox', { name: 'Action' }).fill('breakglass');
    const table = page.getByRole('table', { name: 'Admin activity' });
    for (const action of ['breakglass.arm', 'breakglass.extend', 'breakglass.disarm'])
      await table.getByText(action, { exact: true }).waitFor();
    expect(await table.getByRole('row').filter({ hasText: s.admin.email }).count()).toBe(3);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^activity-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = readFileSync((await file.path())!, 'utf8');
    expect(text.split('\r\n')[0]).toBe('at,actor,actor_type,action,target,source,ip,user_agent,detail,id');
    expect(text.match(/"breakglass\./g)?.length).toBe(3);
    expect(page.uncaughtErrors).toEqual([]);
    await stream.close();
  });
});

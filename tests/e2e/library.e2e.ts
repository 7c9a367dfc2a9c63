// Contract library and compositions in the browser: a template pack is added in one click and its
// Evaluate preset shows it working; a contract is written in the editor with its problems on their
// lines, saved, edited into v2, and refused deletion while a composition uses it; a composition is
// composed (picked, reordered by keyboard, one contract in observe), previewed, diffed with its
// impact and deployed, and a connected agent receives it; a bundle is imported with its
// duplicates reported; and a contract is created from an event, checked against it, and lands in
// a composition.
import { describe, expect, test } from 'vitest';
import { SimAgent } from './agent-sim.js';
import type { Page } from 'playwright-core';
import { testContext, trackedPage, uniqueAgentId, uniqueSuffix, useConsole, waitForLive, waitForValue } from './harness.js';

const s = useConsole();

/** Waits until the composition lists exactly these contracts, in this order. */
async function waitForOrder(page: Page, names: string[]): Promise<void> {
  const list = 'ol[aria-label="Contracts in this composition"]';
  for (const [i, n] of names.entries()) await page.locator(`${list} > li:nth-child(${i + 1})[aria-label="${n}"]`).waitFor();
  await page.locator(`${list} > li:nth-child(${names.length + 1})`).waitFor({ state: 'detached' });
}

interface TemplateOut {
  id: string;
  name: string;
  contracts: { contract_id: string }[];
  presets: { tool_name: string; expected_outcome: string }[];
}

function preContract(id: string, tool: string, needle: string) {
  return {
    contract_id: id,
    name: `Guard ${id}`,
    type: 'pre',
    tags: ['e2e'],
    description: 'seeded by the e2e test',
    definition: { tool, when: { 'args.path': { contains: needle } }, then: { effect: 'deny', message: `No ${needle}` } },
  };
}

describe('contract library and compositions', () => {
  test('a template pack is added in one click, and its Evaluate preset shows it working', async () => {
    const templates = await s.admin.request<TemplateOut[]>('GET', '/contract-templates');
    expect(templates.length).toBeGreaterThanOrEqual(4);
    const t = templates.find((x) => x.presets.length > 0)!;
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'library-template');
    await page.goto('/dashboard/library?tab=templates');
    const card = page.getByRole('list', { name: 'Templates' }).getByRole('listitem').filter({ has: page.getByRole('heading', { name: t.name }) });
    const added = page.waitForResponse((r) => r.url().endsWith(`/api/v1/contract-templates/${t.id}/add`));
    await card.getByRole('button', { name: `Add ${t.name}` }).click();
    expect((await added).status()).toBe(201);
    await card.getByRole('link', { name: /Open composition/ }).waitFor();

    // Its contracts are in the library now.
    await page.getByRole('tab', { name: /Contracts/ }).click();
    const list = page.getByRole('list', { name: 'Library contracts' });
    for (const c of t.contracts) await list.getByText(c.contract_id, { exact: true }).waitFor();

    // Evaluate opens the playground with the pack and its example call, which gets the expected verdict.
    await page.getByRole('tab', { name: 'Templates' }).click();
    await card.getByRole('link', { name: `Evaluate ${t.name}` }).click();
    await page.getByRole('heading', { name: 'Evaluate', level: 1 }).waitFor();
    await waitForValue(page.getByRole('textbox', { name: 'Tool', exact: true }), t.presets[0]!.tool_name);
    const evaluated = page.waitForResponse((r) => r.url().endsWith('/api/v1/bundles/evaluate'));
    await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
    const verdict = (await (await evaluated).json()) as { outcome: string };
    expect(verdict.outcome).toBe(t.presets[0]!.expected_outcome);
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('a contract is written with its problems at their lines, saved, edited into v2, and its deletion refused while in use', async () => {
    const id = `no-keys-${uniqueSuffix()}`;
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'library-crud');
    await page.goto('/dashboard/library');
    await page.getByRole('button', { name: 'New contract' }).click();
    const dialog = page.getByRole('dialog', { name: 'New contract' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill(`No keys ${id}`);
    await dialog.getByRole('textbox', { name: 'Contract id' }).fill(id);
    // An unknown effect: the engine's check puts the problem on line 5 as it is typed, and saving is off.
    const editor = dialog.getByRole('textbox', { name: 'Contract definition YAML' });
    await editor.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('tool: read_file\nwhen:\n  args.path: { contains: ".ssh/" }\nthen:\n  effect: explode\n  message: "Never read keys"\n');
    const problems = dialog.getByRole('list', { name: 'Definition problems' });
    await problems.getByText(/^Line 5: then\.effect/).waitFor();
    expect(await dialog.getByRole('button', { name: 'Add to library' }).isDisabled()).toBe(true);
    await dialog.locator('.cm-content').getByText('effect: explode').click();
    await page.keyboard.press('End');
    for (let i = 0; i < 'explode'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.insertText('deny');
    await dialog.getByRole('status').getByText(/^Loads in the engine/).waitFor();
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/contracts') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Add to library' }).click();
    expect((await created).status()).toBe(201);
    await page.waitForURL(`**/dashboard/library/${id}`);
    await page.getByRole('heading', { name: `No keys ${id}`, level: 1 }).waitFor();

    // Edit: a new version; v1 stays readable.
    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: `Edit ${id}` });
    await edit.locator('.cm-content').getByText('.ssh/').click();
    await page.keyboard.press('End');
    await page.keyboard.insertText(' # keys');
    await edit.getByRole('status').getByText(/^Loads in the engine/).waitFor();
    await edit.getByRole('button', { name: 'Save new version' }).click();
    await edit.waitFor({ state: 'detached' });
    await page.getByText('latest v2').waitFor();
    await page.getByRole('combobox', { name: 'Version' }).selectOption('1');
    await page.getByText(/^v1, /).waitFor();

    // Used by a composition: deletion is refused with the list of users.
    const comp = `uses-${uniqueSuffix()}`;
    await s.admin.request('POST', '/compositions', { name: comp, contracts: [{ contract_id: id, position: 0, enabled: true }] }, 201);
    await page.getByRole('list', { name: 'Used by' }).getByRole('link', { name: comp }).waitFor();
    await page.getByRole('button', { name: 'Delete' }).click();
    const del = page.getByRole('dialog', { name: `Delete ${id}?` });
    await del.getByRole('button', { name: 'Delete' }).click();
    await del.getByRole('list', { name: 'In use by' }).getByRole('link', { name: comp }).waitFor();
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('compose, reorder by keyboard, observe one contract, preview, diff with impact, deploy: a connected agent receives it', async () => {
    const sfx = uniqueSuffix();
    const a = `no-ssh-${sfx}`;
    const b = `no-env-${sfx}`;
    await s.admin.request('POST', '/contracts', preContract(a, 'read_file', '.ssh/'), 201);
    await s.admin.request('POST', '/contracts', preContract(b, 'read_file', '.env'), 201);
    const comp = `ws-guard-${sfx}`;
    const env = `lib-${sfx}`;
    const key = await s.admin.createKey(env);
    const agent = new SimAgent(s.server.baseUrl, key.key, uniqueAgentId('library'), env);
    const stream = await agent.connect({ bundleName: comp });

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'library-compose-deploy');
    await page.goto('/dashboard/compositions');
    await page.getByRole('button', { name: 'New composition' }).first().click();
    const create = page.getByRole('dialog', { name: 'New composition' });
    await create.getByRole('textbox', { name: 'Name' }).fill(comp);
    await create.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(`**/dashboard/compositions/${comp}`);

    // Pick both from the library.
    const picker = page.getByRole('list', { name: 'Library contracts to add' });
    await page.getByRole('searchbox', { name: 'Find a contract' }).fill(sfx);
    await picker.getByRole('button', { name: `Add Guard ${a}` }).click();
    await picker.getByRole('button', { name: `Add Guard ${b}` }).click();
    await waitForOrder(page, [`Guard ${a}`, `Guard ${b}`]);

    // Keyboard reorder: focus the handle, Space picks up, ArrowUp moves, Space drops.
    // Each step waits for dnd-kit's announcement that the previous one took effect.
    const grip = page.getByRole('button', { name: `Reorder Guard ${b} (position 2 of 2)` });
    await grip.focus();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: `Reorder Guard ${b} (position 2 of 2)`, pressed: true }).waitFor();
    await page.keyboard.press('ArrowUp');
    await page.getByText(`Guard ${b} is over position 1 of 2.`).waitFor({ state: 'attached' });
    await page.keyboard.press('Space');
    await waitForOrder(page, [`Guard ${b}`, `Guard ${a}`]);

    // One contract in observe mode.
    const saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/compositions/${comp}`) && r.request().method() === 'PUT');
    await page.getByRole('combobox', { name: `Mode of Guard ${a}` }).selectOption('observe');
    expect((await saved).status()).toBe(200);

    // The preview assembles both, valid, with its revision hash.
    await page.getByTestId('preview-summary').getByText(/^2 contracts · revision [0-9a-f]{12} · valid$/).waitFor();
    await page.locator('.cm-content').getByText(`id: ${b}`).waitFor();

    // Diff and impact, then deploy.
    await page.getByRole('button', { name: 'Deploy…' }).click();
    const deploy = page.getByRole('dialog', { name: `Deploy ${comp}` });
    await deploy.getByRole('combobox', { name: 'Environment' }).fill(env);
    const added = deploy.getByRole('list', { name: 'Contracts added' });
    await added.getByText(a, { exact: true }).waitFor();
    await added.getByText(b, { exact: true }).waitFor();
    await deploy.getByRole('region', { name: 'Impact' }).waitFor();
    const deployed = page.waitForResponse((r) => r.url().endsWith(`/api/v1/compositions/${comp}/deploy`));
    await deploy.getByRole('button', { name: `Deploy to ${env}` }).click();
    expect((await deployed).status()).toBe(201);
    await deploy.waitFor({ state: 'detached' });
    await page.getByRole('list', { name: 'Deployments' }).getByText(env).waitFor();

    // The agent receives the signed bundle: both contracts, in that order, one observing.
    const update = await stream.waitFor('contract_update', (d) => d.bundle_name === comp);
    const yaml = Buffer.from(String(update.yaml_bytes), 'base64').toString('utf8');
    expect(yaml.indexOf(`id: ${b}`)).toBeGreaterThan(-1);
    expect(yaml.indexOf(`id: ${b}`)).toBeLessThan(yaml.indexOf(`id: ${a}`));
    expect(yaml.slice(yaml.indexOf(`id: ${a}`))).toMatch(/mode: observe/);
    expect(update.signature).toEqual(expect.any(String));
    await stream.close();
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('an imported bundle becomes library contracts; importing it again reports what is already there', async () => {
    const name = `imported-${uniqueSuffix()}`;
    const yaml = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: ${name}
defaults:
  mode: enforce
contracts:
  - id: ${name}-no-rm
    type: pre
    tool: run_command
    when:
      args.command: { contains: "rm -rf" }
    then:
      effect: deny
      message: "No rm -rf"
`;
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'library-import');
    await page.goto('/dashboard/library');
    for (const round of [1, 2]) {
      await page.getByRole('button', { name: 'Import YAML' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Import YAML' });
      await dialog.getByRole('textbox', { name: 'Bundle YAML to import' }).click();
      await page.keyboard.insertText(yaml);
      const imported = page.waitForResponse((r) => r.url().endsWith('/api/v1/contracts/import'));
      await dialog.getByRole('button', { name: 'Import' }).click();
      expect((await imported).status()).toBe(201);
      const result = page.getByRole('dialog', { name: 'Import finished' });
      if (round === 1) await result.getByTestId('import-created').getByText(`${name}-no-rm`).waitFor();
      else await result.getByTestId('import-unchanged').getByText(`${name}-no-rm`).waitFor();
      await result.getByRole('button', { name: 'Done' }).click();
    }
    await page.getByRole('list', { name: 'Library contracts' }).getByText(`${name}-no-rm`, { exact: true }).waitFor();
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('a contract is created from an event: prefilled, checked against that call, saved into a composition', async () => {
    const sfx = uniqueSuffix();
    const comp = `from-event-${sfx}`;
    await s.admin.request('POST', '/compositions', { name: comp, contracts: [] }, 201);
    const key = await s.admin.createKey('production');
    const agent = new SimAgent(s.server.baseUrl, key.key, uniqueAgentId('fromevent'), 'production');
    const tool = `delete_bucket_${sfx}`;
    await agent.sendEvents([agent.event(tool, 'call_allowed', { args: { bucket: 'prod-backups', region: 'eu' } })]);
    const [event] = await s.admin.request<{ id: string }[]>('GET', `/events?agent_id=${agent.agentId}&tool_name=${tool}`);

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'library-from-event');
    await page.goto(`/dashboard/events?event=${event!.id}`);
    await waitForLive(page);
    await page.getByRole('heading', { name: tool, level: 2 }).waitFor();
    await page.getByRole('button', { name: 'Create contract' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create contract from this call' });
    await dialog.locator('.cm-content').getByText(tool).waitFor();
    await dialog.getByRole('status', { name: 'Check against the event' }).getByText(/Fires on this event/).waitFor();
    await dialog.getByRole('combobox', { name: 'Also add to a composition (optional)' }).selectOption(comp);
    await dialog.getByRole('combobox', { name: 'Mode in that composition' }).selectOption('observe');
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/contracts/from-event'));
    await dialog.getByRole('button', { name: `Save and add to ${comp}` }).click();
    expect((await saved).status()).toBe(201);
    await page.waitForURL(`**/dashboard/compositions/${comp}`);
    const items = page.getByRole('list', { name: 'Contracts in this composition' }).getByRole('listitem');
    await items.first().waitFor();
    expect(await items.count()).toBe(1);
    expect(await page.getByRole('combobox', { name: /^Mode of / }).inputValue()).toBe('observe');
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('phone (390 px): the library, its contract dialog and the composer fit without sideways scrolling', async () => {
    const sfx = uniqueSuffix();
    const id = `phone-guard-with-a-long-identifier-${sfx}`;
    await s.admin.request('POST', '/contracts', preContract(id, 'read_file', '.ssh/'), 201);
    const comp = `phone-composition-${sfx}`;
    await s.admin.request('POST', '/compositions', { name: comp, contracts: [{ contract_id: id, position: 0, enabled: true, mode_override: 'observe' }] }, 201);
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session, viewport: { width: 390, height: 844 } });
    const page = await trackedPage(context, 'library-phone');
    const width = () => page.evaluate<{ sw: number; iw: number }>('({ sw: document.documentElement.scrollWidth, iw: window.innerWidth })');

    await page.goto('/dashboard/library');
    await page.getByRole('list', { name: 'Library contracts' }).getByText(id, { exact: true }).waitFor();
    let m = await width();
    expect(m.sw).toBeLessThanOrEqual(m.iw);
    await page.getByRole('button', { name: 'New contract' }).click();
    const dialog = page.getByRole('dialog', { name: 'New contract' });
    await dialog.waitFor();
    const box = await dialog.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390.5);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await page.goto(`/dashboard/compositions/${comp}`);
    await page.getByTestId('preview-summary').waitFor();
    m = await width();
    expect(m.sw).toBeLessThanOrEqual(m.iw);
    // The per-contract controls stay reachable at this width.
    const mode = page.getByRole('combobox', { name: `Mode of Guard ${id}` });
    expect(await mode.inputValue()).toBe('observe');
    const modeBox = await mode.boundingBox();
    expect(modeBox!.x + modeBox!.width).toBeLessThanOrEqual(390.5);
    const version = await page.getByRole('combobox', { name: `Version of Guard ${id}` }).boundingBox();
    expect(version!.x + version!.width).toBeLessThanOrEqual(390.5);
    const deploy = await page.getByRole('button', { name: 'Deploy…' }).boundingBox();
    expect(deploy!.x + deploy!.width).toBeLessThanOrEqual(390.5);
    expect(page.uncaughtErrors).toEqual([]);
  });
});

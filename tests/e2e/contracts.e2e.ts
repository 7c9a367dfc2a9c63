// Contracts: a bad bundle shows the server's problems on their lines; a good one is uploaded
// and deployed to an environment with the confirmation; the per-environment status shows the
// version, a connected agent receives it, and the signing public key is on the page.
import { describe, expect, test } from 'vitest';
import { goodBundle, SimAgent } from './agent-sim.js';
import { currentTheme, testContext, trackedPage, uniqueAgentId, uniqueSuffix, useConsole } from './harness.js';

const s = useConsole();

/**
 * Five problems the validator reports (lines 4, 6, 12, and 14 twice: the effect is unknown and the
 * message every pre contract needs is missing).
 */
function badBundle(): string {
  return `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: Not A Slug
defaults:
  mode: sometimes
contracts:
  - id: no-secret-files
    type: pre
    tool: read_file
    when:
      args.path: { bogus_op: 1 }
    then:
      effect: explode
`;
}

interface Problem {
  loc: (string | number)[];
  msg: string;
  line: number | null;
}

describe('contracts', () => {
  test('a bad bundle shows its problems by line; a good one is uploaded, deployed with confirmation and reaches the agent', async () => {
    const name = `shop-guard-${uniqueSuffix()}`;
    const env = `contracts-${uniqueSuffix()}`;
    const key = await s.admin.createKey(env);
    const agent = new SimAgent(s.server.baseUrl, key.key, uniqueAgentId('contracts'), env);
    const stream = await agent.connect({ bundleName: name });

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'contracts-upload-deploy');
    await page.goto('/dashboard/contracts');
    await page.getByRole('heading', { name: 'Contracts', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Upload bundle' }).first().click();
    const upload = page.getByRole('dialog', { name: 'Upload bundle' });
    await upload.waitFor();

    // The bad bundle: the dialog lists exactly what the server answered, with line numbers.
    await upload.getByRole('textbox', { name: 'Bundle YAML' }).fill(badBundle());
    const rejected = page.waitForResponse((r) => r.url().endsWith('/api/v1/bundles') && r.request().method() === 'POST');
    await upload.getByRole('button', { name: 'Upload bundle' }).click();
    const res = await rejected;
    expect(res.status()).toBe(422);
    const problems = ((await res.json()) as { detail: Problem[] }).detail;
    expect(problems.map((p) => p.line)).toEqual([4, 6, 12, 14, 14]);
    const list = upload.getByRole('alert');
    for (const p of problems) {
      const item = list.getByRole('listitem').filter({ has: page.getByRole('button', { name: `Line ${p.line}`, exact: true }) });
      await item.getByText(p.msg, { exact: true }).waitFor();
    }
    expect(await list.getByRole('listitem').count()).toBe(problems.length);
    // "Line 12" moves the cursor to that line of the editor.
    await list.getByRole('button', { name: 'Line 12', exact: true }).click();
    const selected = await upload.getByRole('textbox', { name: 'Bundle YAML' }).evaluate((el) => {
      const ta = el as unknown as { value: string; selectionStart: number; selectionEnd: number };
      return ta.value.slice(ta.selectionStart, ta.selectionEnd);
    });
    expect(selected).toBe('      args.path: { bogus_op: 1 }');

    // The good bundle uploads as v1.
    await upload.getByRole('textbox', { name: 'Bundle YAML' }).fill(goodBundle(name));
    const accepted = page.waitForResponse((r) => r.url().endsWith('/api/v1/bundles') && r.request().method() === 'POST');
    await upload.getByRole('button', { name: 'Upload bundle' }).click();
    expect((await accepted).status()).toBe(201);
    const uploaded = page.getByRole('dialog', { name: 'Bundle uploaded' });
    await uploaded.waitFor();

    // Deploy to the environment, through the dialog that says what changes there.
    await uploaded.getByRole('button', { name: 'Deploy v1…' }).click();
    const deploy = page.getByRole('dialog', { name: `Deploy ${name}` });
    await deploy.waitFor();
    await deploy.getByRole('combobox', { name: 'Environment' }).fill(env);
    await deploy.getByText('first deploy here').waitFor();
    await deploy.getByText('Contracts added: no-secret-files, review-refunds').waitFor();
    const deployed = page.waitForResponse((r) => r.url().endsWith(`/api/v1/bundles/${name}/1/deploy`));
    await deploy.getByRole('button', { name: `Deploy v1 to ${env}` }).click();
    expect((await deployed).status()).toBe(201);
    await deploy.waitFor({ state: 'detached' });

    // Per-environment status shows the version; the bundle list shows where it runs.
    const envCard = page.getByRole('list', { name: 'Environments' }).getByRole('listitem').filter({ hasText: env });
    await envCard.getByText('v1', { exact: true }).waitFor();
    await envCard.getByText(`by ${s.admin.email}`).waitFor();
    await page
      .getByRole('navigation', { name: 'Bundles' })
      .getByRole('button', { name: new RegExp(name) })
      .getByText(env)
      .waitFor();

    // The agent subscribed to this bundle receives the signed update, and /current serves it.
    const update = await stream.waitFor('contract_update', (d) => d.bundle_name === name && d.version === 1);
    expect(Buffer.from(String(update.yaml_bytes), 'base64').toString('utf8')).toBe(goodBundle(name));
    expect(update.signature).toEqual(expect.any(String));
    await stream.close();

    // The signing public key is visible and is the console's active key.
    const { public_key: publicKey } = await s.admin.request<{ public_key: string }>('GET', '/settings/signing-key');
    expect(publicKey).toMatch(/^[0-9a-f]{64}$/);
    await page.getByRole('heading', { name: 'Signing public key' }).waitFor();
    await page.getByText(publicKey, { exact: true }).waitFor();
    expect(update.public_key).toBe(publicKey);
    expect(page.uncaughtErrors).toEqual([]);
  });

  test("light theme: a deep link to a bundle's versions lists every version and where each runs", async () => {
    const name = `ops-guard-${uniqueSuffix()}`;
    const env = `contracts-${uniqueSuffix()}`;
    await s.admin.uploadBundle(goodBundle(name));
    await s.admin.uploadBundle(
      goodBundle(
        name,
        '  - id: no-prod-deletes\n    type: pre\n    tool: delete_database\n    when:\n      args.env: { equals: production }\n    then:\n      effect: deny\n      message: "Never"\n',
      ),
    );
    await s.admin.deploy(name, 1, env);

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session, theme: 'light' });
    const page = await trackedPage(context, 'contracts-versions-light');
    await page.goto(`/dashboard/contracts?bundle=${name}&tab=versions`);
    const table = page.getByRole('table', { name: `Versions of ${name}` });
    await table.waitFor();
    expect(await currentTheme(page)).toBe('light');
    const v1 = table.getByRole('row').filter({ has: page.getByRole('cell', { name: 'v1', exact: true }) });
    const v2 = table.getByRole('row').filter({ has: page.getByRole('cell', { name: 'v2', exact: true }) });
    await v1.getByText(env).waitFor();
    await v2.getByText('—').waitFor();
    expect(await page.getByRole('tab', { name: /Versions/ }).getAttribute('aria-selected')).toBe('true');

    // The diff of v1 → v2 shows the added contract.
    await v2.getByRole('button', { name: 'Diff' }).click();
    await page.waitForURL(
      (u) => u.searchParams.get('tab') === 'diff' && u.searchParams.get('a') === '1' && u.searchParams.get('b') === '2',
    );
    const diff = page.getByRole('region', { name: 'Changes from v1 to v2' });
    await diff.getByText('- id: no-prod-deletes', { exact: true }).waitFor();
    // The added line is announced as added (the +/− gutter is decorative).
    const addedRow = diff
      .locator('div')
      .filter({ has: page.getByText('- id: no-prod-deletes', { exact: true }) })
      .last();
    await addedRow.getByText('added:', { exact: true }).waitFor({ state: 'attached' });
    expect(page.uncaughtErrors).toEqual([]);
  });
});

// The first ten minutes on a brand-new console: no sign-in page before setup, the setup link's
// token reaches the API, and Getting started gives snippets that name the bundle it deploys, so
// an agent started from them (only the key filled in) is sent that bundle at once.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SimAgent, type AgentStream } from './agent-sim.js';
import {
  AdminApi,
  launchBrowser,
  PASSWORD,
  setupTokenOf,
  startConsole,
  testContext,
  trackedPage,
  uniqueAgentId,
  uniqueEmail,
  type Console,
} from './harness.js';

let server: Console;
let browser: Browser;
let stream: AgentStream | undefined;
// The admin the setup page creates.
const firstEmail = uniqueEmail();

beforeAll(async () => {
  [server, browser] = await Promise.all([startConsole(), launchBrowser()]);
});
afterAll(async () => {
  await stream?.close();
  await browser?.close();
  await server?.stop();
});

// Records every h1 the page ever shows, from the first paint on (a string: no DOM types here).
const RECORD_HEADINGS = `
  window.__headings = [];
  new MutationObserver(() => {
    for (const h of document.querySelectorAll('h1')) if (!window.__headings.includes(h.textContent)) window.__headings.push(h.textContent);
  }).observe(document, { subtree: true, childList: true, characterData: true });
`;

describe('first run', () => {
  test('the setup page never shows a sign-in heading first, and sends the token from its link', async () => {
    const context = await testContext(browser, server.baseUrl);
    await context.addInitScript({ content: RECORD_HEADINGS });
    const page = await trackedPage(context, 'first-run-setup');
    await page.goto('/dashboard');
    await page.waitForURL('**/dashboard/setup');
    await page.getByRole('button', { name: 'Create admin account' }).waitFor();
    // Without a token in the link, a field to paste it, saying where to find it.
    await page.getByRole('textbox', { name: 'Setup token' }).waitFor();
    await page.getByText(/prints it at start.*data directory/).waitFor();
    expect(await page.evaluate<string[]>('window.__headings')).not.toContain('Sign in');

    await page.goto(`/dashboard/setup?token=${encodeURIComponent(setupTokenOf(server))}`);
    await page.getByText('Setup token taken from the link the console printed.').waitFor();
    expect(await page.getByRole('textbox', { name: 'Setup token' }).count()).toBe(0);
    await page.getByLabel('Email').fill(firstEmail);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/v1/setup') && r.method() === 'POST');
    await page.getByRole('button', { name: 'Create admin account' }).click();
    expect(JSON.parse((await sent).postData() ?? '{}')).toMatchObject({ setup_token: setupTokenOf(server) });
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  });

  test('Getting started: the snippets name the starter bundle, the key stays in the shell, and an agent run from them gets the bundle', async () => {
    // Claimed by the setup page above.
    const health = await fetch(`${server.baseUrl}/api/v1/health`).then((r) => r.json() as Promise<{ bootstrap_complete: boolean }>);
    expect(health.bootstrap_complete).toBe(true);
    const admin = await AdminApi.signIn(server.baseUrl, firstEmail);

    const context = await testContext(browser, server.baseUrl, { session: admin.session, clipboard: true });
    const page = await trackedPage(context, 'first-run-getting-started');
    await page.goto('/dashboard');
    const card = page.getByRole('heading', { name: 'Get your first agent governed' }).locator('xpath=ancestor::div[contains(@class,"overflow-hidden")][1]');
    await card.waitFor();

    // 1. A key, created from the card.
    await card.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create API key' });
    await dialog.getByLabel('Label').fill('first agent');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const reveal = page.getByRole('dialog', { name: 'API key created' });
    const key = await reveal.getByTestId('created-api-key').inputValue();
    await reveal.getByRole('button', { name: 'Done' }).click();
    await reveal.waitFor({ state: 'detached' });

    // 2. Python: the key only in the shell lines; the code names the bundle and reads the key.
    const shell = (await card.getByLabel('Python shell commands', { exact: true }).textContent()) ?? '';
    const code = (await card.getByLabel('Python agent code', { exact: true }).textContent()) ?? '';
    expect(shell).toContain(`export EDICTUM_API_KEY='${key}'`);
    expect(code).not.toContain(key);
    expect(code).toContain('bundle_name="starter"');
    expect(code).toContain('api_key=os.environ["EDICTUM_API_KEY"]');
    expect(code).toContain('environment="production"');
    await card.getByRole('button', { name: 'Copy python agent code' }).click();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(code);
    await card.getByRole('tab', { name: 'TypeScript' }).click();
    const ts = (await card.getByLabel('TypeScript agent code', { exact: true }).textContent()) ?? '';
    expect(ts).toContain("bundleName: 'starter'");
    expect(ts).not.toContain(key);

    // 3. Deploy the starter bundle from the card.
    const deployed = page.waitForResponse((r) => /\/api\/v1\/bundles\/starter\/\d+\/deploy$/.test(r.url()));
    await card.getByRole('button', { name: 'Deploy starter bundle' }).click();
    expect((await deployed).status()).toBe(201);
    await card.getByText(/The starter bundle is deployed to production/).waitFor();

    // 4. An agent with the snippet's settings (only the key filled in) is sent the starter bundle
    //    on connect, and the card's last step agrees with the numbers beside it.
    const agent = new SimAgent(server.baseUrl, key, uniqueAgentId('my-agent'), 'production');
    stream = await agent.connect({ bundleName: 'starter' });
    const update = await stream.waitFor('contract_update', (d) => d.bundle_name === 'starter');
    expect(Buffer.from(String(update.yaml_bytes), 'base64').toString('utf8')).toContain('name: starter');
    await card.getByRole('heading', { name: /Your first agent is connected/ }).waitFor();
    await card.getByText('1 agent connected and governed', { exact: false }).waitFor();
    // Not done yet: the stats bar does not count it before its first event either.
    await page.getByRole('region', { name: 'Last 24 hours at a glance' }).getByText('0/0', { exact: true }).waitFor();
    // 5. After a reload (the card stays while the overview is empty) the key is gone: a placeholder in the shell, never inside the code.
    await page.reload();
    await card.waitFor();
    const shellAfter = (await card.getByLabel('Python shell commands', { exact: true }).textContent()) ?? '';
    const codeAfter = (await card.getByLabel('Python agent code', { exact: true }).textContent()) ?? '';
    expect(shellAfter).toContain("export EDICTUM_API_KEY='<your API key>'");
    expect(shellAfter).not.toContain(key);
    expect(codeAfter).toBe(code);

    // 6. Its first tool call: the step completes, in agreement with the stats bar.
    await agent.sendEvents([agent.event('read_file', 'call_denied', { contract: 'no-secret-files', args: { path: '.env' } })]);
    await card.getByRole('heading', { name: /Your first agent is reporting/ }).waitFor();
    await card.getByText('1 agent, 1 event in the last 24 hours.', { exact: false }).waitFor();
    await page.getByRole('region', { name: 'Last 24 hours at a glance' }).getByText('1/1', { exact: true }).waitFor();

    expect(page.uncaughtErrors).toEqual([]);
  });
});

// Audit trail from the Events page: Verify reports the chain intact, and the evidence pack
// downloads as a zip that the offline verifier accepts.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { SimAgent } from './agent-sim.js';
import { testContext, trackedPage, uniqueAgentId, uniqueSuffix, useConsole } from './harness.js';

const s = useConsole();
const run = promisify(execFile);

describe('audit', () => {
  test('Verify says intact; the evidence pack downloads and verifies offline', async () => {
    const env = `audit-${uniqueSuffix()}`;
    const key = await s.admin.createKey(env);
    const agent = new SimAgent(s.server.baseUrl, key.key, uniqueAgentId('audit'), env);
    await agent.sendEvents([agent.event(`read_${uniqueSuffix()}`, 'call_allowed', { args: { path: 'a.txt' } })]);

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'audit');
    await page.goto('/dashboard/events');
    await page.getByRole('button', { name: 'Audit' }).click();
    const dialog = page.getByRole('dialog', { name: 'Audit trail' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Verify' }).click();
    await dialog.getByRole('status').filter({ hasText: /^Intact: / }).waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('link', { name: 'Download evidence pack' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^evidence-.*\.zip$/);
    const out = await run(process.execPath, ['scripts/verify-evidence.mjs', await download.path()]);
    expect(out.stdout).toMatch(/^INTACT: /);
    expect(page.uncaughtErrors).toEqual([]);
  });
});

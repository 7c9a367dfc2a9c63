// Evaluate and Replay: a stored bundle is evaluated in the playground (verdict, deciding contract,
// trace, the TypeScript difference sentence), a broken edit shows its problem on its line; an
// event opens the playground pre-filled; a replay of a candidate version counts the changes on
// recorded calls and links its examples to their events, from the bundle page and the deploy dialog.
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { testContext, trackedPage, uniqueSuffix, useConsole } from './harness.js';
import { FLEET_V1, FLEET_V2 } from '../routes/replay-fixtures.js';

const s = useConsole();

function sandbox(name: string): string {
  return `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: ${name}
defaults:
  mode: enforce
contracts:
  - id: workspace-only
    type: sandbox
    tool: read_file
    within: [/workspace]
    message: "Path outside /workspace"
  - id: no-env-files
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: "Reading {args.path} is not allowed"
`;
}

async function postEvents(key: string, events: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${s.server.baseUrl}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  expect(res.status).toBeLessThan(300);
}

const event = (agent: string, tool: string, args: Record<string, unknown>, verdict: string, minutesAgo: number) => ({
  call_id: randomUUID(),
  agent_id: agent,
  tool_name: tool,
  verdict,
  mode: 'enforce',
  timestamp: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
  payload: { tool_args: args, environment: 'production', principal: { userId: 'u-1', role: 'dev' }, bundle_name: 'fleet' },
});

describe('evaluate and replay', () => {
  test('the playground evaluates a stored version, says when TypeScript agents differ, and puts problems on their lines', async () => {
    const name = `sbx-${uniqueSuffix()}`;
    await s.admin.uploadBundle(sandbox(name));
    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'evaluate-page');
    await page.goto('/dashboard/evaluate');
    await page.getByRole('heading', { name: 'Evaluate', level: 1 }).waitFor();
    await page.getByLabel('Stored bundle').selectOption(name);
    await page.locator('.cm-content').getByText(`name: ${name}`).waitFor();

    await page.getByLabel('Tool', { exact: true }).fill('read_file');
    await page.getByLabel('Arguments (JSON)').fill('{"path": "/workspace/app/.env"}');
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/bundles/evaluate'));
    await page.getByRole('button', { name: 'Evaluate' }).click();
    expect((await answered).status()).toBe(200);
    const verdict = page.getByRole('region', { name: 'Verdict' }).or(page.locator('[aria-label="Verdict"]'));
    await expect.poll(() => verdict.getByText('Denied').first().isVisible()).toBe(true);
    expect(await page.getByTestId('deciding-contract').textContent()).toBe('no-env-files');
    expect(await page.getByTestId('verdict-message').textContent()).toBe('Reading /workspace/app/.env is not allowed');
    await verdict.getByRole('cell', { name: 'no-env-files' }).waitFor();

    // Another tool: Python agents allow it, TypeScript agents apply the sandbox to every tool.
    await page.getByLabel('Tool', { exact: true }).fill('send_email');
    await page.getByLabel('Arguments (JSON)').fill('{"to": "amy@example.com"}');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await page.getByRole('note').getByText('Your TypeScript agents would deny this call: every sandbox applies to every tool there.').waitFor();
    await verdict.getByText('Allowed').first().waitFor();

    // A broken edit: the server's problem is marked on its line in the editor.
    await page.locator('.cm-content').getByText('type: pre').click();
    await page.keyboard.press('End');
    await page.keyboard.type('x');
    await page.getByText('Edited: evaluating your edited YAML').waitFor();
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/bundles/evaluate'));
    await page.getByRole('button', { name: 'Evaluate' }).click();
    expect((await refused).status()).toBe(422);
    await page.getByRole('alert').first().waitFor();
    await page.locator('.cm-lint-marker-error').first().waitFor();
    expect(page.uncaughtErrors).toEqual([]);
  });

  test('a replay of a candidate counts the changes on recorded calls and links to the events; the deploy dialog runs one too', async () => {
    await s.admin.uploadBundle(FLEET_V1);
    await s.admin.uploadBundle(FLEET_V2);
    await s.admin.deploy('fleet', 1, 'production');
    const key = await s.admin.createKey('production');
    await postEvents(key.key, [
      event('agent-a', 'read_file', { path: '/app/.env' }, 'call_denied', 5),
      event('agent-b', 'shell', { command: 'rm -rf /var/cache' }, 'call_allowed', 10),
      event('agent-b', 'shell', { command: 'rm -rf /srv/old' }, 'call_allowed', 15),
      event('agent-a', 'write_file', { path: '/tmp/x' }, 'call_denied', 20),
    ]);

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'replay-panel');
    await page.goto('/dashboard/contracts?bundle=fleet&tab=replay&version=2');
    await page.getByRole('button', { name: 'Replay v2 against recorded calls' }).click();
    await page.getByTestId('replay-status').getByText(/^Done/).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('count-newly_denied').textContent()).toBe('2');
    expect(await page.getByTestId('count-newly_allowed').textContent()).toBe('1');
    expect(await page.getByTestId('count-unchanged').textContent()).toBe('1');
    expect(await page.getByRole('progressbar', { name: 'Replay progress' }).getAttribute('aria-valuenow')).toBe('100');

    // An example opens its event.
    await page.getByRole('link', { name: 'shell' }).first().click();
    await page.waitForURL((u) => u.pathname === '/dashboard/events' && !!u.searchParams.get('event'));
    const detail = page.locator('[aria-label="Event detail"]');
    await detail.getByText('rm -rf /var/cache').first().waitFor();

    // "Evaluate this call" opens the playground with the call filled in.
    await detail.getByRole('link', { name: 'Evaluate this call' }).click();
    await page.waitForURL((u) => u.pathname === '/dashboard/evaluate');
    expect(await page.getByLabel('Tool', { exact: true }).inputValue()).toBe('shell');
    expect(JSON.parse(await page.getByLabel('Arguments (JSON)').inputValue())).toEqual({ command: 'rm -rf /var/cache' });
    expect(JSON.parse(await page.getByLabel('Principal (JSON, optional)').inputValue())).toMatchObject({ user_id: 'u-1' });

    // The deploy dialog replays before confirming, against what runs in the chosen environment.
    await page.goto('/dashboard/contracts?bundle=fleet');
    await page.getByRole('button', { name: 'Deploy…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deploy fleet' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Replay recorded calls' }).click();
    await dialog.getByRole('button', { name: 'Replay v2 against recorded calls' }).click();
    await dialog.getByTestId('replay-status').getByText(/^Done/).waitFor({ timeout: 30_000 });
    expect(await dialog.getByTestId('count-newly_denied').textContent()).toBe('2');
    await page.keyboard.press('Escape');

    // A custom range (12 to 3 minutes ago) holds two of the four calls; the panel follows the job
    // on the live stream: one read when it starts, one when the stream says it ended (no polling).
    await page.goto('/dashboard/contracts?bundle=fleet&tab=replay&version=2');
    const [from, until] = await page.evaluate(() => {
      const local = (ms: number) => {
        const d = new Date(Date.now() - ms);
        return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      };
      return [local(12 * 60_000), local(3 * 60_000)];
    });
    await page.getByLabel('Window').selectOption({ label: 'Custom range…' });
    // An inverted range is refused in the panel, before any request.
    await page.getByLabel('From').fill(until!);
    await page.getByLabel('Until (empty: now)').fill(from!);
    await page.getByRole('button', { name: 'Replay v2 against recorded calls' }).click();
    await page.getByRole('alert').getByText('The range must end after it starts.').waitFor();
    await page.getByLabel('From').fill(from!);
    await page.getByLabel('Until (empty: now)').fill(until!);
    const jobReads: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'GET' && /\/api\/v1\/bundles\/replay\/[0-9a-f-]{36}$/.test(r.url())) jobReads.push(r.url());
    });
    const started = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/bundles/replay'));
    await page.getByRole('button', { name: 'Replay v2 against recorded calls' }).click();
    const body = (await started).postDataJSON() as { since: string; until: string };
    expect(Date.parse(body.until) - Date.parse(body.since)).toBe(9 * 60_000);
    await page.getByTestId('replay-status').getByText(/^Done/).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('count-newly_denied').textContent()).toBe('1');
    expect(await page.getByTestId('count-unchanged').textContent()).toBe('1');
    expect(await page.getByTestId('count-newly_allowed').textContent()).toBe('0');
    expect(jobReads.length).toBeLessThanOrEqual(2);
    expect(page.uncaughtErrors).toEqual([]);
  });
});

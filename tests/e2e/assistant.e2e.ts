// The contract assistant in the browser, against a local fake OpenAI-protocol provider: configure
// it in Settings > AI and test it, ask on the Evaluate page, watch the tool activity and the
// proposal's proofs, apply it to the editor, then see the request in the usage table.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testContext, trackedPage, useConsole } from './harness.js';
import { FakeAi } from '../fakes/fake-ai.js';

const s = useConsole({ EDICTUM_OUTBOUND_ALLOW: '127.0.0.1' });
let ai: FakeAi;
beforeAll(async () => {
  ai = await new FakeAi('openai').start();
});
afterAll(async () => {
  await ai?.close();
});

const PROPOSAL = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: guardrails
defaults:
  mode: enforce
contracts:
  - id: no-env-files
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: "Reading {args.path} is not allowed"
  - id: approve-big-refunds
    type: pre
    tool: refund
    when:
      args.amount: { gt: 500 }
    then:
      effect: approve
      message: "Refund of {args.amount} needs a human"
`;

const event = (tool: string, args: Record<string, unknown>, minutesAgo: number) => ({
  call_id: randomUUID(),
  agent_id: 'shop-agent',
  tool_name: tool,
  verdict: 'call_allowed',
  mode: 'enforce',
  timestamp: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
  payload: { tool_args: args, environment: 'production' },
});

describe('contract assistant', () => {
  test('configure AI with a fake provider, ask, see the proofs, apply to the editor', async () => {
    const key = await s.admin.createKey('production');
    const res = await fetch(`${s.server.baseUrl}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [event('read_file', { path: '/app/.env' }, 3), event('refund', { amount: 900 }, 4), event('refund', { amount: 20 }, 5)] }),
    });
    expect(res.status).toBeLessThan(300);

    const context = await testContext(s.browser, s.server.baseUrl, { session: s.admin.session });
    const page = await trackedPage(context, 'assistant');

    // Not configured: the Evaluate page has no assistant.
    await page.goto('/dashboard/evaluate');
    await page.getByRole('heading', { name: 'Evaluate', level: 1 }).waitFor();
    expect(await page.getByText('Contract assistant').count()).toBe(0);

    await page.goto('/dashboard/settings?tab=ai');
    await page.getByLabel('Provider').selectOption('openai');
    await page.getByLabel('Model').fill('gpt-4o-mini');
    await page.getByLabel('Base URL').fill(ai.url);
    await page.getByLabel('API key').fill('sk-e2e-0123456789abcdef-SECRET-wxyz');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Configured', { exact: true }).waitFor();
    expect(await page.getByLabel('API key').getAttribute('placeholder')).toBe('sk-e2e-0...wxyz (stored; leave empty to keep)');
    ai.queue({ text: 'OK', usage: { input: 10, output: 1 } });
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/^Connected to gpt-4o-mini in \d+ ms$/).waitFor();

    ai.queue(
      { tools: [{ name: 'list_tools_seen', args: { days: 7 } }] },
      { text: `Your agents call read_file and refund.\n\`\`\`yaml\n${PROPOSAL}\`\`\`\nApply it when it looks right.`, usage: { input: 800, output: 90 } },
    );
    await page.goto('/dashboard/evaluate');
    const panel = page.getByRole('region', { name: 'Contract assistant' }).or(page.locator('[aria-label="Contract assistant"]'));
    await panel.getByText('Contract assistant').first().waitFor();
    await panel.getByLabel('Ask the assistant').fill('block reading .env files and ask approval for refunds over 500');
    await panel.getByRole('button', { name: 'Send' }).click();
    await panel.getByText('list_tools_seen ·', { exact: false }).waitFor();
    const proposal = panel.getByTestId('assistant-proposal');
    await proposal.getByText('Valid', { exact: true }).waitFor();
    expect(await proposal.getByTestId('proof-summary').textContent()).toBe('would have denied 1 and asked approval for 1 of 3 `read_file`, `refund` calls in the last 7 days.');
    await proposal.getByText('Replayed on 3 calls').waitFor();
    await proposal.getByRole('cell', { name: '{"amount": 900}' }).waitFor();
    await panel.getByText('Your agents call read_file and refund.').waitFor();

    await proposal.getByRole('button', { name: 'Apply to editor' }).click();
    await page.locator('.cm-content').getByText('id: approve-big-refunds').waitFor();

    // The applied YAML evaluates: a big refund needs a human.
    await page.getByLabel('Tool', { exact: true }).fill('refund');
    await page.getByLabel('Arguments (JSON)').fill('{"amount": 750}');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await page.getByTestId('deciding-contract').getByText('approve-big-refunds').waitFor();

    await page.goto('/dashboard/settings?tab=ai');
    await page.getByRole('table', { name: 'Usage per day' }).waitFor();
    expect(await page.getByText('sk-e2e-0123456789abcdef-SECRET-wxyz').count()).toBe(0);
    expect(page.uncaughtErrors).toEqual([]);
    await context.close();
  });
});

// `npm run screenshots`: a fresh console (embedded, new data dir) seeded with realistic data
// through the real API, then a PNG of every dashboard page in both themes at 1440×900 (and the
// approvals page at phone width) in docs/screenshots/<page>-<theme>.png.
//
// It reuses the e2e harness and the simulated agent (TypeScript), so it re-runs itself under
// `node --import tsx` after making sure dependencies and the dashboard build are in place.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, checkNode, ensureDashboardBuilt, ensureInstalled, say } from './lib.mjs';

if (!process.env.EDICTUM_SCREENSHOTS_CHILD) {
  checkNode();
  ensureInstalled();
  ensureDashboardBuilt();
  const res = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, EDICTUM_SCREENSHOTS_CHILD: '1' },
  });
  process.exit(res.status ?? 1);
}

const OUT = join(ROOT, 'docs', 'screenshots');
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const THEMES = ['dark', 'light'];
const ADMIN = { email: 'ops@acme.example', password: 'correct horse battery staple', org: 'Acme Support' };

const harness = await import('../tests/e2e/harness.ts');
const { SimAgent, goodBundle } = await import('../tests/e2e/agent-sim.ts');
const { WebhookReceiver } = await import('../tests/e2e/webhook-receiver.ts');
const { startConsole, launchBrowser, newContext, AdminApi, waitForLive } = harness;

const HOUR = 3_600_000;

/** Bundles as a team would write them: v1 and v2 of the support guardrails, and a billing one. */
const SUPPORT_V2_EXTRA = `  - id: no-bulk-email
    type: pre
    tool: send_email
    when:
      args.recipients: { gt: 50 }
    then:
      effect: deny
      message: "Bulk email ({args.recipients} recipients) is not allowed"
      tags: [spam]
`;
const BILLING = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: billing-guardrails
  description: Money movement needs a human above small amounts
defaults:
  mode: enforce
contracts:
  - id: wire-limit
    type: pre
    tool: wire_transfer
    when:
      args.amount: { gt: 1000 }
    then:
      effect: approve
      message: "Wire of {args.amount} EUR needs a human"
      timeout: 1800
      timeout_effect: deny
  - id: no-foreign-iban
    type: pre
    tool: wire_transfer
    when:
      args.iban: { starts_with: "RU" }
    then:
      effect: deny
      message: "Transfers to this country are blocked"
      tags: [sanctions]
`;

/** A day of one agent's tool calls: every verdict, spread over the last 24 hours. */
function dayOfEvents(agent, plan, bundle) {
  const events = [];
  const now = Date.now();
  let i = 0;
  for (const step of plan) {
    for (let n = 0; n < step.count; n++) {
      // Spread evenly over 23.5 hours with a little wobble, newest last.
      const at = new Date(now - 23.5 * HOUR + (((i * 7919) % 1000) / 1000) * 23.4 * HOUR);
      i++;
      events.push(
        agent.event(step.tool, step.verdict, {
          mode: step.mode,
          args: step.args(n),
          contract: step.contract ?? null,
          reason: step.reason ?? null,
          at,
          bundleName: bundle?.name ?? null,
          policyVersion: bundle?.revision_hash ?? null,
        }),
      );
    }
  }
  return events.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

async function seed(server, receiver) {
  const baseUrl = server.baseUrl;
  const setup = await fetch(`${baseUrl}/api/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-requested-with': 'screenshots' },
    body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password, tenant_name: ADMIN.org, setup_token: harness.setupTokenOf(server) }),
  });
  if (setup.status !== 201) throw new Error(`setup: ${setup.status} ${await setup.text()}`);
  const admin = await AdminApi.signIn(baseUrl, ADMIN.email, ADMIN.password);

  // Keys in two environments.
  const supportKey = await admin.createKey('production', 'support-bot production');
  const billingKey = await admin.createKey('production', 'billing-agent production');
  const stagingKey = await admin.createKey('staging', 'research-agent staging');
  await admin.createKey('staging', 'load test (unused)');

  // Bundles: support v1 → staging, v2 → production; billing v1 → production.
  const describe = (yaml) => yaml.replace('description: e2e bundle', 'description: Guardrails for the customer support agents');
  await admin.uploadBundle(describe(goodBundle('support-guardrails')));
  const supportV2 = await admin.uploadBundle(describe(goodBundle('support-guardrails', SUPPORT_V2_EXTRA)));
  const billing = await admin.uploadBundle(BILLING);
  await admin.deploy('support-guardrails', 1, 'staging');
  await admin.deploy('support-guardrails', 2, 'production');
  await admin.deploy('billing-guardrails', 1, 'production');

  // A webhook channel (the receiver is local; the console runs with EDICTUM_OUTBOUND_ALLOW).
  const channel = await admin.request(
    'POST',
    '/notifications/channels',
    {
      name: 'Ops webhook',
      channel_type: 'webhook',
      config: { url: `${receiver.url}/edictum` },
      filters: { environments: ['production'] },
    },
    201,
  );
  await admin.request('POST', `/notifications/channels/${channel.id}/test`, undefined, 200);

  // Agents connected to their streams (kept open while the screenshots are taken).
  const support = new SimAgent(baseUrl, supportKey.key, 'support-bot', 'production');
  const billingAgent = new SimAgent(baseUrl, billingKey.key, 'billing-agent', 'production');
  const research = new SimAgent(baseUrl, stagingKey.key, 'research-agent', 'staging');
  const streams = [
    await support.connect({ bundleName: 'support-guardrails' }),
    await billingAgent.connect({ bundleName: 'billing-guardrails' }),
    await research.connect({ bundleName: 'support-guardrails' }),
  ];

  const orders = (n) => ({ customer_id: `C-${1040 + n}`, status: n % 3 ? 'open' : 'shipped' });
  await support.sendEvents(
    dayOfEvents(
      support,
      [
        { tool: 'search_orders', verdict: 'call_allowed', count: 48, args: orders },
        { tool: 'search_orders', verdict: 'call_executed', count: 30, args: orders },
        { tool: 'read_file', verdict: 'call_allowed', count: 12, args: (n) => ({ path: `kb/article-${n}.md` }) },
        {
          tool: 'read_file',
          verdict: 'call_denied',
          count: 6,
          contract: 'no-secret-files',
          reason: 'Refusing to read .env',
          args: () => ({ path: '.env' }),
        },
        {
          tool: 'issue_refund',
          verdict: 'call_allowed',
          count: 14,
          args: (n) => ({ order: `A-${2000 + n}`, amount: 20 + n * 3 }),
        },
        {
          tool: 'issue_refund',
          verdict: 'call_approval_requested',
          count: 5,
          contract: 'review-refunds',
          args: (n) => ({ order: `A-${2100 + n}`, amount: 150 + n * 40 }),
        },
        {
          tool: 'issue_refund',
          verdict: 'call_approval_granted',
          count: 3,
          contract: 'review-refunds',
          args: (n) => ({ order: `A-${2100 + n}`, amount: 150 + n * 40 }),
        },
        {
          tool: 'issue_refund',
          verdict: 'call_approval_denied',
          count: 2,
          contract: 'review-refunds',
          reason: 'Chargeback risk',
          args: (n) => ({ order: `A-${2110 + n}`, amount: 900 }),
        },
        {
          tool: 'send_email',
          verdict: 'call_allowed',
          count: 22,
          args: (n) => ({ to: `customer${n}@example.com`, recipients: 1 }),
        },
        {
          tool: 'send_email',
          verdict: 'call_denied',
          count: 2,
          contract: 'no-bulk-email',
          reason: 'Bulk email (120 recipients) is not allowed',
          args: () => ({ recipients: 120 }),
        },
        {
          tool: 'send_email',
          verdict: 'call_would_deny',
          mode: 'observe',
          count: 4,
          contract: 'tone-check',
          reason: 'Message looks like a promise of compensation',
          args: (n) => ({ to: `vip${n}@example.com`, recipients: 1 }),
        },
      ],
      { name: 'support-guardrails', revision_hash: supportV2.revision_hash },
    ),
  );
  await billingAgent.sendEvents(
    dayOfEvents(
      billingAgent,
      [
        { tool: 'get_invoice', verdict: 'call_allowed', count: 40, args: (n) => ({ invoice: `INV-${5000 + n}` }) },
        {
          tool: 'wire_transfer',
          verdict: 'call_allowed',
          count: 9,
          args: (n) => ({ amount: 200 + n * 50, iban: 'DE89 3704 0044 0532 0130 00' }),
        },
        {
          tool: 'wire_transfer',
          verdict: 'call_approval_requested',
          count: 4,
          contract: 'wire-limit',
          args: (n) => ({ amount: 4000 + n * 1000, iban: 'FR76 3000 6000 0112 3456 7890 189' }),
        },
        {
          tool: 'wire_transfer',
          verdict: 'call_denied',
          count: 2,
          contract: 'no-foreign-iban',
          reason: 'Transfers to this country are blocked',
          args: () => ({ amount: 950, iban: 'RU02 0445 2560 0407 0281 0412 345' }),
        },
        { tool: 'update_ledger', verdict: 'call_allowed', count: 16, args: (n) => ({ entry: `L-${n}` }) },
      ],
      { name: 'billing-guardrails', revision_hash: billing.revision_hash },
    ),
  );
  await research.sendEvents(
    dayOfEvents(research, [
      { tool: 'web_search', verdict: 'call_allowed', count: 35, args: (n) => ({ query: `competitor pricing ${n}` }) },
      {
        tool: 'bash',
        verdict: 'call_would_deny',
        mode: 'observe',
        count: 5,
        contract: 'review-destructive-shell',
        reason: 'rm -rf needs a human',
        args: () => ({ command: 'rm -rf /tmp/cache' }),
      },
      { tool: 'bash', verdict: 'call_allowed', count: 10, args: (n) => ({ command: `ls -la data/${n}` }) },
      { tool: 'write_file', verdict: 'call_allowed', count: 8, args: (n) => ({ path: `notes/summary-${n}.md` }) },
    ]),
  );

  // Decided approvals (approved and denied, with reasons) and two that are still pending.
  const decided = [
    [
      support,
      {
        tool: 'issue_refund',
        args: { order: 'A-2101', amount: 190 },
        message: 'Refund 190 EUR for order A-2101 (damaged on arrival)',
      },
      { approved: true },
    ],
    [
      support,
      { tool: 'issue_refund', args: { order: 'A-2111', amount: 900 }, message: 'Refund 900 EUR for order A-2111' },
      { approved: false, reason: 'Customer is flagged for chargeback abuse' },
    ],
    [
      billingAgent,
      {
        tool: 'wire_transfer',
        args: { amount: 4500, iban: 'FR76 3000 6000 0112 3456 7890 189' },
        message: 'Pay supplier invoice INV-5012',
      },
      { approved: true, reason: 'Matches PO-7781' },
    ],
    [
      support,
      { tool: 'close_account', args: { customer_id: 'C-1077' }, message: 'Customer asked to close their account' },
      { approved: false, reason: 'Needs identity check first' },
    ],
  ];
  for (const [agent, req, decision] of decided) {
    const a = await agent.requestApproval({ ...req, timeout: 900 });
    await admin.request('PUT', `/approvals/${a.id}`, decision, 200);
  }
  await support.requestApproval({
    tool: 'issue_refund',
    args: { order: 'A-2207', amount: 480, currency: 'EUR' },
    message: 'Refund 480 EUR for order A-2207: parcel lost in transit',
    timeout: 900,
  });
  await billingAgent.requestApproval({
    tool: 'wire_transfer',
    args: { amount: 12500, iban: 'NL91 ABNA 0417 1643 00', reference: 'INV-5031' },
    message: 'Pay supplier invoice INV-5031 (12,500 EUR)',
    timeout: 1800,
  });

  // Registration details shown on the agent pages.
  await admin.request('PATCH', '/agent-registrations/support-bot', {
    display_name: 'Support bot',
    tags: { team: 'support', tier: 'frontline' },
  });
  await admin.request('PATCH', '/agent-registrations/billing-agent', {
    display_name: 'Billing agent',
    tags: { team: 'finance' },
  });

  // The contract library: two starter packs (each makes a composition), one contract edited into
  // v2, and the support pack's composition with one contract in observe mode, deployed to staging.
  await admin.request('POST', '/contract-templates/support-refunds/add', { create_composition: true }, 201);
  await admin.request('POST', '/contract-templates/production-baseline/add', { create_composition: true }, 201);
  const compositions = await admin.request('GET', '/compositions');
  const supportComp = await admin.request('GET', `/compositions/${compositions.find((c) => c.name.includes('support'))?.name ?? compositions[0].name}`);
  const items = supportComp.contracts.map((c, i) => ({ contract_id: c.contract_id, position: i, enabled: true, version: c.contract_version, mode_override: i === supportComp.contracts.length - 1 ? 'observe' : null }));
  await admin.request('PUT', `/compositions/${supportComp.name}`, { description: 'Refunds behind approval for the support agents', contracts: items }, 200);
  await admin.request('POST', `/compositions/${supportComp.name}/deploy`, { env: 'staging' }, 201);
  const edited = await admin.request('GET', `/contracts/${supportComp.contracts[0].contract_id}`);
  await admin.request('PUT', `/contracts/${edited.contract_id}`, { description: `${edited.description ?? ''} (reviewed by ops)`.trim(), tags: [...edited.tags, 'reviewed'] }, 200);

  // A break-glass switch in force (docs/rollouts.md), and so a few break-glass rows in the activity log.
  await admin.request('POST', '/break-glass', {
    kind: 'freeze_tool',
    tool: 'wire_transfer',
    reason: 'Suspected invoice fraud: outgoing payments frozen while finance reviews',
    duration_minutes: 240,
  }, 201);

  const [denied] = await admin.request('GET', '/events?agent_id=support-bot&verdict=call_denied&tool_name=read_file&limit=1');
  return { admin, streams, deniedEventId: denied.id, composition: supportComp.name, libraryContract: edited.contract_id };
}

/** Waits for what makes each page look finished (role selectors, as the tests use). */
const PAGES = [
  {
    name: 'home',
    path: '/dashboard',
    ready: async (p) => {
      await p.getByRole('region', { name: 'Last 24 hours at a glance' }).waitFor();
      await p.getByRole('list', { name: 'Pending approvals' }).getByRole('listitem').first().waitFor();
    },
  },
  {
    name: 'events',
    path: '/dashboard/events',
    ready: (p) => p.getByRole('grid', { name: 'Events' }).getByRole('row').nth(5).waitFor(),
  },
  {
    name: 'events-detail',
    path: (s) => `/dashboard/events?event=${s.deniedEventId}`,
    ready: (p) => p.getByRole('heading', { name: 'read_file', level: 2 }).waitFor(),
  },
  { name: 'approvals', path: '/dashboard/approvals', ready: (p) => p.locator('article[data-approval-id]').nth(1).waitFor() },
  {
    name: 'approvals-history',
    path: '/dashboard/approvals?tab=history',
    ready: (p) => p.getByRole('table', { name: 'Approval history' }).waitFor(),
  },
  {
    name: 'contracts',
    path: '/dashboard/contracts?bundle=support-guardrails',
    ready: async (p) => {
      await p.getByRole('list', { name: 'Environments' }).waitFor();
      await p.getByRole('heading', { name: 'Signing public key' }).waitFor();
    },
  },
  {
    name: 'contracts-replay',
    path: '/dashboard/contracts?bundle=support-guardrails&tab=replay&version=2',
    ready: async (p) => {
      await p.getByLabel('Compare with').selectOption('1');
      await p.getByRole('button', { name: 'Replay v2 against recorded calls' }).click();
      await p.getByTestId('replay-status').getByText(/^Done/).waitFor({ timeout: 30_000 });
    },
  },
  {
    name: 'evaluate',
    path: `/dashboard/evaluate?bundle=support-guardrails&tool=send_email&args=${encodeURIComponent('{\n  "recipients": 120,\n  "subject": "Spring sale"\n}')}`,
    ready: async (p) => {
      await p.locator('.cm-content').getByText('name: support-guardrails').waitFor();
      await p.getByRole('button', { name: 'Evaluate' }).click();
      await p.getByTestId('deciding-contract').waitFor();
    },
  },
  {
    name: 'agents',
    path: '/dashboard/agents',
    ready: (p) => p.getByRole('table', { name: 'Agents' }).getByRole('link', { name: 'Support bot' }).waitFor(),
  },
  {
    name: 'agent',
    path: '/dashboard/agents/support-bot',
    ready: (p) => p.getByRole('heading', { name: 'Support bot', level: 1 }).waitFor(),
  },
  {
    name: 'library',
    path: '/dashboard/library',
    ready: (p) => p.getByRole('list', { name: 'Library contracts' }).getByRole('listitem').nth(3).waitFor(),
  },
  {
    name: 'library-templates',
    path: '/dashboard/library?tab=templates',
    ready: (p) => p.getByRole('list', { name: 'Templates' }).getByRole('listitem').nth(3).waitFor(),
  },
  {
    name: 'library-contract',
    path: (seeded) => `/dashboard/library/${seeded.libraryContract}`,
    ready: (p) => p.getByRole('list', { name: 'Used by' }).waitFor(),
  },
  {
    name: 'compositions',
    path: '/dashboard/compositions',
    ready: (p) => p.getByRole('list', { name: 'Compositions' }).getByRole('listitem').nth(1).waitFor(),
  },
  {
    name: 'composer',
    path: (seeded) => `/dashboard/compositions/${seeded.composition}`,
    ready: async (p) => {
      await p.getByTestId('preview-summary').waitFor();
      await p.getByRole('list', { name: 'Deployments' }).waitFor();
    },
  },
  { name: 'keys', path: '/dashboard/keys', ready: (p) => p.getByRole('table', { name: 'API keys' }).waitFor() },
  { name: 'settings', path: '/dashboard/settings', ready: (p) => p.getByRole('heading', { name: 'Workers' }).waitFor() },
  {
    name: 'break-glass',
    path: '/dashboard/break-glass',
    ready: (p) => p.getByRole('list', { name: 'Active switches' }).getByRole('listitem').first().waitFor(),
  },
  { name: 'activity', path: '/dashboard/activity', ready: (p) => p.getByRole('table', { name: 'Admin activity' }).waitFor() },
  {
    name: 'settings-notifications',
    path: '/dashboard/settings?tab=notifications',
    ready: (p) => p.getByRole('table', { name: 'Notification channels' }).waitFor(),
  },
];

async function settle(page) {
  // No skeleton or spinner left, then one more frame so charts have their final size.
  await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached' });
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
}

async function shoot(page, file) {
  await settle(page);
  await page.screenshot({ path: join(OUT, file), animations: 'disabled', caret: 'hide' });
  say(`wrote docs/screenshots/${file}`);
}

/** The Add channel dialog for Telegram and Slack, and the set-up view after creating one. */
async function channelShots(browser, baseUrl, session, theme) {
  const ctx = await newContext(browser, baseUrl, { theme, viewport: { width: 1100, height: 1000 }, session });
  const page = await ctx.newPage();
  const openAdd = async (type) => {
    await page.goto('/dashboard/settings?tab=notifications');
    await page.getByRole('button', { name: 'Add channel' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add notification channel' });
    await dialog.getByRole('radio', { name: type }).check({ force: true });
    return dialog;
  };
  let dialog = await openAdd(/^Slack app\b/);
  await dialog.getByLabel('Slack app manifest', { exact: true }).waitFor();
  await shoot(page, `channel-slack-${theme}.png`);

  dialog = await openAdd(/^Telegram\b/);
  await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(`Ops on-call (${theme})`);
  await dialog.getByLabel('Bot token').fill('7012345678:AAFexampleexampleexampleexample12');
  await dialog.getByRole('textbox', { name: 'Chat ID' }).fill('@acme_ops');
  const approvers = dialog.getByRole('combobox', { name: 'Allowed approvers (optional)' }).or(dialog.getByRole('textbox', { name: 'Allowed approvers (optional)' }));
  await approvers.fill('123456789');
  await approvers.press('Enter');
  await shoot(page, `channel-telegram-${theme}.png`);
  await dialog.getByRole('button', { name: 'Create channel' }).click();
  await page.getByRole('dialog', { name: `Set up Ops on-call (${theme})` }).getByLabel('Telegram setWebhook call', { exact: true }).waitFor();
  await shoot(page, `channel-telegram-setup-${theme}.png`);
  await ctx.close();
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const receiver = await WebhookReceiver.start();
  const [server, browser] = await Promise.all([startConsole({ EDICTUM_OUTBOUND_ALLOW: '127.0.0.1' }), launchBrowser()]);
  let streams = [];
  try {
    // The setup wizard exists only before the first account.
    for (const theme of THEMES) {
      const ctx = await newContext(browser, server.baseUrl, { theme, viewport: DESKTOP });
      const page = await ctx.newPage();
      const link = new URL(server.setupUrl);
      await page.goto(`${link.pathname}${link.search}`);
      await page.getByRole('button', { name: 'Create admin account' }).waitFor();
      await shoot(page, `setup-${theme}.png`);
      await ctx.close();
    }

    const seeded = await seed(server, receiver);
    streams = seeded.streams;

    for (const theme of THEMES) {
      const signedOut = await newContext(browser, server.baseUrl, { theme, viewport: DESKTOP });
      const login = await signedOut.newPage();
      await login.goto('/dashboard/login');
      await login.getByRole('button', { name: 'Sign in' }).waitFor();
      await shoot(login, `login-${theme}.png`);
      await signedOut.close();

      const ctx = await newContext(browser, server.baseUrl, { theme, viewport: DESKTOP, session: seeded.admin.session });
      const page = await ctx.newPage();
      for (const p of PAGES) {
        await page.goto(typeof p.path === 'function' ? p.path(seeded) : p.path);
        await waitForLive(page);
        await p.ready(page);
        await shoot(page, `${p.name}-${theme}.png`);
      }
      await ctx.close();

      const phone = await newContext(browser, server.baseUrl, { theme, viewport: PHONE, session: seeded.admin.session });
      const mobile = await phone.newPage();
      await mobile.goto('/dashboard/approvals');
      await mobile.locator('article[data-approval-id]').first().waitFor();
      await shoot(mobile, `approvals-phone-${theme}.png`);
      await mobile.goto('/dashboard/keys');
      await mobile.getByRole('button', { name: 'Revoke' }).first().waitFor();
      await shoot(mobile, `keys-phone-${theme}.png`);
      await mobile.goto('/dashboard/events');
      await mobile.getByRole('grid', { name: 'Events' }).getByRole('row').nth(5).waitFor();
      await shoot(mobile, `events-phone-${theme}.png`);
      await mobile.goto(`/dashboard/compositions/${seeded.composition}`);
      await mobile.getByTestId('preview-summary').waitFor();
      await shoot(mobile, `composer-phone-${theme}.png`);
      await phone.close();

      await channelShots(browser, server.baseUrl, seeded.admin.session, theme);
    }
  } finally {
    await browser.close();
    // The console is stopped while the agents are still connected: a console that saw an agent
    // disconnect first currently takes the full 10 s shutdown grace (reported as a server bug).
    await server.stop();
    await Promise.all(streams.map((s) => s.close()));
    await receiver.stop();
  }
}

await main();

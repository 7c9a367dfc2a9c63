/**
 * Page-ready time of every dashboard page in Chromium (docs/performance.md, issue 17).
 *
 *   npm run bench -- page-ready
 *   BENCH_EVENTS=20000 BENCH_AGENTS=20 PAGE_RUNS=7 npm run bench -- page-ready
 *
 * A fresh console (embedded, new data dir, the built dashboard) is claimed with its setup token
 * and seeded through the real HTTP API: API keys, two bundles deployed, BENCH_EVENTS events
 * (default 3000) from BENCH_AGENTS agents (default 5) spread over 30 days in batches of
 * BENCH_BATCH (default 500), BENCH_APPROVALS approvals (default 6, half decided), two library
 * starter packs with their compositions, and a break-glass switch.
 *
 * Page-ready = wall time from `page.goto` to the page's main content (a role selector, as
 * scripts/screenshots.mjs waits for) being visible. Cold = the first visit in a new browser
 * context (empty cache); warm = a second visit in that context. PAGE_RUNS (default 3) of each.
 * The raw baseline, measured the same way in the same run, is the console's own /dashboard/
 * HTML with every asset request aborted (one round trip through the server and the browser),
 * so each page prints its p50 as a ratio of that. BENCH_PAGES=events,agent measures only those. The load average is printed with the figures:
 * on a shared machine the absolute numbers mean little without it.
 */
import { loadavg } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { AdminApi, launchBrowser, newContext, setupTokenOf, startConsole, type Console } from '../tests/e2e/harness.js';
import { SimAgent, goodBundle } from '../tests/e2e/agent-sim.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 3000);
const AGENTS = Math.max(2, Number(process.env.BENCH_AGENTS ?? 5));
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const APPROVALS = Math.max(2, Number(process.env.BENCH_APPROVALS ?? 6));
const RUNS = Number(process.env.PAGE_RUNS ?? 3);
/** Comma-separated page names to measure only those (default: all). */
const ONLY = process.env.BENCH_PAGES?.split(',').map((p) => p.trim()).filter(Boolean);
const TARGET_MS = 1000;
const DAY = 86_400_000;
const ADMIN = { email: 'bench@acme.example', password: 'correct horse battery staple', org: 'Bench' };

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
`;

const TOOLS = ['search_orders', 'read_file', 'issue_refund', 'send_email', 'wire_transfer', 'web_search', 'bash', 'write_file'];
const VERDICTS = ['call_allowed', 'call_allowed', 'call_allowed', 'call_executed', 'call_executed', 'call_denied', 'call_would_deny', 'call_approval_requested'];

interface Seeded {
  admin: AdminApi;
  streams: { close(): Promise<void> }[];
  libraryContract: string;
  composition: string;
}

async function seed(server: Console): Promise<Seeded> {
  const base = server.baseUrl;
  const setup = await fetch(`${base}/api/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-requested-with': 'bench' },
    body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password, tenant_name: ADMIN.org, setup_token: setupTokenOf(server) }),
  });
  if (setup.status !== 201) throw new Error(`setup: ${setup.status} ${await setup.text()}`);
  const admin = await AdminApi.signIn(base, ADMIN.email, ADMIN.password);

  const prodKey = await admin.createKey('production', 'bench production');
  const stagingKey = await admin.createKey('staging', 'bench staging');
  const support = await admin.uploadBundle(goodBundle('support-guardrails'));
  await admin.uploadBundle(BILLING);
  await admin.deploy('support-guardrails', 1, 'production');
  await admin.deploy('support-guardrails', 1, 'staging');
  await admin.deploy('billing-guardrails', 1, 'production');

  const agents = Array.from({ length: AGENTS }, (_, i) =>
    i % 3 === 2
      ? new SimAgent(base, stagingKey.key, `bench-agent-${i}`, 'staging')
      : new SimAgent(base, prodKey.key, `bench-agent-${i}`, 'production'),
  );

  // Each agent connects its stream once (that registers it), as the SDKs do on start.
  const streams = [];
  for (const a of agents) streams.push(await a.connect({ bundleName: 'support-guardrails' }));

  // Events over the last 30 days, skewed towards the first agents and the recent days.
  const now = Date.now();
  let sent = 0;
  while (sent < EVENTS) {
    const n = Math.min(BATCH, EVENTS - sent);
    const byAgent = new Map<SimAgent, ReturnType<SimAgent['event']>[]>();
    for (let k = 0; k < n; k++) {
      const i = sent + k;
      const agent = agents[Math.floor(((i * 2654435761) % 1000) ** 2 / 1_000_000 * agents.length) % agents.length]!;
      const ageDays = (((i * 7919) % 10_000) / 10_000) ** 1.5 * 30;
      const verdict = VERDICTS[i % VERDICTS.length]!;
      const ev = agent.event(TOOLS[(i * 31) % TOOLS.length]!, verdict, {
        at: new Date(now - ageDays * DAY - (i % 1000)),
        args: { n: i, path: `data/file-${i % 97}.txt`, amount: (i % 50) * 40 },
        contract: verdict === 'call_allowed' || verdict === 'call_executed' ? null : 'no-secret-files',
        reason: verdict === 'call_denied' ? 'Refusing to read .env' : null,
        mode: verdict === 'call_would_deny' ? 'observe' : 'enforce',
        bundleName: 'support-guardrails',
        policyVersion: support.revision_hash,
      });
      (byAgent.get(agent) ?? byAgent.set(agent, []).get(agent)!).push(ev);
    }
    for (const [agent, events] of byAgent) await agent.sendEvents(events);
    sent += n;
  }

  // Approvals: half decided, the rest pending (the overview and approvals pages list them).
  for (let i = 0; i < APPROVALS; i++) {
    const agent = agents[i % agents.length]!;
    const a = await agent.requestApproval({ tool: 'issue_refund', args: { order: `A-${2000 + i}`, amount: 150 + i * 10 }, message: `Refund for order A-${2000 + i}`, timeout: 3600 });
    if (i < APPROVALS / 2) await admin.request('PUT', `/approvals/${a.id}`, { approved: i % 2 === 0, reason: 'bench' }, 200);
  }
  await admin.request('PATCH', '/agent-registrations/bench-agent-0', { display_name: 'Bench agent zero', tags: { team: 'bench' } });

  await admin.request('POST', '/contract-templates/support-refunds/add', { create_composition: true }, 201);
  await admin.request('POST', '/contract-templates/production-baseline/add', { create_composition: true }, 201);
  const compositions = await admin.request<{ name: string }[]>('GET', '/compositions');
  const comp = await admin.request<{ name: string; contracts: { contract_id: string }[] }>('GET', `/compositions/${compositions[0]!.name}`);
  await admin.request('POST', `/compositions/${comp.name}/deploy`, { env: 'staging' }, 201);
  await admin.request('POST', '/break-glass', { kind: 'freeze_tool', tool: 'wire_transfer', reason: 'bench', duration_minutes: 240 }, 201);
  return { admin, streams, composition: comp.name, libraryContract: comp.contracts[0]!.contract_id };
}

interface PageSpec {
  name: string;
  path: string | ((s: Seeded) => string);
  ready: (p: Page) => Promise<unknown>;
}

/** The main content of each page (the selectors of scripts/screenshots.mjs where it has one). */
const PAGES: PageSpec[] = [
  {
    name: 'overview',
    path: '/dashboard',
    ready: async (p) => {
      await p.getByRole('region', { name: 'Last 24 hours at a glance' }).waitFor();
      await p.getByRole('list', { name: 'Pending approvals' }).getByRole('listitem').first().waitFor();
    },
  },
  { name: 'events', path: '/dashboard/events', ready: (p) => p.getByRole('grid', { name: 'Events' }).getByRole('row').nth(5).waitFor() },
  { name: 'approvals', path: '/dashboard/approvals', ready: (p) => p.locator('article[data-approval-id]').nth(1).waitFor() },
  {
    name: 'contracts',
    path: '/dashboard/contracts?bundle=support-guardrails',
    ready: async (p) => {
      await p.getByRole('list', { name: 'Environments' }).waitFor();
      await p.getByRole('heading', { name: 'Signing public key' }).waitFor();
    },
  },
  { name: 'library', path: '/dashboard/library', ready: (p) => p.getByRole('list', { name: 'Library contracts' }).getByRole('listitem').nth(3).waitFor() },
  { name: 'library-contract', path: (s) => `/dashboard/library/${s.libraryContract}`, ready: (p) => p.getByRole('list', { name: 'Used by' }).waitFor() },
  { name: 'compositions', path: '/dashboard/compositions', ready: (p) => p.getByRole('list', { name: 'Compositions' }).getByRole('listitem').nth(1).waitFor() },
  {
    name: 'composer',
    path: (s) => `/dashboard/compositions/${s.composition}`,
    ready: async (p) => {
      await p.getByTestId('preview-summary').waitFor();
      await p.getByRole('list', { name: 'Deployments' }).waitFor();
    },
  },
  { name: 'evaluate', path: '/dashboard/evaluate?bundle=support-guardrails', ready: (p) => p.locator('.cm-content').getByText('name: support-guardrails').waitFor() },
  { name: 'agents', path: '/dashboard/agents', ready: (p) => p.getByRole('table', { name: 'Agents' }).getByRole('link', { name: 'Bench agent zero' }).waitFor() },
  { name: 'agent', path: '/dashboard/agents/bench-agent-0', ready: (p) => p.getByRole('heading', { name: 'Bench agent zero', level: 1 }).waitFor() },
  { name: 'rollouts', path: '/dashboard/rollouts', ready: (p) => p.getByRole('table', { name: 'Rollouts' }).getByRole('link').first().waitFor() },
  { name: 'keys', path: '/dashboard/keys', ready: (p) => p.getByRole('table', { name: 'API keys' }).getByRole('row').nth(1).waitFor() },
  { name: 'settings', path: '/dashboard/settings', ready: (p) => p.getByRole('heading', { name: 'Workers' }).waitFor() },
  { name: 'activity', path: '/dashboard/activity', ready: (p) => p.getByRole('table', { name: 'Admin activity' }).getByRole('row').nth(1).waitFor() },
  { name: 'break-glass', path: '/dashboard/break-glass', ready: (p) => p.getByRole('list', { name: 'Active switches' }).getByRole('listitem').first().waitFor() },
];

function pct(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function stats(xs: number[]): { p50: number; p95: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: pct(s, 0.5), p95: pct(s, 0.95) };
}

async function timed(page: Page, path: string, ready: (p: Page) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await page.goto(path, { waitUntil: 'commit' });
  await ready(page);
  return performance.now() - t0;
}

/** The console's /dashboard/ HTML with every asset aborted: the raw round trip, cold and warm. */
async function baseline(browser: Browser, baseUrl: string, session: string): Promise<{ cold: number[]; warm: number[] }> {
  const cold: number[] = [];
  const warm: number[] = [];
  const loaded = (p: Page) => p.waitForLoadState('load');
  for (let i = 0; i < RUNS; i++) {
    const ctx = await newContext(browser, baseUrl, { session });
    await ctx.route((url) => url.pathname !== '/dashboard/', (r) => r.abort());
    const page = await ctx.newPage();
    cold.push(await timed(page, '/dashboard/', loaded));
    warm.push(await timed(page, '/dashboard/', loaded));
    await ctx.close();
  }
  return { cold, warm };
}

const fmt = (ms: number) => `${Math.round(ms)}`;

async function main(): Promise<void> {
  const started = performance.now();
  const [server, browser] = await Promise.all([startConsole(), launchBrowser()]);
  let streams: Seeded['streams'] = [];
  try {
    const seeded = await seed(server);
    streams = seeded.streams;
    const seedMs = performance.now() - started;
    console.log(`seeded ${EVENTS} events, ${AGENTS} agents, ${APPROVALS} approvals in ${(seedMs / 1000).toFixed(1)} s; ${RUNS} runs per page`);
    const load0 = loadavg();

    const base = await baseline(browser, server.baseUrl, seeded.admin.session);
    const bCold = stats(base.cold);
    const bWarm = stats(base.warm);
    console.log(`baseline /dashboard/ HTML without assets: cold p50 ${fmt(bCold.p50)} ms, warm p50 ${fmt(bWarm.p50)} ms`);
    console.log('page                cold p50  cold p95  warm p50  warm p95  cold/base  warm/base');

    let failed = false;
    for (const spec of PAGES.filter((p) => !ONLY?.length || ONLY.includes(p.name))) {
      const path = typeof spec.path === 'function' ? spec.path(seeded) : spec.path;
      const cold: number[] = [];
      const warm: number[] = [];
      try {
        for (let i = 0; i < RUNS; i++) {
          const ctx = await newContext(browser, server.baseUrl, { session: seeded.admin.session, viewport: { width: 1440, height: 900 } });
          const page = await ctx.newPage();
          page.setDefaultTimeout(30_000);
          cold.push(await timed(page, path, spec.ready));
          warm.push(await timed(page, path, spec.ready));
          await ctx.close();
        }
      } catch (err) {
        failed = true;
        console.log(`RESULT page_ready_${spec.name} ERROR ${(err as Error).message.split('\n')[0]} FAIL`);
        continue;
      }
      const c = stats(cold);
      const w = stats(warm);
      console.log(
        `${spec.name.padEnd(18)} ${fmt(c.p50).padStart(9)} ${fmt(c.p95).padStart(9)} ${fmt(w.p50).padStart(9)} ${fmt(w.p95).padStart(9)}` +
          ` ${(c.p50 / bCold.p50).toFixed(1).padStart(9)}x ${(w.p50 / bWarm.p50).toFixed(1).padStart(9)}x`,
      );
      // The target is absolute (under a second, warm); the ratio is what to compare across machines.
      console.log(
        `RESULT page_ready_${spec.name} cold_p50=${fmt(c.p50)}ms warm_p50=${fmt(w.p50)}ms warm_p95=${fmt(w.p95)}ms ratio_cold=${(c.p50 / bCold.p50).toFixed(1)} ratio_warm=${(w.p50 / bWarm.p50).toFixed(1)} ${w.p50 < TARGET_MS ? 'PASS' : 'FAIL'}`,
      );
    }
    const load1 = loadavg();
    console.log(`load average at start ${load0.map((l) => l.toFixed(2)).join(' ')}, at end ${load1.map((l) => l.toFixed(2)).join(' ')} (cores: ${(await import('node:os')).cpus().length})`);
    console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (failed) process.exitCode = 1;
  } finally {
    await browser.close();
    // The console stops before the agents disconnect (see scripts/screenshots.mjs on why).
    await server.stop();
    await Promise.all(streams.map((s) => s.close()));
  }
}

await main();

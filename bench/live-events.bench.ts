/**
 * The Events page under live ingest (issue 17, "Live updates that keep count"): an open Events
 * page in Chromium while agents post LIVE_RATE events a second (default 1,000) for LIVE_MINUTES
 * (default 60, the hour). Every LIVE_SAMPLE_S seconds (default 30) it records the page's
 * JS heap after a forced garbage collection, its DOM node count, the longest main-thread task since
 * the last sample (PerformanceObserver 'longtask') and the "N new" count the page shows against the
 * number of events actually sent since the page's newest row. Every LIVE_CLICK_S seconds (default
 * 120) it presses "N new", as a user keeping up would, so the merge and window paths run too.
 *
 *   npm run bench -- live-events
 *   LIVE_MINUTES=5 LIVE_RATE=1000 npm run bench -- live-events
 *   LIVE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/edictum_live npm run bench -- live-events
 *
 * Baseline, in the same run: the same page open for LIVE_IDLE_S seconds (default 60) with no
 * ingest; its heap growth and longest task are printed beside the live figures. Targets (issue
 * 17): heap growth under 50 MB over the run, no main-thread task over 100 ms, and the "N new"
 * count exact (equal to the events sent after the newest shown row, read when ingest pauses).
 */
import { loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { CDPSession, Page } from 'playwright-core';
import { AdminApi, apiSetup, launchBrowser, newContext, startConsole } from '../tests/e2e/harness.js';

const MINUTES = Number(process.env.LIVE_MINUTES ?? 60);
const RATE = Number(process.env.LIVE_RATE ?? 1000);
const SAMPLE_S = Number(process.env.LIVE_SAMPLE_S ?? 30);
const CLICK_S = Number(process.env.LIVE_CLICK_S ?? 120);
const IDLE_S = Number(process.env.LIVE_IDLE_S ?? 60);
const AGENTS = 20;
const TOOLS = ['search_orders', 'read_file', 'issue_refund', 'send_email', 'web_search', 'bash'];
const VERDICTS = ['call_allowed', 'call_allowed', 'call_executed', 'call_denied', 'call_would_deny'];
const HEAP_TARGET_MB = 50;
const STALL_TARGET_MS = 100;
const ADMIN = { email: 'live@acme.example', password: 'correct horse battery staple', org: 'Live' };

interface Sample {
  t: number;
  heapMb: number;
  nodes: number;
  longestTaskMs: number;
  longTasksOver100: number;
  shownNew: number | null;
}

const mb = (bytes: number) => bytes / 1024 / 1024;

async function sample(page: Page, cdp: CDPSession, t: number): Promise<Sample> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = new Map(metrics.map((x) => [x.name, x.value]));
  const tasks = await page.evaluate(() => {
    const w = globalThis as unknown as { __longTasks: number[] };
    const list = w.__longTasks.splice(0);
    return { max: list.length ? Math.max(...list) : 0, over: list.filter((d) => d > 100).length };
  });
  const label = await page
    .getByRole('button', { name: /new$/ })
    .first()
    .textContent({ timeout: 200 })
    .catch(() => null);
  const shownNew = label ? Number(label.replace(/[^0-9]/g, '')) : null;
  return { t, heapMb: mb(m.get('JSHeapUsedSize') ?? 0), nodes: m.get('Nodes') ?? 0, longestTaskMs: tasks.max, longTasksOver100: tasks.over, shownNew };
}

function print(label: string, s: Sample, sent: number): void {
  console.log(
    `${label.padEnd(6)} t=${String(Math.round(s.t)).padStart(5)} s  sent=${String(sent).padStart(8)}  heap=${s.heapMb.toFixed(1).padStart(6)} MB  nodes=${String(s.nodes).padStart(6)}  longest task=${s.longestTaskMs.toFixed(0).padStart(4)} ms (${s.longTasksOver100} over 100 ms)  shown new=${s.shownNew ?? '-'}`,
  );
}

async function main(): Promise<void> {
  const env: Record<string, string> = {};
  if (process.env.LIVE_DATABASE_URL) env.EDICTUM_DATABASE_URL = process.env.LIVE_DATABASE_URL;
  if (process.env.LIVE_REDIS_URL) env.EDICTUM_REDIS_URL = process.env.LIVE_REDIS_URL;
  const [server, browser] = await Promise.all([startConsole(env), launchBrowser()]);
  try {
    const base = server.baseUrl;
    await apiSetup(server, ADMIN.email, ADMIN.password, { tenant_name: ADMIN.org });
    const admin = await AdminApi.signIn(base, ADMIN.email, ADMIN.password);
    const { key } = await admin.createKey('production', 'live bench');

    let sent = 0;
    let seq = 0;
    const post = async (n: number): Promise<void> => {
      const events = Array.from({ length: n }, () => {
        const i = seq++;
        const verdict = VERDICTS[i % VERDICTS.length]!;
        return {
          call_id: randomUUID(),
          agent_id: `live-agent-${i % AGENTS}`,
          tool_name: TOOLS[(i * 7) % TOOLS.length]!,
          verdict,
          mode: verdict === 'call_would_deny' ? 'observe' : 'enforce',
          timestamp: new Date().toISOString(),
          payload: { tool_args: { n: i, path: `data/file-${i % 97}.txt` }, environment: 'production', decision_name: verdict === 'call_denied' ? 'no-secrets' : null },
        };
      });
      const res = await fetch(`${base}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'x-edictum-agent-id': 'live-agent-0', 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      });
      const text = await res.text();
      if (res.status === 200) sent += n;
      else if (res.status !== 429 && res.status !== 503) throw new Error(`ingest answered ${res.status}: ${text.slice(0, 300)}`);
    };
    // Some history so the page opens on a full list.
    for (let i = 0; i < 5; i++) await post(1000);

    const ctx = await newContext(browser, base, { session: admin.session, viewport: { width: 1440, height: 900 } });
    await ctx.addInitScript(() => {
      const w = globalThis as unknown as { __longTasks: number[] };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push(e.duration);
      }).observe({ type: 'longtask' as never, buffered: true });
    });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(`${base}/dashboard/events`);
    await page.getByRole('grid', { name: 'Events' }).getByRole('row').nth(5).waitFor({ timeout: 60_000 });
    const t0 = performance.now();
    const secs = () => (performance.now() - t0) / 1000;

    // Baseline: the same page, no ingest.
    const idle0 = await sample(page, cdp, secs());
    print('idle', idle0, sent);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const idle1 = await sample(page, cdp, secs());
    print('idle', idle1, sent);

    // Live: RATE events a second, in ten batches a second, for MINUTES.
    const samples: Sample[] = [];
    const sentAtLoad = sent;
    let clicks = 0;
    const end = performance.now() + MINUTES * 60_000;
    let nextSample = performance.now() + SAMPLE_S * 1000;
    let nextClick = performance.now() + CLICK_S * 1000;
    let tick = performance.now();
    while (performance.now() < end) {
      await post(Math.max(1, Math.round(RATE / 10)));
      tick += 100;
      const wait = tick - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (performance.now() >= nextSample) {
        const s = await sample(page, cdp, secs());
        samples.push(s);
        print('live', s, sent);
        nextSample += SAMPLE_S * 1000;
      }
      if (performance.now() >= nextClick) {
        await page.getByRole('button', { name: /new$/ }).first().click({ timeout: 5_000 }).catch(() => undefined);
        clicks++;
        nextClick += CLICK_S * 1000;
      }
    }

    // Count check: ingest paused, reload the page (it shows the newest rows), post a known number,
    // and the page must say exactly that many are new once its next poll has run.
    await page.reload();
    await page.getByRole('grid', { name: 'Events' }).getByRole('row').nth(5).waitFor({ timeout: 60_000 });
    const probe = 2_345;
    for (let left = probe; left > 0; left -= 1000) await post(Math.min(1000, left));
    let shown: number | null = null;
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline) {
      const label = await page.getByRole('button', { name: /new$/ }).first().textContent({ timeout: 1000 }).catch(() => null);
      shown = label ? Number(label.replace(/[^0-9]/g, '')) : null;
      if (shown === probe) break;
      await page.waitForTimeout(500);
    }
    const countExact = shown === probe;
    console.log(`count check: posted ${probe} after the newest shown row, page says ${shown ?? 'nothing'} new (${countExact ? 'exact' : 'WRONG'})`);

    const first = samples[0] ?? idle1;
    const last = samples[samples.length - 1] ?? idle1;
    const peak = Math.max(...samples.map((s) => s.heapMb), idle1.heapMb);
    const growth = last.heapMb - first.heapMb;
    const longest = Math.max(0, ...samples.map((s) => s.longestTaskMs));
    const over = samples.reduce((a, s) => a + s.longTasksOver100, 0);
    console.log(
      `baseline (idle ${IDLE_S} s): heap ${idle0.heapMb.toFixed(1)} -> ${idle1.heapMb.toFixed(1)} MB, longest task ${idle1.longestTaskMs.toFixed(0)} ms`,
    );
    console.log(
      `live ${MINUTES} min at ${RATE}/s (${sent - sentAtLoad} events sent, "new" pressed ${clicks} times): heap ${first.heapMb.toFixed(1)} -> ${last.heapMb.toFixed(1)} MB (peak ${peak.toFixed(1)}), growth ${growth.toFixed(1)} MB; longest task ${longest.toFixed(0)} ms, ${over} tasks over 100 ms`,
    );
    const l = loadavg();
    console.log(`load average ${l.map((x) => x.toFixed(2)).join(' ')}`);
    const pass = growth < HEAP_TARGET_MB && longest <= STALL_TARGET_MS && countExact;
    console.log(
      `RESULT live_events minutes=${MINUTES} rate=${RATE} heap_growth_mb=${growth.toFixed(1)} idle_growth_mb=${(idle1.heapMb - idle0.heapMb).toFixed(1)} longest_task_ms=${longest.toFixed(0)} idle_longest_task_ms=${idle1.longestTaskMs.toFixed(0)} count_exact=${countExact} ${pass ? 'PASS' : 'FAIL'}`,
    );
    if (!pass) process.exitCode = 1;
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();

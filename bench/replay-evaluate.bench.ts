/**
 * CPU per call of replay's counting path alone (what a slice worker does with a fetched page:
 * `SliceCounter.page` over the decision cache and per-tool plans), without the database: the
 * load-independent part of bench/replay.bench.ts, on the same generated calls and bundles. CPU time
 * of this thread, best of REPLAY_ROUNDS rounds (the fewest interruptions on a shared machine).
 *
 *   npx tsx bench/replay-evaluate.bench.ts
 *   REPLAY_EVENTS=200000 REPLAY_CONTRACTS=100 REPLAY_DISTINCT=5000 REPLAY_CHANGED=2 npx tsx bench/replay-evaluate.bench.ts
 *
 * Scenarios (one line each): every call distinct or drawn from REPLAY_DISTINCT distinct calls;
 * every contract changed or REPLAY_CHANGED of them (see replay.bench.ts). The baseline: parsing
 * each call's JSON and nothing else (the least any replay must do with an all-distinct call).
 */
import { loadavg } from 'node:os';
import { compileForReplay } from '../src/modules/evaluate/evaluation-core.js';
import { DecisionCache, SliceCounter, type SliceRow } from '../src/modules/replay/replay-slice.js';

const CALLS = Number(process.env.REPLAY_EVENTS ?? 200_000);
const CONTRACTS = Number(process.env.REPLAY_CONTRACTS ?? 20);
const ROUNDS = Number(process.env.REPLAY_ROUNDS ?? 3);
const DISTINCT = Number(process.env.REPLAY_DISTINCT ?? 5000);
const CHANGED = Number(process.env.REPLAY_CHANGED ?? 2);
const PAGE = 10_000;

/** The bench's bundle (replay.bench.ts): 1 in 4 contracts on every tool, the rest on one of 40. */
function bundle(variantOf: (i: number) => number): string {
  let s = `apiVersion: edictum/v1\nkind: ContractBundle\nmetadata: {name: fleet}\ndefaults: {mode: enforce}\ncontracts:\n`;
  const whens = [
    (i: number, v: number) => `{args.path: {contains: "/file-${(i * 37 + v) % 5000}."}}`,
    (i: number, v: number) => `{args.limit: {gt: ${90 + ((i + v) % 10)}}}`,
    (i: number, v: number) => `{args.query: {starts_with: "report ${(i * 13 + v) % 977}"}}`,
    (i: number, v: number) => `{principal.user_id: {equals: "user-${(i * 7 + v) % 300}"}}`,
    (i: number, v: number) => `{args.path: {matches: '^/srv/data/${(i + v) % 200}/file-[0-9]+\\.csv$'}}`,
  ];
  for (let i = 0; i < CONTRACTS; i++) {
    const v = variantOf(i);
    const tool = i % 4 === 0 ? '"*"' : `tool_${(i * 3 + v) % 40}`;
    s += `  - {id: c-${i}, type: pre, tool: ${tool}, when: ${whens[i % whens.length]!(i, v)}, then: {effect: deny, message: "blocked {args.path}"}}\n`;
  }
  return s;
}

/** Rows as a slice worker fetches them (the JSON in jsonb's text form: keys by length, then bytes). */
function rows(distinct: number | null): SliceRow[][] {
  const pages: SliceRow[][] = [];
  let page: SliceRow[] = [];
  for (let g = 1; g <= CALLS; g++) {
    const k = distinct ? g % distinct : g;
    page.push([
      `00000000-0000-4000-8000-${String(g).padStart(12, '0')}`,
      `c-${g}`,
      `agent-${g % 200}`,
      `tool_${(k * 7919) % 40}`,
      '2026-12-02 10:00:00.5+00',
      `{"path": "/srv/data/${k % 200}/file-${k % 5000}.csv", "limit": ${k % 100}, "query": "report ${k % 977}"}`,
      `{"role": "analyst", "user_id": "user-${k % 300}"}`,
      'production',
    ]);
    if (page.length === PAGE) {
      pages.push(page);
      page = [];
    }
  }
  if (page.length) pages.push(page);
  return pages;
}

const cpuUs = (u: NodeJS.CpuUsage) => u.user + u.system;

function best(run: () => void): number {
  let min = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    run();
    min = Math.min(min, cpuUs(process.cpuUsage(c0)));
  }
  return min / CALLS;
}

const baseline = bundle(() => 0);
const allChanged = bundle(() => 1);
const someChanged = bundle((i) => (i % 4 !== 0 && i - Math.floor(i / 4) - 1 < CHANGED ? 1 : 0));

process.stdout.write(`# ${CALLS} calls, ${CONTRACTS} contracts, load average ${loadavg()[0]!.toFixed(1)} (2 cores), best of ${ROUNDS}\n`);
for (const distinct of [null, DISTINCT]) {
  const pages = rows(distinct);
  const parseOnly = best(() => {
    for (const p of pages) for (const r of p) JSON.parse(r[5]!);
  });
  for (const [label, candidate] of [
    ['all', allChanged],
    [String(CHANGED), someChanged],
  ] as const) {
    const compiled = compileForReplay(candidate, baseline, 'python');
    if (!compiled.ok) throw new Error('bench bundles must load');
    const bundles = compiled.bundles;
    let counts = '';
    const us = best(() => {
      const counter = new SliceCounter(new DecisionCache(bundles, 250), 10);
      for (const p of pages) counter.page(p);
      counts = JSON.stringify(counter.state().counts);
    });
    process.stdout.write(
      `RESULT replay-evaluate distinct=${distinct ?? 'all'} changed=${label} contracts=${CONTRACTS} cpu_per_call=${us.toFixed(2)}us ` +
        `json_parse_only=${parseOnly.toFixed(2)}us ratio=${(us / parseOnly).toFixed(1)}x cpu_per_1M=${us.toFixed(1)}s counts=${counts}\n`,
    );
  }
}

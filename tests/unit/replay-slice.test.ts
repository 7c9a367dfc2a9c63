import { describe, expect, it } from 'vitest';
import { compileForReplay, type Decision } from '../../src/modules/evaluate/evaluation-core.js';
import { DecisionCache, SliceCounter, pgTimestampToIso, sliceQuery, sliceWindow, type SliceRow } from '../../src/modules/replay/replay-slice.js';
import { ReplayAccumulator } from '../../src/modules/replay/replay-summary.js';

const BUNDLE = (deny: string) => `apiVersion: edictum/v1
kind: ContractBundle
metadata: {name: fleet}
defaults: {mode: enforce}
contracts:
  - {id: no-${deny}, type: pre, tool: shell, when: {args.command: {contains: "${deny}"}}, then: {effect: deny, message: "no ${deny}"}}
`;

function bundles() {
  const r = compileForReplay(BUNDLE('rm'), BUNDLE('curl'), 'python');
  if (!r.ok) throw new Error('fixture bundles must load');
  return r.bundles;
}

let n = 0;
const row = (command: string, agent = 'agent-a', callId = `call-${++n}`, ts = `2026-12-0${1 + (n % 9)} 10:00:00.5+00`): SliceRow => [
  `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  callId,
  agent,
  'shell',
  ts,
  JSON.stringify({ command }),
  '{"user_id": "u1"}',
  'production',
];

const HEAD = { candidate: { bundle_name: 'fleet', version: 2 }, baseline: { bundle_name: 'fleet', version: 1 }, env: 'production', since: 'a', until: 'b', sdk: 'python' };

describe('replay slices', () => {
  it('cut the window into equal slices, newest first, covering it exactly', () => {
    const s = sliceWindow('2026-12-01T00:00:00.000Z', '2026-12-09T00:00:00.000Z', 4);
    expect(s.map((x) => [x.index, x.since, x.until])).toEqual([
      [0, '2026-12-07T00:00:00.000Z', '2026-12-09T00:00:00.000Z'],
      [1, '2026-12-05T00:00:00.000Z', '2026-12-07T00:00:00.000Z'],
      [2, '2026-12-03T00:00:00.000Z', '2026-12-05T00:00:00.000Z'],
      [3, '2026-12-01T00:00:00.000Z', '2026-12-03T00:00:00.000Z'],
    ]);
    // A window too short to cut stays one slice.
    expect(sliceWindow('2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.500Z', 8)).toHaveLength(1);
  });

  it('read Postgres timestamps as the API writes them', () => {
    expect(pgTimestampToIso('2026-12-02 11:38:39.664941+00')).toBe('2026-12-02T11:38:39.664941Z');
    expect(pgTimestampToIso('2026-12-02 11:38:39.5+00')).toBe('2026-12-02T11:38:39.500000Z');
    expect(pgTimestampToIso('2026-12-02 11:38:39+00')).toBe('2026-12-02T11:38:39.000000Z');
  });

  it('bind every filter as a parameter', () => {
    const q = sliceQuery({ tenantId: 't', env: 'production', since: 'a', until: 'b', agentId: "x' OR 1=1", toolName: 'shell' }, { index: 0, since: 'a', until: 'b' });
    expect(q.text).not.toContain("x'");
    expect(q.text).toContain('agent_id = $9');
    expect(q.text).toContain('tool_name = $10');
    expect(q.values.slice(8)).toEqual(["x' OR 1=1", 'shell']);
  });

  it('count one row per call, the decisions of each distinct call evaluated once', () => {
    const cache = new DecisionCache(bundles(), 250);
    const c = new SliceCounter(cache, 10);
    const shadow = 'call-shadow';
    c.page([row('rm -rf /tmp'), row('rm -rf /tmp'), row('curl x'), row('ls', 'agent-b', shadow)]);
    // The shadow's second lifecycle event arrives on the next page: still one call.
    c.page([row('ls', 'agent-b', shadow), row('rm -rf /tmp', 'agent-b')]);
    const st = c.state();
    expect(st.eventsRead).toBe(6);
    expect(st.calls).toBe(5);
    expect(st.counts).toMatchObject({ newly_denied: 3, newly_allowed: 1, unchanged: 1 });
    expect(cache.misses).toBe(3);
    expect(cache.hits).toBe(2);
    expect(st.examples.newly_denied[0]!.timestamp).toMatch(/^2026-12-0\dT10:00:00\.500000Z$/);
  });

  it('the cache turns itself off when calls do not repeat, and decisions stay right', () => {
    const cache = new DecisionCache(bundles(), 250);
    const c = new SliceCounter(cache, 0);
    const rows = Array.from({ length: 25_000 }, (_, i) => row(i % 2 ? `rm ${i}` : `ls ${i}`));
    c.page(rows);
    // 20,000 lookups found nothing: the next ones skip the cache (no key, no entry)...
    c.page([row('rm -rf /'), row('rm -rf /')]);
    expect(cache.hits).toBe(0);
    // ...and count exactly as before.
    expect(c.state().counts.newly_denied).toBe(12_500 + 2);
  });

  it('merge slices newest first: counts add up, the newest examples win', () => {
    const deny: Decision = ['denied', 'no-rm', null, 'no rm'];
    const allow: Decision = ['allowed', null, null, null];
    const slice = (agent: string, ids: string[]) => {
      const a = new ReplayAccumulator(HEAD, 3);
      for (const id of ids) a.add({ id, call_id: id, agent_id: agent, tool_name: 'shell', ts: id }, deny, allow);
      a.eventsRead = ids.length;
      return a.state();
    };
    const m = new ReplayAccumulator(HEAD, 3);
    m.merge(slice('agent-a', ['n1', 'n2']));
    m.merge(slice('agent-b', ['o1', 'o2', 'o3']));
    const s = m.summary();
    expect(s.calls).toBe(5);
    expect(s.events_read).toBe(5);
    expect(s.counts.newly_denied).toBe(5);
    expect(s.by_agent.map((x) => [x.key, x.newly_denied])).toEqual([
      ['agent-b', 3],
      ['agent-a', 2],
    ]);
    expect(s.by_contract).toEqual([expect.objectContaining({ key: 'no-rm', newly_denied: 5 })]);
    expect(s.examples.newly_denied.map((e) => e.event_id)).toEqual(['n1', 'n2', 'o1']);
  });
});

import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { fleetWindow, labelNames, useAgentStatus, useFleetCoverage, useFleetLabels, useRegistrations } from '../../api/agents';
import type { FleetAgent } from '../../api/types';
import { Card } from '../../components/ui/Card';
import { EmptyState, ErrorState, LoadingBlock, Skeleton, SkeletonRows } from '../../components/ui/Feedback';
import { Input, Select } from '../../components/ui/Field';
import { IconAlert, IconArrowDown, IconArrowUp, IconBot, IconShieldCheck } from '../../components/ui/icons';
import { TH } from '../../components/ui/Table';
import { cn } from '../../lib/cn';
import { formatNumber } from '../../lib/format';
import { FleetTable } from './FleetTable';

const SINCE = [
  { key: '1h', label: 'Last hour' },
  { key: '24h', label: 'Last 24 hours' },
  { key: '7d', label: 'Last 7 days' },
  { key: '30d', label: 'Last 30 days' },
];
type SortKey = 'name' | 'env' | 'coverage' | 'last_seen' | 'events';

export function FleetTab() {
  const [params, setParams] = useSearchParams();
  const since = fleetWindow(params.get('since'));
  const env = params.get('env') ?? '';
  const search = params.get('q') ?? '';
  const coverage = params.get('coverage') ?? 'all';
  const drift = params.get('drift') ?? 'all';
  const tool = params.get('tool') ?? '';
  const label = params.get('label') ?? '';
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'last_seen', dir: -1 });

  const fleet = useFleetCoverage(since);
  const status = useAgentStatus();
  const regs = useRegistrations();
  const fleetLabels = useFleetLabels();

  const set = (k: string, v: string) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (v && v !== 'all') n.set(k, v);
        else n.delete(k);
        return n;
      },
      { replace: true },
    );

  const live = useMemo(() => new Map((status.data?.agents ?? []).map((a) => [a.agent_id, a])), [status.data]);
  const names = useMemo(() => new Map((regs.data ?? []).map((r) => [r.agent_id, r])), [regs.data]);
  const labelsOf = useMemo(() => new Map((fleetLabels.data?.agents ?? []).map((a) => [a.agent_id, a])), [fleetLabels.data]);
  const allLabels = labelNames(fleetLabels.data);
  const summary = fleet.data?.fleet_summary;
  // Fleet coverage is built from audit events, so an agent that has only opened its stream is
  // not in it yet. Connected agents are added with no tool calls, so "appears after its first
  // event or connection" holds.
  const agents = useMemo(() => {
    const list: FleetAgent[] = [...(fleet.data?.agents ?? [])];
    const seen = new Set(list.map((a) => a.agent_id));
    for (const l of status.data?.agents ?? []) {
      if (seen.has(l.agent_id)) continue;
      seen.add(l.agent_id);
      list.push({ agent_id: l.agent_id, environment: l.env, total_tools: 0, enforced: 0, observed: 0, ungoverned: 0, coverage_pct: 0, drift_status: l.status, last_seen: l.connected_at, event_count_24h: 0 });
    }
    return list;
  }, [fleet.data, status.data]);
  const envs = [...new Set(agents.map((a) => a.environment))].sort();
  const toolAgents = tool ? new Set(summary?.ungoverned_tools.find((t) => t.tool_name === tool)?.agent_ids ?? []) : null;

  const rows = useMemo(() => {
    const driftOf = (a: FleetAgent) => live.get(a.agent_id)?.status ?? a.drift_status;
    const list = agents.filter((a) => {
      const name = `${a.agent_id} ${names.get(a.agent_id)?.display_name ?? ''}`.toLowerCase();
      if (search && !name.includes(search.toLowerCase())) return false;
      if (env && a.environment !== env) return false;
      if (toolAgents && !toolAgents.has(a.agent_id)) return false;
      if (coverage === 'ungoverned' && a.ungoverned === 0) return false;
      if (coverage === 'enforced' && (a.ungoverned > 0 || a.observed > 0)) return false;
      if (coverage === 'observe' && a.observed === 0) return false;
      if (drift !== 'all' && driftOf(a) !== drift) return false;
      if (label && !(labelsOf.get(a.agent_id)?.labels.includes(label) || labelsOf.get(a.agent_id)?.rule_labels.some((r) => r.label === label && r.env === a.environment))) return false;
      return true;
    });
    const val = (a: FleetAgent): string | number => {
      switch (sort.key) {
        case 'name':
          return (names.get(a.agent_id)?.display_name ?? a.agent_id).toLowerCase();
        case 'env':
          return a.environment;
        case 'coverage':
          return a.coverage_pct;
        case 'events':
          return a.event_count_24h;
        case 'last_seen':
          return a.last_seen ?? '';
      }
    };
    return [...list].sort((x, y) => (val(x) < val(y) ? -1 : val(x) > val(y) ? 1 : 0) * sort.dir);
  }, [agents, names, live, labelsOf, label, search, env, toolAgents, coverage, drift, sort]);

  if (fleet.error && !fleet.data) return <ErrorState error={fleet.error} onRetry={() => void fleet.refetch()} title="Could not load the fleet" />;
  if (!fleet.data || !summary) {
    return (
      <LoadingBlock label="Loading fleet" className="flex flex-col gap-4">
        <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
          {Array.from({ length: 4 }, (_, i) => (
            <Skeleton key={i} className="h-24" />
          ))}
        </div>
        <SkeletonRows rows={6} />
      </LoadingBlock>
    );
  }
  if (agents.length === 0) {
    return (
      <EmptyState
        icon={<IconBot size={24} />}
        title="No agents have reported yet"
        action={
          <Link to="/keys" className="inline-flex h-10 items-center rounded-md bg-amber-500 px-4 text-sm font-medium text-slate-950 hover:bg-amber-400">
            Create API key
          </Link>
        }
      >
        An agent appears here after its first audit event or connection. Give it an API key and point the edictum SDK at this console.
      </EmptyState>
    );
  }

  const totals = agents.reduce((t, a) => ({ tools: t.tools + a.total_tools, enforced: t.enforced + a.enforced }), { tools: 0, enforced: 0 });
  const coveragePct = totals.tools ? Math.round((totals.enforced / totals.tools) * 100) : 100;
  const allUngoverned = agents.length > 0 && agents.every((a) => a.enforced === 0 && a.observed === 0 && a.total_tools > 0);
  const allEnforced = agents.length > 0 && summary.fully_enforced === agents.length;
  // One answer for drift (docs/api.md "Drift"): the card counts the rows the table shows, each
  // with its live connection's status first, else the server's status from its events.
  const driftCount = agents.filter((a) => (live.get(a.agent_id)?.status ?? a.drift_status) === 'drift').length;

  const th = (key: SortKey, label: string) => (
    <TH aria-sort={sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : undefined}>
      <button type="button" onClick={() => setSort((s) => ({ key, dir: s.key === key ? ((-s.dir) as 1 | -1) : key === 'name' || key === 'env' ? 1 : -1 }))} className="inline-flex items-center gap-1 uppercase">
        {label}
        {sort.key === key && (sort.dir === 1 ? <IconArrowUp size={12} /> : <IconArrowDown size={12} />)}
      </button>
    </TH>
  );

  return (
    <div className="flex flex-col gap-4">
      <section aria-label="Fleet summary" className="grid grid-cols-2 gap-3 lg:grid-cols-5">
        <Summary label="Agents" value={formatNumber(agents.length)} note={`${live.size} connected now`} />
        <Summary label="Coverage" value={`${coveragePct}%`} note="Tools with an enforcing contract" tone={coveragePct === 100 ? 'emerald' : coveragePct < 50 ? 'red' : undefined} />
        <Summary label="Fully enforced" value={formatNumber(summary.fully_enforced)} note="Agents with every tool enforced" tone="emerald" />
        <Summary label="Ungoverned" value={formatNumber(summary.with_ungoverned)} note={`${summary.total_ungoverned_tools} tools with no contract`} tone={summary.with_ungoverned ? 'red' : undefined} />
        <Summary label="Drift" value={formatNumber(driftCount)} note="Running a different version than deployed" tone={driftCount ? 'amber' : undefined} />
      </section>

      {allUngoverned && (
        <div role="alert" className="flex flex-wrap items-center gap-2 rounded-lg border border-red-500/50 bg-red-50 px-4 py-3 text-sm text-red-800 dark:bg-red-950/30 dark:text-red-300">
          <IconAlert size={16} /> No tool on any agent is governed yet.
          <Link to="/contracts" className="font-medium underline">
            Deploy a contract
          </Link>
        </div>
      )}
      {allEnforced && (
        <div role="status" className="flex items-center gap-2 rounded-lg border border-emerald-500/50 bg-emerald-50 px-4 py-3 text-sm text-emerald-800 dark:bg-emerald-950/30 dark:text-emerald-300">
          <IconShieldCheck size={16} /> Every agent is fully enforced.
        </div>
      )}

      <div className="grid gap-4 2xl:grid-cols-[minmax(0,1fr)_17rem]">
        <div className="flex min-w-0 flex-col gap-3">
          <div className="flex flex-wrap items-end gap-3">
            <Input label="Search agents" type="search" value={search} onChange={(e) => set('q', e.target.value)} placeholder="Name or id…" wrapperClassName="w-56" />
            <Select label="Environment" value={env} onChange={(e) => set('env', e.target.value)} wrapperClassName="w-40">
              <option value="">All</option>
              {envs.map((e) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </Select>
            <Select label="Coverage" value={coverage} onChange={(e) => set('coverage', e.target.value)} wrapperClassName="w-44">
              <option value="all">All</option>
              <option value="ungoverned">Has ungoverned tools</option>
              <option value="enforced">Fully enforced</option>
              <option value="observe">Has observe-only tools</option>
            </Select>
            <Select label="Drift" value={drift} onChange={(e) => set('drift', e.target.value)} wrapperClassName="w-32">
              <option value="all">All</option>
              <option value="current">Current</option>
              <option value="drift">Drifted</option>
              <option value="canary">Canary</option>
              <option value="unknown">Unknown</option>
            </Select>
            {(allLabels.length > 0 || label) && (
              <Select label="Label" value={label} onChange={(e) => set('label', e.target.value)} wrapperClassName="w-40">
                <option value="">All</option>
                {[...new Set([...allLabels, ...(label ? [label] : [])])].map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </Select>
            )}
            <Select label="Window" value={since} onChange={(e) => set('since', e.target.value === '24h' ? '' : e.target.value)} wrapperClassName="w-40">
              {SINCE.map((s) => (
                <option key={s.key} value={s.key}>
                  {s.label}
                </option>
              ))}
            </Select>
          </div>
          {tool && (
            <p className="flex items-center gap-2 text-sm">
              Agents using ungoverned tool <code className="font-mono">{tool}</code>
              <button type="button" className="text-xs text-amber-600 underline dark:text-amber-400" onClick={() => set('tool', '')}>
                Clear
              </button>
            </p>
          )}
          {rows.length === 0 ? (
            <EmptyState title="No agents match">Change a filter or widen the window.</EmptyState>
          ) : (
            <FleetTable
              rows={rows}
              live={live}
              names={names}
              labels={labelsOf}
              header={
                <>
                  {th('name', 'Agent')}
                  {th('env', 'Env')}
                  <TH>Bundle</TH>
                  <TH>Status</TH>
                  <TH>Labels</TH>
                  {th('coverage', 'Coverage')}
                  {th('events', 'Events')}
                  {th('last_seen', 'Last seen')}
                </>
              }
            />
          )}
        </div>
        <aside aria-label="Ungoverned tools">
          <Card>
            <div className="border-b border-slate-200 px-4 py-3 dark:border-slate-800">
              <h2 className="text-sm font-semibold">Ungoverned tools</h2>
              <p className="text-xs text-slate-500">No contract covers these; most used first.</p>
            </div>
            {summary.ungoverned_tools.length === 0 ? (
              <p className="p-4 text-sm text-emerald-600 dark:text-emerald-400">Every tool in use is covered.</p>
            ) : (
              <ul className="flex flex-col p-2">
                {summary.ungoverned_tools.map((t) => (
                  <li key={t.tool_name}>
                    <button
                      type="button"
                      aria-pressed={tool === t.tool_name}
                      onClick={() => set('tool', tool === t.tool_name ? '' : t.tool_name)}
                      className={cn('flex w-full items-center justify-between gap-2 rounded-md px-2 py-1.5 text-left text-sm hover:bg-slate-100 dark:hover:bg-slate-800', tool === t.tool_name && 'bg-amber-500/10')}
                    >
                      <code className="truncate font-mono text-xs">{t.tool_name}</code>
                      <span className="text-xs text-slate-500">
                        {t.agent_count} {t.agent_count === 1 ? 'agent' : 'agents'}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </aside>
      </div>
    </div>
  );
}

const tones = { emerald: 'text-emerald-600 dark:text-emerald-400', red: 'text-red-600 dark:text-red-400', amber: 'text-amber-600 dark:text-amber-400' };

function Summary({ label, value, note, tone }: { label: string; value: string; note: string; tone?: keyof typeof tones }) {
  return (
    <Card className="p-3">
      <p className="text-xs font-medium text-slate-500 dark:text-slate-400">{label}</p>
      <p className={cn('mt-1 text-2xl font-semibold tabular-nums', tone && tones[tone])}>{value}</p>
      <p className="mt-0.5 truncate text-xs text-slate-500" title={note}>
        {note}
      </p>
    </Card>
  );
}

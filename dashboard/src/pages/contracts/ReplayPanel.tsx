import { useState } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../../api/client';
import { cancelReplay, startReplay, useReplayJob, type ChangeKind, type ReplayRequest, type ReplaySummary } from '../../api/evaluate';
import { Button } from '../../components/ui/Button';
import { Input, Select } from '../../components/ui/Field';
import { formatRelative } from '../../lib/format';

const WINDOWS = [
  { label: 'Last 24 hours', ms: 24 * 3600_000 },
  { label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
  { label: 'Last 30 days', ms: 30 * 24 * 3600_000 },
];
/** The Window select's value for a custom range (From / Until inputs). */
const CUSTOM = 0;

/** A `datetime-local` value (the browser's local time) as an ISO instant; null when empty or invalid. */
function localToIso(v: string): string | null {
  if (!v) return null;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

const KINDS: { kind: Exclude<ChangeKind, 'unchanged'>; label: string; tone: string }[] = [
  { kind: 'newly_denied', label: 'Newly denied', tone: 'text-red-600 dark:text-red-400' },
  { kind: 'newly_allowed', label: 'Newly allowed', tone: 'text-emerald-600 dark:text-emerald-400' },
  { kind: 'newly_approval', label: 'Newly need approval', tone: 'text-violet-600 dark:text-violet-400' },
  { kind: 'newly_observed', label: 'Newly observed', tone: 'text-blue-600 dark:text-blue-400' },
];

/**
 * What deploying this version would have changed: re-evaluates the stored calls of a window under
 * this version and the baseline, and shows the change counts with the newest examples.
 */
export function ReplayPanel({ bundle, version, versions, env: envProp }: { bundle: string; version: number; versions: number[]; env?: string }) {
  const [env, setEnv] = useState(envProp ?? 'production');
  const [windowMs, setWindowMs] = useState(WINDOWS[1]!.ms);
  const [from, setFrom] = useState('');
  const [until, setUntil] = useState('');
  const [baseline, setBaseline] = useState('deployed');
  const [agent, setAgent] = useState('');
  const [tool, setTool] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const { job, counts, error } = useReplayJob(jobId);
  const targetEnv = envProp ?? env;

  const start = async () => {
    setStartError(null);
    let range: { since: string; until?: string };
    if (windowMs === CUSTOM) {
      const s = localToIso(from);
      const u = localToIso(until);
      if (!s) return setStartError('Choose when the range starts.');
      if (u && Date.parse(u) <= Date.parse(s)) return setStartError('The range must end after it starts.');
      range = u ? { since: s, until: u } : { since: s };
    } else {
      range = { since: new Date(Date.now() - windowMs).toISOString() };
    }
    setStarting(true);
    const body: ReplayRequest = {
      candidate: { bundle_name: bundle, version },
      baseline: baseline === 'deployed' || baseline === 'none' ? baseline : { version: Number(baseline) },
      env: targetEnv.trim(),
      ...range,
      ...(agent.trim() ? { agent_id: agent.trim() } : {}),
      ...(tool.trim() ? { tool_name: tool.trim() } : {}),
    };
    try {
      setJobId((await startReplay(body)).id);
    } catch (e) {
      setStartError(errorMessage(e));
    } finally {
      setStarting(false);
    }
  };

  const running = job?.status === 'running';
  const pct = job && job.total > 0 ? Math.min(100, Math.round((job.processed / job.total) * 100)) : running ? 0 : 100;

  return (
    <section aria-label="Replay" className="flex flex-col gap-3 text-sm">
      <div className="grid gap-3 sm:grid-cols-3">
        {envProp === undefined && <Input label="Environment" value={env} onChange={(e) => setEnv(e.target.value)} maxLength={64} />}
        <Select label="Window" value={windowMs} onChange={(e) => setWindowMs(Number(e.target.value))}>
          {WINDOWS.map((w) => (
            <option key={w.ms} value={w.ms}>{w.label}</option>
          ))}
          <option value={CUSTOM}>Custom range…</option>
        </Select>
        {windowMs === CUSTOM && (
          <>
            <Input label="From" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
            <Input label="Until (empty: now)" type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
          </>
        )}
        <Select label="Compare with" value={baseline} onChange={(e) => setBaseline(e.target.value)}>
          <option value="deployed">What runs in {targetEnv || 'the env'}</option>
          <option value="none">No contracts</option>
          {versions.filter((v) => v !== version).map((v) => (
            <option key={v} value={v}>v{v}</option>
          ))}
        </Select>
        <Input label="Agent (optional)" value={agent} onChange={(e) => setAgent(e.target.value)} maxLength={255} />
        <Input label="Tool (optional)" value={tool} onChange={(e) => setTool(e.target.value)} maxLength={255} />
      </div>
      <div className="flex items-center gap-2">
        <Button type="button" size="sm" variant="outline" loading={starting} disabled={running} onClick={() => void start()}>
          Replay v{version} against recorded calls
        </Button>
        {running && jobId && (
          <Button type="button" size="sm" variant="danger-ghost" onClick={() => void cancelReplay(jobId)}>
            Cancel
          </Button>
        )}
      </div>
      {(startError !== null || error !== null) && <p role="alert" className="text-red-600 dark:text-red-400">{startError ?? errorMessage(error)}</p>}
      {job && (
        <div className="flex flex-col gap-2">
          <div role="progressbar" aria-label="Replay progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} className="h-2 overflow-hidden rounded bg-slate-200 dark:bg-slate-800">
            <div className="h-full bg-amber-500 transition-[width]" style={{ width: `${pct}%` }} />
          </div>
          <p className="text-xs text-slate-500" data-testid="replay-status">
            {job.status === 'running' ? `Replaying… ${job.processed.toLocaleString()} of ~${job.total.toLocaleString()} events${counts ? ` · so far ${counts.newly_denied.toLocaleString()} newly denied, ${counts.newly_allowed.toLocaleString()} newly allowed` : ''}` : job.status === 'done' ? `Done: ${job.result?.calls.toLocaleString() ?? 0} calls replayed` : job.status === 'cancelled' ? 'Cancelled (partial counts below)' : `Failed: ${job.error ?? ''}`}
          </p>
          {job.result && <ReplayResult summary={job.result} />}
        </div>
      )}
    </section>
  );
}

/** "key (n changed)" for the keys with changes, most first (the server sorts them). */
function changedBy(rows: ReplaySummary['by_contract']): string[] {
  return rows
    .map((c) => ({ key: c.key, n: c.newly_denied + c.newly_allowed + c.newly_approval + c.newly_observed }))
    .filter((c) => c.n > 0)
    .slice(0, 6)
    .map((c) => `${c.key} (${c.n})`);
}

export function ReplayResult({ summary: s }: { summary: ReplaySummary }) {
  return (
    <div className="flex flex-col gap-3">
      <p className="text-xs text-slate-500">
        {s.candidate.bundle_name} v{s.candidate.version} vs {s.baseline ? `v${s.baseline.version}` : 'no contracts'} in {s.env}, {s.sdk === 'typescript' ? 'TypeScript' : 'Python'} semantics
      </p>
      <ul className="grid grid-cols-2 gap-2 sm:grid-cols-5" aria-label="Change counts">
        {KINDS.map((k) => (
          <li key={k.kind} className="rounded-md border border-slate-200 p-2 dark:border-slate-800">
            <p className={`text-lg font-semibold ${k.tone}`} data-testid={`count-${k.kind}`}>{s.counts[k.kind].toLocaleString()}</p>
            <p className="text-xs text-slate-500">{k.label}</p>
          </li>
        ))}
        <li className="rounded-md border border-slate-200 p-2 dark:border-slate-800">
          <p className="text-lg font-semibold" data-testid="count-unchanged">{s.counts.unchanged.toLocaleString()}</p>
          <p className="text-xs text-slate-500">Unchanged</p>
        </li>
      </ul>
      {changedBy(s.by_contract).length > 0 && (
        <p className="text-xs">
          <span className="text-slate-500">By contract: </span>
          {changedBy(s.by_contract).join(', ')}
        </p>
      )}
      {changedBy(s.by_agent).length > 0 && (
        <p className="text-xs">
          <span className="text-slate-500">By agent: </span>
          {changedBy(s.by_agent).join(', ')}
        </p>
      )}
      {KINDS.filter((k) => s.examples[k.kind].length > 0).map((k) => (
        <div key={k.kind}>
          <h4 className={`text-xs font-semibold ${k.tone}`}>{k.label}: newest examples</h4>
          <ul className="mt-1 flex flex-col gap-1">
            {s.examples[k.kind].map((e) => (
              <li key={e.event_id} className="flex flex-wrap items-center gap-x-2 text-xs">
                <Link to={e.link.replace(/^\/dashboard/, '')} className="font-mono text-amber-700 hover:underline dark:text-amber-400">{e.tool_name}</Link>
                <span className="text-slate-500">{e.agent_id} · {formatRelative(e.timestamp)}</span>
                <span>{e.baseline.outcome} → {e.candidate.outcome}{e.candidate.contract ? ` (${e.candidate.contract})` : e.baseline.contract ? ` (was ${e.baseline.contract})` : ''}</span>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}

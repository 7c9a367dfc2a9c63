import { Link, useParams, useSearchParams } from 'react-router';
import { useAgentCoverage, useAgentStatus, useRegistrations } from '../../api/agents';
import { ApiError } from '../../api/client';
import { EnvBadge } from '../../components/EnvBadge';
import type { DriftStatus } from '../../api/types';
import { Badge, type Tone } from '../../components/ui/Badge';
import { Card } from '../../components/ui/Card';
import { EmptyState, ErrorState, LoadingBlock, Skeleton } from '../../components/ui/Feedback';
import { Select } from '../../components/ui/Field';
import { IconBot, IconChevronLeft } from '../../components/ui/icons';
import { Tabs, tabId } from '../../components/ui/Tabs';
import { cn } from '../../lib/cn';
import { formatNumber, formatRelative } from '../../lib/format';
import { ActivityTab } from './agent/ActivityTab';
import { CoverageTab } from './agent/CoverageTab';
import { HistoryTab } from './agent/HistoryTab';
import { LabelsEditor } from './agent/LabelsEditor';
import { RegistrationTab } from './agent/RegistrationTab';

const SINCE = ['1h', '6h', '24h', '7d', '30d'] as const;
type Tab = 'coverage' | 'activity' | 'history' | 'registration';
const TABS: { key: Tab; label: string }[] = [
  { key: 'coverage', label: 'Coverage' },
  { key: 'activity', label: 'Activity' },
  { key: 'history', label: 'History' },
  { key: 'registration', label: 'Registration' },
];

export default function AgentPage() {
  const { agentId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const since = (SINCE as readonly string[]).includes(params.get('since') ?? '') ? params.get('since')! : '24h';
  const tab: Tab = TABS.find((t) => t.key === params.get('tab'))?.key ?? 'coverage';
  const cov = useAgentCoverage(agentId, since);
  const status = useAgentStatus();
  const regs = useRegistrations();
  const live = status.data?.agents.find((a) => a.agent_id === agentId) ?? null;
  const reg = regs.data?.find((r) => r.agent_id === agentId) ?? null;
  const set = (k: string, v: string | null) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (v) n.set(k, v);
        else n.delete(k);
        return n;
      },
      { replace: true },
    );

  const notFound = cov.error instanceof ApiError && cov.error.status === 404;
  const c = cov.data;
  const denials = c?.tools.reduce((n, t) => n + (t.deny_count ?? 0), 0) ?? 0;
  const events = c?.tools.reduce((n, t) => n + t.event_count, 0) ?? 0;
  const drift: DriftStatus = live?.status ?? 'unknown';
  // The agent's own bundle (its stream, else its assignment). The coverage answer's
  // deployed_bundle is the newest deployment in the environment whatever its name (as in the
  // reference), so it only names this agent's bundle when nothing better is known.
  const shownBundle = live?.bundle_name ?? reg?.resolved_bundle ?? reg?.bundle_name ?? c?.deployed_bundle?.name ?? null;

  return (
    <div className="mx-auto max-w-7xl">
      <Link to="/agents" className="mb-3 inline-flex items-center gap-1 text-sm text-slate-500 hover:text-amber-600">
        <IconChevronLeft size={14} /> Agents
      </Link>
      <div className="mb-5 flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="truncate text-xl font-semibold tracking-tight">{reg?.display_name || agentId}</h1>
          <div className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-500">
            {reg?.display_name && <code className="font-mono text-xs">{agentId}</code>}
            {c && <EnvBadge env={c.environment} />}
            <Badge tone={live ? 'emerald' : 'zinc'} dot>
              {live ? `connected ${formatRelative(live.connected_at)}` : reg?.last_seen_at ? `last seen ${formatRelative(reg.last_seen_at)}` : 'offline'}
            </Badge>
            <Badge {...DRIFT_BADGE[drift]} />
            {shownBundle && (
              <span className="text-xs">
                bundle <code className="font-mono">{shownBundle}</code>
                {c?.deployed_bundle?.name === shownBundle && ` v${c.deployed_bundle.version}`}
              </span>
            )}
          </div>
          <LabelsEditor agentId={agentId} env={live?.env ?? (c && c.environment !== 'unknown' ? c.environment : null)} />
        </div>
        <Select label="Window" value={since} onChange={(e) => set('since', e.target.value === '24h' ? null : e.target.value)} wrapperClassName="w-32">
          {SINCE.map((s) => (
            <option key={s} value={s}>
              Last {s}
            </option>
          ))}
        </Select>
      </div>

      {notFound ? (
        <EmptyState icon={<IconBot size={24} />} title={`No events from ${agentId} in the last ${since}`}>
          Widen the window, or check the agent id. Its registration is below if it has connected.
          {reg && <div className="mt-4 text-left"><RegistrationTab agentId={agentId} /></div>}
        </EmptyState>
      ) : cov.error && !c ? (
        <ErrorState error={cov.error} onRetry={() => void cov.refetch()} title="Could not load this agent" />
      ) : (
        <>
          <section aria-label="Agent metrics" className="mb-5 grid grid-cols-2 gap-3 lg:grid-cols-4">
            {!c ? (
              <LoadingBlock label="Loading metrics" className="contents">
                {Array.from({ length: 4 }, (_, i) => (
                  <Skeleton key={i} className="h-24" />
                ))}
              </LoadingBlock>
            ) : (
              <>
                <Metric label={`Events (${since})`} value={formatNumber(events)} to={`/events?agent=${encodeURIComponent(agentId)}`} />
                <Metric label="Denials" value={formatNumber(denials)} tone={denials ? 'red' : undefined} to={`/events?agent=${encodeURIComponent(agentId)}&verdict=call_denied`} />
                <Metric label="Ungoverned tools" value={formatNumber(c.summary.ungoverned)} tone={c.summary.ungoverned ? 'red' : undefined} />
                <Metric label="Observe-only tools" value={formatNumber(c.summary.observed)} tone={c.summary.observed ? 'blue' : undefined} />
              </>
            )}
          </section>
          <Tabs idBase="agent" label="Agent views" items={TABS} value={tab} onChange={(t) => set('tab', t === 'coverage' ? null : t)} className="mb-4" />
          <div role="tabpanel" id="agent-panel" aria-labelledby={tabId('agent', tab)}>
            {tab === 'coverage' && <CoverageTab coverage={c} />}
            {tab === 'activity' && <ActivityTab agentId={agentId} since={since} />}
            {tab === 'history' && <HistoryTab agentId={agentId} />}
            {tab === 'registration' && <RegistrationTab agentId={agentId} />}
          </div>
        </>
      )}
    </div>
  );
}

const DRIFT_BADGE: Record<DriftStatus, { tone: Tone; children: string; title: string }> = {
  current: { tone: 'emerald', children: 'current', title: 'Runs the version deployed for its bundle' },
  drift: { tone: 'amber', children: 'drift', title: 'Runs another version than the one deployed for its bundle' },
  canary: { tone: 'violet', children: 'canary', title: 'In a canary slice, running the canary version as intended' },
  unknown: { tone: 'zinc', children: 'drift unknown', title: 'Compared with the version deployed for its bundle' },
};

const tones = { red: 'text-red-600 dark:text-red-400', blue: 'text-blue-600 dark:text-blue-400' };

function Metric({ label, value, tone, to }: { label: string; value: string; tone?: keyof typeof tones; to?: string }) {
  const body = (
    <>
      <p className="text-xs font-medium text-slate-500 dark:text-slate-400">{label}</p>
      <p className={cn('mt-1 text-2xl font-semibold tabular-nums', tone && tones[tone])}>{value}</p>
    </>
  );
  return to ? (
    <Link to={to} className="rounded-xl border border-slate-200 bg-white p-3 hover:border-amber-500/50 dark:border-slate-800 dark:bg-slate-900/60">
      {body}
    </Link>
  ) : (
    <Card className="p-3">{body}</Card>
  );
}

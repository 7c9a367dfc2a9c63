import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useStatsOverview } from '../../api/stats';
import { ErrorState, LoadingBlock, Skeleton } from '../../components/ui/Feedback';
import { cn } from '../../lib/cn';
import { formatNumber, formatPercent } from '../../lib/format';

export function StatsBar() {
  const stats = useStatsOverview();
  const s = stats.data;
  if (stats.error && !s) return <ErrorState error={stats.error} onRetry={() => void stats.refetch()} title="Could not load statistics" />;
  if (!s) {
    return (
      <LoadingBlock label="Loading statistics" className="grid grid-cols-2 gap-3 sm:grid-cols-3 xl:grid-cols-6">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} className="h-[88px]" />
        ))}
      </LoadingBlock>
    );
  }
  const offline = Math.max(0, s.total_agents - s.active_agents);
  return (
    <section aria-label="Last 24 hours at a glance" className="grid grid-cols-2 gap-3 sm:grid-cols-3 xl:grid-cols-6">
      <Stat label="Pending approvals" value={formatNumber(s.pending_approvals)} tone={s.pending_approvals > 0 ? 'amber' : undefined} to="/approvals" note={s.pending_approvals > 0 ? 'Waiting for a human' : 'Queue is clear'} />
      <Stat label="Agents active" value={`${formatNumber(s.active_agents)}/${formatNumber(s.total_agents)}`} to="/agents" note={offline > 0 ? `${offline} offline (no events in 1 h)` : s.total_agents ? 'All reporting' : 'None yet'} />
      <Stat label="Events (24h)" value={formatNumber(s.events_24h)} to="/events" note="Tool calls audited" />
      <Stat
        label="Denials (24h)"
        value={formatNumber(s.denials_24h)}
        tone={s.denials_24h > 0 ? 'red' : undefined}
        to="/events?verdict=call_denied"
        note={`${formatPercent(s.denials_24h, s.events_24h)} deny rate`}
      />
      <Stat label="Observe findings (24h)" value={formatNumber(s.observe_findings_24h)} tone={s.observe_findings_24h > 0 ? 'blue' : undefined} to="/events?mode=observe&verdict=call_would_deny" note="Would have been denied" />
      <Stat label="Contracts triggered (24h)" value={formatNumber(s.contracts_triggered_24h)} to="/contracts" note="Distinct contracts that decided" />
    </section>
  );
}

const toneClass = {
  amber: 'text-amber-600 dark:text-amber-400',
  red: 'text-red-600 dark:text-red-400',
  blue: 'text-blue-600 dark:text-blue-400',
};

function Stat({ label, value, note, tone, to }: { label: string; value: ReactNode; note: string; tone?: keyof typeof toneClass; to: string }) {
  return (
    <Link
      to={to}
      className="group rounded-xl border border-slate-200 bg-white p-3 transition-colors hover:border-amber-500/50 dark:border-slate-800 dark:bg-slate-900/60"
    >
      <p className="text-xs font-medium text-slate-500 dark:text-slate-400">{label}</p>
      <p className={cn('mt-1 text-2xl font-semibold tabular-nums', tone && toneClass[tone])}>{value}</p>
      <p className="mt-0.5 truncate text-xs text-slate-500 dark:text-slate-400">{note}</p>
    </Link>
  );
}

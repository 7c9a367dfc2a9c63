import { useState } from 'react';
import { Link } from 'react-router';
import { useHistogram24h, useRecentEvents } from '../../api/events';
import { HistogramLegend, VerdictHistogram } from '../../components/charts/VerdictHistogram';
import { Badge } from '../../components/ui/Badge';
import { Card, CardHeader } from '../../components/ui/Card';
import { EmptyState, ErrorState, LoadingBlock, Skeleton, SkeletonRows } from '../../components/ui/Feedback';
import { IconList } from '../../components/ui/icons';
import { Tabs, tabId } from '../../components/ui/Tabs';
import { VerdictBadge } from '../../components/VerdictBadge';
import { argsPreview, formatRelative } from '../../lib/format';

type Mode = 'all' | 'enforce' | 'observe';

export function RecentActivity() {
  const [mode, setMode] = useState<Mode>('all');
  const events = useRecentEvents(mode);
  const hist = useHistogram24h();
  const rows = (events.data?.events ?? []).slice(0, 15);
  const now = Date.now();

  return (
    <Card className="flex min-w-0 flex-col">
      <CardHeader
        title="Recent activity"
        actions={
          <Link to="/events" className="text-xs font-medium text-amber-600 hover:underline dark:text-amber-400">
            View all events
          </Link>
        }
      />
      <div className="border-b border-slate-200 px-4 py-3 dark:border-slate-800">
        <div className="mb-2 flex items-center justify-between gap-2">
          <h3 className="text-xs font-medium text-slate-500 dark:text-slate-400">Verdict distribution (24h)</h3>
          <HistogramLegend />
        </div>
        {hist.error && !hist.data ? (
          <ErrorState error={hist.error} onRetry={() => void hist.refetch()} title="Could not load the chart" />
        ) : !hist.data ? (
          <LoadingBlock label="Loading chart">
            <Skeleton className="h-[88px]" />
          </LoadingBlock>
        ) : (
          <VerdictHistogram buckets={hist.data} since={now - 86_400_000} until={now} bucketSeconds={3600} height={88} label="Verdicts in the last 24 hours" />
        )}
      </div>
      <div className="px-4 pt-2">
        <Tabs
          idBase="activity"
          label="Activity filter"
          value={mode}
          onChange={setMode}
          items={[
            { key: 'all', label: 'All' },
            { key: 'enforce', label: 'Enforced' },
            { key: 'observe', label: 'Observed' },
          ]}
        />
      </div>
      <div role="tabpanel" id="activity-panel" aria-labelledby={tabId('activity', mode)} className="p-2">
        {events.error && !events.data ? (
          <ErrorState error={events.error} onRetry={() => void events.refetch()} title="Could not load events" />
        ) : events.isLoading ? (
          <SkeletonRows rows={6} />
        ) : rows.length === 0 ? (
          <EmptyState icon={<IconList size={20} />} title="No events yet" className="m-2 py-8">
            Agents send an audit event for every tool call. Connect an agent with an API key and its calls appear here within seconds.
          </EmptyState>
        ) : (
          <ul className="flex flex-col" aria-label="Latest events">
            {rows.map((e) => (
              <li key={e.id}>
                <Link
                  to={`/events?event=${encodeURIComponent(e.id)}`}
                  className={`grid grid-cols-[1fr_auto] items-center gap-x-3 gap-y-0.5 rounded-md px-2 py-2 hover:bg-slate-100 sm:grid-cols-[minmax(0,10rem)_minmax(0,8rem)_auto_minmax(0,1fr)_auto] dark:hover:bg-slate-800/60 ${e.mode === 'observe' ? 'opacity-75' : ''}`}
                >
                  <span className="truncate text-sm">{e.agent_id}</span>
                  <span className="truncate font-mono text-xs text-slate-600 sm:order-none dark:text-slate-300">{e.tool_name}</span>
                  <span className="flex items-center gap-1">
                    <VerdictBadge verdict={e.verdict} mode={e.mode} />
                    {e.payload?.decision_name && <Badge tone="violet" className="hidden md:inline-flex">{e.payload.decision_name}</Badge>}
                  </span>
                  <span className="hidden truncate font-mono text-xs text-slate-500 sm:block">{argsPreview(e.payload?.tool_args, 60)}</span>
                  <time dateTime={e.timestamp} className="text-right text-xs whitespace-nowrap text-slate-500">
                    {formatRelative(e.timestamp, now)}
                  </time>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </div>
    </Card>
  );
}

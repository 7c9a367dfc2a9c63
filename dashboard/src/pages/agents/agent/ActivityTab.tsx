import { bucketFor, getHistogram } from '../../../api/events';
import { useQuery } from '../../../api/query';
import { HistogramLegend, VerdictHistogram } from '../../../components/charts/VerdictHistogram';
import { Card } from '../../../components/ui/Card';
import { EmptyState, ErrorState, LoadingBlock, Skeleton } from '../../../components/ui/Feedback';
import { formatNumber, formatPercent } from '../../../lib/format';

const MS: Record<string, number> = { '1h': 3600_000, '6h': 6 * 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

/** Call volume and deny rate for this agent, next to the whole fleet's deny rate. */
export function ActivityTab({ agentId, since }: { agentId: string; since: string }) {
  const q = useQuery(`agents:activity:${agentId}:${since}`, async () => {
    const until = Date.now();
    const from = until - (MS[since] ?? 86_400_000);
    const bucket = bucketFor(until - from, 60);
    const range = { since: new Date(from).toISOString(), until: new Date(until).toISOString(), bucket_seconds: bucket };
    const [mine, fleet] = await Promise.all([getHistogram({ ...range, agent_id: agentId }), getHistogram(range)]);
    return { mine, fleet, from, until, bucket };
  });
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} title="Could not load activity" />;
  if (!q.data)
    return (
      <LoadingBlock label="Loading activity">
        <Skeleton className="h-56" />
      </LoadingBlock>
    );
  const sum = (bs: typeof q.data.mine) => bs.reduce((a, b) => ({ total: a.total + b.allowed + b.denied + b.pending + b.observed, denied: a.denied + b.denied }), { total: 0, denied: 0 });
  const me = sum(q.data.mine);
  const all = sum(q.data.fleet);
  if (me.total === 0) return <EmptyState title="No calls in this window">Pick a longer window above.</EmptyState>;
  return (
    <Card className="p-4">
      <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
        <div className="flex flex-wrap gap-6 text-sm">
          <div>
            <p className="text-xs text-slate-500">Calls</p>
            <p className="text-lg font-semibold tabular-nums">{formatNumber(me.total)}</p>
          </div>
          <div>
            <p className="text-xs text-slate-500">Deny rate</p>
            <p className="text-lg font-semibold text-red-600 tabular-nums dark:text-red-400">{formatPercent(me.denied, me.total)}</p>
          </div>
          <div>
            <p className="text-xs text-slate-500">Fleet deny rate</p>
            <p className="text-lg font-semibold tabular-nums">{formatPercent(all.denied, all.total)}</p>
          </div>
        </div>
        <HistogramLegend />
      </div>
      <VerdictHistogram buckets={q.data.mine} since={q.data.from} until={q.data.until} bucketSeconds={q.data.bucket} height={180} label={`Calls by ${agentId}`} />
    </Card>
  );
}

import { useDeliveries } from '../../api/approvals';
import { ApiError } from '../../api/client';
import { Badge } from '../../components/ui/Badge';
import { Skeleton } from '../../components/ui/Feedback';
import { formatRelative } from '../../lib/format';

const TYPE_LABEL: Record<string, string> = {
  telegram: 'Telegram',
  slack: 'Slack webhook',
  slack_app: 'Slack app',
  discord: 'Discord',
  webhook: 'Webhook',
  email: 'Email',
};

/** Where the request was sent and whether each message got out (hidden on servers without the endpoint). */
export function DeliveryStatus({ approvalId }: { approvalId: string }) {
  const q = useDeliveries(approvalId);
  if (q.error instanceof ApiError && (q.error.status === 404 || q.error.status === 405)) return null;
  return (
    <div>
      <h4 className="mb-1 text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">Notifications</h4>
      {q.isLoading ? (
        <Skeleton className="h-6 w-48" />
      ) : q.error ? (
        <p className="text-xs text-slate-500">Delivery status unavailable.</p>
      ) : !q.data || q.data.length === 0 ? (
        <p className="text-xs text-slate-500">No notification channel matched this request.</p>
      ) : (
        <ul className="flex flex-col gap-1">
          {q.data.map((d) => (
            <li key={`${d.channel_id}:${d.kind ?? ''}`} className="flex flex-wrap items-center gap-2 text-xs">
              <Badge tone={d.status === 'sent' ? 'emerald' : d.status === 'failed' ? 'red' : d.status === 'skipped' ? 'zinc' : 'amber'} dot>
                {d.status}
              </Badge>
              <span className="font-medium">{d.channel_name}</span>
              <span className="text-slate-500">{TYPE_LABEL[d.channel_type] ?? d.channel_type}</span>
              {d.kind && <span className="text-slate-500">{d.kind === 'outcome' ? 'outcome notice' : 'request'}</span>}
              {d.attempts > 1 && <span className="text-slate-500">{d.attempts} attempts</span>}
              <span className="text-slate-500">{formatRelative(d.updated_at)}</span>
              {d.last_error && <span className="w-full text-red-600 dark:text-red-400">{d.last_error}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

import { Link } from 'react-router';
import { secondsLeft, usePendingApprovals } from '../../api/approvals';
import type { Approval } from '../../api/types';
import { ApprovalTimer } from '../../components/approvals/ApprovalTimer';
import { DecisionControls } from '../../components/approvals/DecisionControls';
import { EnvBadge } from '../../components/EnvBadge';
import { Card, CardHeader } from '../../components/ui/Card';
import { EmptyState, ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { IconCheck } from '../../components/ui/icons';
import { argsPreview } from '../../lib/format';

export function TriageColumn() {
  const pending = usePendingApprovals();
  const list = [...(pending.data ?? [])].sort((a, b) => secondsLeft(a) - secondsLeft(b));
  const shown = list.slice(0, 10);
  return (
    <Card className="flex min-w-0 flex-col">
      <CardHeader
        title="Needs a decision"
        description={pending.data ? `${list.length} pending, most urgent first` : undefined}
        actions={
          list.length > 5 ? (
            <Link to="/approvals" className="text-xs font-medium text-amber-600 hover:underline dark:text-amber-400">
              View all ({list.length})
            </Link>
          ) : undefined
        }
      />
      <div className="flex flex-col gap-3 p-3">
        {pending.error && !pending.data ? (
          <ErrorState error={pending.error} onRetry={() => void pending.refetch()} title="Could not load approvals" />
        ) : pending.isLoading ? (
          <SkeletonRows rows={3} />
        ) : shown.length === 0 ? (
          <EmptyState icon={<IconCheck size={20} />} title="Nothing waiting" className="py-8">
            When a contract with <code className="font-mono">effect: approve</code> matches, the request shows up here with a countdown.
          </EmptyState>
        ) : (
          <ul className="flex flex-col gap-3" aria-label="Pending approvals">
            {shown.map((a) => (
              <TriageItem key={a.id} a={a} />
            ))}
          </ul>
        )}
      </div>
    </Card>
  );
}

function TriageItem({ a }: { a: Approval }) {
  const preview = argsPreview(a.tool_args, 90);
  return (
    <li className="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-2">
            <span className="font-mono text-sm font-semibold">{a.tool_name}</span>
            <EnvBadge env={a.env} />
          </p>
          <p className="mt-0.5 truncate text-xs text-slate-500 dark:text-slate-400">
            {a.agent_id}
            {a.contract_name && <> · {a.contract_name}</>}
          </p>
        </div>
        <ApprovalTimer approval={a} className="w-24 shrink-0 text-right" />
      </div>
      {a.message && <p className="mt-2 line-clamp-2 text-sm">{a.message}</p>}
      {preview && <p className="mt-1 truncate font-mono text-xs text-slate-500 dark:text-slate-400">{preview}</p>}
      <div className="mt-3 flex flex-wrap items-center justify-between gap-2">
        <DecisionControls approval={a} size="xs" />
        <Link to={`/approvals?id=${encodeURIComponent(a.id)}`} className="text-xs font-medium text-slate-500 hover:text-amber-600 hover:underline dark:text-slate-400">
          View
        </Link>
      </div>
    </li>
  );
}

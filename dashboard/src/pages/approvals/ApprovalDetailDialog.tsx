import { getApproval } from '../../api/approvals';
import { ApiError } from '../../api/client';
import { useQuery } from '../../api/query';
import { CodeBlock } from '../../components/CodeBlock';
import { EnvBadge } from '../../components/EnvBadge';
import { Badge } from '../../components/ui/Badge';
import { Button } from '../../components/ui/Button';
import { Dialog } from '../../components/ui/Dialog';
import { ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { formatDateTime, formatDuration } from '../../lib/format';
import { DeliveryStatus } from './DeliveryStatus';
import { responseSeconds, STATUS_TONE } from './HistoryTab';

/** A deep-linked approval that is no longer pending (decided elsewhere, or expired). */
export function ApprovalDetailDialog({ id, onClose }: { id: string; onClose: () => void }) {
  const q = useQuery(`approvals:one:${id}`, () => getApproval(id));
  const a = q.data;
  const rt = a ? responseSeconds(a) : null;
  return (
    <Dialog open onClose={onClose} title={a ? `${a.tool_name} from ${a.agent_id}` : 'Approval'} size="lg" footer={<Button onClick={onClose}>Close</Button>}>
      {q.error ? (
        q.error instanceof ApiError && q.error.status === 404 ? (
          <p className="text-sm">This approval does not exist or belongs to another workspace.</p>
        ) : (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        )
      ) : !a ? (
        <SkeletonRows rows={4} />
      ) : (
        <div className="flex flex-col gap-4 text-sm">
          <div className="flex flex-wrap items-center gap-2">
            <Badge tone={STATUS_TONE[a.status] ?? 'slate'}>{a.status === 'timeout' ? 'timed out' : a.status}</Badge>
            <EnvBadge env={a.env} />
            {a.contract_name && <code className="font-mono text-xs">{a.contract_name}</code>}
          </div>
          {a.status !== 'pending' && (
            <dl className="grid grid-cols-[9rem_1fr] gap-y-1">
              <dt className="text-slate-500">Decided by</dt>
              <dd>{a.decided_by ?? (a.status === 'timeout' ? 'nobody (timed out)' : '—')}</dd>
              <dt className="text-slate-500">Via</dt>
              <dd>{a.decided_via ?? '—'}</dd>
              <dt className="text-slate-500">When</dt>
              <dd>{formatDateTime(a.decided_at)}</dd>
              <dt className="text-slate-500">Response time</dt>
              <dd>{rt === null ? '—' : formatDuration(rt)}</dd>
              <dt className="text-slate-500">Reason</dt>
              <dd>{a.decision_reason ?? '—'}</dd>
            </dl>
          )}
          {a.message && <p>{a.message}</p>}
          <CodeBlock label="Arguments">{JSON.stringify(a.tool_args ?? {}, null, 2)}</CodeBlock>
          <DeliveryStatus approvalId={a.id} />
        </div>
      )}
    </Dialog>
  );
}

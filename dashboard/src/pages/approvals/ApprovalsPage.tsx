import { Link, useSearchParams } from 'react-router';
import { secondsLeft, usePendingApprovals } from '../../api/approvals';
import { PageHeader } from '../../components/ui/Card';
import { EmptyState, ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { IconCheck } from '../../components/ui/icons';
import { Tabs, tabId } from '../../components/ui/Tabs';
import { ApprovalDetailDialog } from './ApprovalDetailDialog';
import { HistoryTab } from './HistoryTab';
import { PendingQueue } from './PendingQueue';

export default function ApprovalsPage() {
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'history' ? 'history' : 'pending';
  const deepId = params.get('id');
  const pending = usePendingApprovals();
  // Ordered by deadline, which never changes, so rows do not reshuffle as timers tick.
  const items = [...(pending.data ?? [])].sort((a, b) => secondsLeft(a, 0) - secondsLeft(b, 0));
  const deepIsPending = !!deepId && items.some((a) => a.id === deepId);
  const showDeepDialog = !!deepId && !!pending.data && !deepIsPending;

  const setTab = (t: 'pending' | 'history') =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (t === 'history') n.set('tab', 'history');
        else n.delete('tab');
        return n;
      },
      { replace: true },
    );

  return (
    <div className="mx-auto max-w-7xl">
      <PageHeader title="Approvals" description="Agents wait here for a human. Approve in one click; a denial sends its reason back to the agent." />
      <Tabs
        idBase="approvals"
        label="Approvals"
        value={tab}
        onChange={setTab}
        items={[
          { key: 'pending', label: 'Pending', count: pending.data?.length },
          { key: 'history', label: 'History' },
        ]}
        className="mb-4"
      />
      <div role="tabpanel" id="approvals-panel" aria-labelledby={tabId('approvals', tab)}>
        {tab === 'history' ? (
          <HistoryTab />
        ) : pending.error && !pending.data ? (
          <ErrorState error={pending.error} onRetry={() => void pending.refetch()} title="Could not load pending approvals" />
        ) : pending.isLoading ? (
          <SkeletonRows rows={4} />
        ) : items.length === 0 ? (
          <EmptyState
            icon={<IconCheck size={24} />}
            title="No pending approvals"
            action={
              <Link to="/settings?tab=notifications" className="text-sm font-medium text-amber-600 hover:underline dark:text-amber-400">
                Set up notification channels →
              </Link>
            }
          >
            A contract with <code className="font-mono">effect: approve</code> (or a sandbox with <code className="font-mono">outside: approve</code>) pauses the agent and asks here. Add notification channels in Settings to be told on Slack, Telegram, Discord or email.
          </EmptyState>
        ) : (
          <PendingQueue items={items} highlightId={deepIsPending ? deepId : null} />
        )}
      </div>
      {showDeepDialog && (
        <ApprovalDetailDialog
          id={deepId}
          onClose={() =>
            setParams(
              (p) => {
                const n = new URLSearchParams(p);
                n.delete('id');
                return n;
              },
              { replace: true },
            )
          }
        />
      )}
    </div>
  );
}

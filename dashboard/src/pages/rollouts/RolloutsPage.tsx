import { Link } from 'react-router';
import { useRollouts } from '../../api/rollouts';
import { EnvBadge } from '../../components/EnvBadge';
import { PageHeader } from '../../components/ui/Card';
import { EmptyState, ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { Table, TBody, TD, TH, THead, TR } from '../../components/ui/Table';
import { formatRelative } from '../../lib/format';

/** Every deploy and canary, newest first, with how far each got. */
export default function RolloutsPage() {
  const q = useRollouts();
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Rollouts" description="Each deploy followed to every agent's activation; canaries with their slice and steps." />
      {q.error ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : !q.data ? (
        <SkeletonRows rows={5} />
      ) : q.data.length === 0 ? (
        <EmptyState title="No rollouts yet">Deploy a bundle from Contracts; it shows up here.</EmptyState>
      ) : (
        <Table caption="Rollouts">
          <THead>
            <TR>
              <TH>Bundle</TH>
              <TH>Env</TH>
              <TH>Status</TH>
              <TH>Activated</TH>
              <TH>Stragglers</TH>
              <TH>When</TH>
            </TR>
          </THead>
          <TBody>
            {q.data.map((r) => (
              <TR key={r.id}>
                <TD>
                  <Link className="underline-offset-2 hover:underline" to={`/rollouts/${r.id}`}>
                    {r.kind === 'canary' ? 'Canary: ' : ''}
                    {r.bundle_name} v{r.bundle_version}
                  </Link>
                </TD>
                <TD>
                  <EnvBadge env={r.env} />
                </TD>
                <TD>{r.status.replace('_', ' ')}</TD>
                <TD>
                  {r.counts.activated} / {r.counts.targets}
                </TD>
                <TD>{r.counts.stragglers}</TD>
                <TD>{formatRelative(r.created_at)}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      )}
    </div>
  );
}

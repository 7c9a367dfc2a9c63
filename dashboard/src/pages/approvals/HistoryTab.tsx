import { useMemo, useState } from 'react';
import { CreateContractDialog } from '../library/from-event-lazy';
import { useNavigate } from 'react-router';
import { useApprovalHistory } from '../../api/approvals';
import type { Approval } from '../../api/types';
import { EnvBadge } from '../../components/EnvBadge';
import { Badge, type Tone } from '../../components/ui/Badge';
import { Card } from '../../components/ui/Card';
import { EmptyState, ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { Input, Select } from '../../components/ui/Field';
import { IconInbox } from '../../components/ui/icons';
import { Table, TBody, TD, TH, THead, TR } from '../../components/ui/Table';
import { argsPreview, formatDateTime, formatDuration, formatRelative } from '../../lib/format';

export const STATUS_TONE: Record<string, Tone> = { approved: 'emerald', denied: 'red', timeout: 'zinc', pending: 'amber' };
const VIA_TONE: Record<string, Tone> = { console: 'amber', slack: 'violet', telegram: 'blue', discord: 'violet', system: 'zinc' };

export function responseSeconds(a: Approval): number | null {
  if (!a.decided_at) return null;
  return (Date.parse(a.decided_at) - Date.parse(a.created_at)) / 1000;
}

/** Decided requests: who, through which channel, why, and how long it took. */
export function HistoryTab() {
  const q = useApprovalHistory();
  const navigate = useNavigate();
  const [status, setStatus] = useState('all');
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState<string | null>(null);
  const rows = useMemo(
    () =>
      (q.data ?? []).filter(
        (a) =>
          (status === 'all' || a.status === status) &&
          (!search || `${a.agent_id} ${a.tool_name} ${a.decided_by ?? ''} ${a.contract_name ?? ''}`.toLowerCase().includes(search.toLowerCase())),
      ),
    [q.data, status, search],
  );

  const metrics = useMemo(() => {
    const decided = (q.data ?? []).filter((a) => a.status === 'approved' || a.status === 'denied');
    const times = decided.map(responseSeconds).filter((x): x is number => x !== null);
    const byVia = new Map<string, number>();
    for (const a of decided) byVia.set(a.decided_via ?? 'console', (byVia.get(a.decided_via ?? 'console') ?? 0) + 1);
    const sorted = [...times].sort((a, b) => a - b);
    return {
      median: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : null,
      decided: decided.length,
      timeouts: (q.data ?? []).filter((a) => a.status === 'timeout').length,
      byVia: [...byVia.entries()].sort((a, b) => b[1] - a[1]),
    };
  }, [q.data]);

  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} title="Could not load approval history" />;
  if (q.isLoading) return <SkeletonRows rows={6} />;
  if ((q.data ?? []).length === 0) {
    return (
      <EmptyState icon={<IconInbox size={24} />} title="No decisions yet">
        Approved, denied and timed-out requests appear here with who decided, through which channel, and how long it took.
      </EmptyState>
    );
  }

  return (
    <div className="flex flex-col gap-4">
      <div className="grid gap-3 sm:grid-cols-3">
        <Card className="p-3">
          <p className="text-xs text-slate-500">Median time to decision</p>
          <p className="mt-1 text-xl font-semibold tabular-nums">{metrics.median === null ? '—' : formatDuration(metrics.median)}</p>
        </Card>
        <Card className="p-3">
          <p className="text-xs text-slate-500">Decided / timed out</p>
          <p className="mt-1 text-xl font-semibold tabular-nums">
            {metrics.decided} / {metrics.timeouts}
          </p>
        </Card>
        <Card className="p-3">
          <p className="text-xs text-slate-500">Decided via</p>
          <div className="mt-2 flex flex-wrap gap-1.5">
            {metrics.byVia.length === 0 ? '—' : metrics.byVia.map(([via, n]) => <Badge key={via} tone={VIA_TONE[via] ?? 'slate'}>{`${via} ${Math.round((n / metrics.decided) * 100)}%`}</Badge>)}
          </div>
        </Card>
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <Select label="Status" value={status} onChange={(e) => setStatus(e.target.value)} wrapperClassName="w-40">
          <option value="all">All</option>
          <option value="approved">Approved</option>
          <option value="denied">Denied</option>
          <option value="timeout">Timed out</option>
        </Select>
        <Input label="Search history" type="search" placeholder="Agent, tool, person, contract…" value={search} onChange={(e) => setSearch(e.target.value)} wrapperClassName="w-72" />
      </div>
      {rows.length === 0 ? (
        <EmptyState title="Nothing matches">Try another status or search.</EmptyState>
      ) : (
        <Table caption="Approval history">
          <THead>
            <tr>
              <TH>Agent / tool</TH>
              <TH>Contract</TH>
              <TH>Arguments / reason</TH>
              <TH>Env</TH>
              <TH>Status</TH>
              <TH>By</TH>
              <TH>Via</TH>
              <TH>Response</TH>
              <TH>When</TH>
            </tr>
          </THead>
          <TBody>
            {rows.map((a) => {
              const rt = responseSeconds(a);
              const open = () =>
                navigate(`/events?agent=${encodeURIComponent(a.agent_id)}&tool=${encodeURIComponent(a.tool_name)}&ts=${encodeURIComponent(a.created_at)}`);
              return (
                <TR key={a.id} className="cursor-pointer hover:bg-slate-50 dark:hover:bg-slate-900/60" onClick={open}>
                  <TD>
                    <a
                      href={`/dashboard/events?agent=${encodeURIComponent(a.agent_id)}&tool=${encodeURIComponent(a.tool_name)}&ts=${encodeURIComponent(a.created_at)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        e.stopPropagation();
                        open();
                      }}
                      className="font-mono text-sm font-semibold hover:underline"
                    >
                      {a.tool_name}
                    </a>
                    <div className="text-xs text-slate-500">{a.agent_id}</div>
                  </TD>
                  <TD className="font-mono text-xs">{a.contract_name ?? '—'}</TD>
                  <TD className="max-w-[18rem]">
                    <div className="truncate font-mono text-xs text-slate-500">{argsPreview(a.tool_args, 60)}</div>
                    {a.decision_reason && (
                      <div className={`truncate text-xs ${a.status === 'denied' ? 'text-red-600 dark:text-red-400' : 'text-slate-600 dark:text-slate-300'}`} title={a.decision_reason}>
                        {a.decision_reason}
                      </div>
                    )}
                  </TD>
                  <TD>
                    <EnvBadge env={a.env} />
                  </TD>
                  <TD>
                    <div className="flex flex-col items-start gap-1">
                      <Badge tone={STATUS_TONE[a.status] ?? 'slate'}>{a.status === 'timeout' ? 'timed out' : a.status}</Badge>
                      {a.status === 'denied' && (
                        <button
                          type="button"
                          className="text-xs whitespace-nowrap text-amber-700 hover:underline dark:text-amber-400"
                          aria-label={`Create contract from the denied ${a.tool_name} call`}
                          onClick={(e) => {
                            e.stopPropagation();
                            setCreating(a.id);
                          }}
                        >
                          Create contract
                        </button>
                      )}
                    </div>
                  </TD>
                  <TD className="text-xs">{a.decided_by ?? '—'}</TD>
                  <TD>{a.decided_via ? <Badge tone={VIA_TONE[a.decided_via] ?? 'slate'}>{a.decided_via}</Badge> : '—'}</TD>
                  <TD className="text-xs tabular-nums">{rt === null ? '—' : formatDuration(rt)}</TD>
                  <TD className="text-xs whitespace-nowrap text-slate-500" title={formatDateTime(a.decided_at ?? a.created_at)}>
                    {formatRelative(a.decided_at ?? a.created_at)}
                  </TD>
                </TR>
              );
            })}
          </TBody>
        </Table>
      )}
      <CreateContractDialog source={creating ? { approval_id: creating } : null} onClose={() => setCreating(null)} />
    </div>
  );
}

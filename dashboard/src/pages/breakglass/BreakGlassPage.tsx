import { useEffect, useState } from 'react';
import { useMe } from '../../api/auth';
import { confirmSwitch, disarmSwitch, extendSwitch, useSwitches, type BreakGlassSwitch } from '../../api/breakglass';
import { errorMessage } from '../../api/client';
import { useQueryClient } from '../../api/query';
import { Badge, type Tone } from '../../components/ui/Badge';
import { Button } from '../../components/ui/Button';
import { Card, CardHeader, PageHeader } from '../../components/ui/Card';
import { EmptyState, ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { Table, TBody, TD, TH, THead, TR } from '../../components/ui/Table';
import { useToast } from '../../components/ui/Toast';
import { formatClock, formatDateTime } from '../../lib/format';
import { ArmSwitchForm } from './ArmSwitchForm';

const STATUS_TONE: Record<BreakGlassSwitch['status'], Tone> = { pending: 'amber', active: 'red', disarmed: 'slate', expired: 'zinc', lapsed: 'zinc' };

export function describeSwitch(s: BreakGlassSwitch): string {
  const who = s.agent_id ? `agent ${s.agent_id}` : 'the whole fleet';
  if (s.kind === 'freeze_tool') return `Freeze ${s.tool ?? ''} for ${who}`;
  if (s.kind === 'stop_side_effects') return `Stop side-effecting tools for ${who}`;
  return `Quarantine agent ${s.agent_id ?? ''}`;
}

/** Seconds left, ticking once a second. */
function useSecondsLeft(iso: string): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(id);
  }, []);
  return Math.max(0, (Date.parse(iso) - now) / 1000);
}

function Countdown({ iso, label }: { iso: string; label: string }) {
  const left = useSecondsLeft(iso);
  return (
    <span className="font-mono tabular-nums" title={formatDateTime(iso)} aria-label={`${label} ${formatClock(left)}`}>
      {formatClock(left)}
    </span>
  );
}

function SwitchCard({ s }: { s: BreakGlassSwitch }) {
  const client = useQueryClient();
  const toast = useToast();
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (what: string, fn: () => Promise<unknown>, done: string) => {
    setBusy(what);
    try {
      await fn();
      client.invalidate('breakglass:');
      toast.success(done);
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };
  const title = describeSwitch(s);
  return (
    <li className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:justify-between" aria-label={title}>
      <div className="min-w-0">
        <p className="flex flex-wrap items-center gap-2 font-medium">
          <Badge tone={STATUS_TONE[s.status]} dot>
            {s.status}
          </Badge>
          {title}
        </p>
        <p className="mt-1 text-xs break-words text-slate-500 dark:text-slate-400">
          “{s.reason}” — armed by {s.armed_by}
          {s.confirmed_by ? `, confirmed by ${s.confirmed_by}` : ''}
        </p>
        <p className="mt-1 text-xs text-slate-600 dark:text-slate-300">
          {s.status === 'active' ? 'Ends in ' : 'Request lapses in '}
          <Countdown iso={s.expires_at} label={s.status === 'active' ? 'time left' : 'lapses in'} />
        </p>
      </div>
      <div className="flex flex-wrap gap-2">
        {s.status === 'pending' && s.can_confirm && (
          <Button size="sm" variant="danger" loading={busy === 'confirm'} onClick={() => void run('confirm', () => confirmSwitch(s.id), 'Switch confirmed and pushed to agents')}>
            Confirm
          </Button>
        )}
        {s.status === 'pending' && !s.can_confirm && <span className="self-center text-xs text-slate-500">Waiting for another admin</span>}
        {s.status === 'active' && (
          <>
            <Button size="sm" variant="secondary" loading={busy === 'e30'} onClick={() => void run('e30', () => extendSwitch(s.id, 30), 'Extended by 30 minutes')}>
              Extend 30 min
            </Button>
            <Button size="sm" variant="secondary" loading={busy === 'e60'} onClick={() => void run('e60', () => extendSwitch(s.id, 60), 'Extended by 1 hour')}>
              Extend 1 h
            </Button>
          </>
        )}
        <Button size="sm" variant="danger-outline" loading={busy === 'disarm'} onClick={() => void run('disarm', () => disarmSwitch(s.id), s.status === 'active' ? 'Disarmed: agents get their deployed bundle back' : 'Request withdrawn')}>
          {s.status === 'active' ? 'Disarm' : 'Withdraw'}
        </Button>
      </div>
    </li>
  );
}

function SwitchList({ title, description, items, empty }: { title: string; description: string; items: BreakGlassSwitch[]; empty: string }) {
  return (
    <Card>
      <CardHeader title={title} description={description} />
      {items.length === 0 ? (
        <p className="px-4 py-3 text-sm text-slate-500">{empty}</p>
      ) : (
        <ul aria-label={title} className="divide-y divide-slate-200 dark:divide-slate-800">
          {items.map((s) => (
            <SwitchCard key={s.id} s={s} />
          ))}
        </ul>
      )}
    </Card>
  );
}

export default function BreakGlassPage() {
  const me = useMe();
  const q = useSwitches();
  if (me.data && !me.data.is_admin) {
    return (
      <div className="mx-auto max-w-5xl">
        <PageHeader title="Break-glass" />
        <EmptyState title="Admins only">Break-glass switches are armed and confirmed by admins.</EmptyState>
      </div>
    );
  }
  const all = q.data?.switches ?? [];
  const pending = all.filter((s) => s.status === 'pending');
  const active = all.filter((s) => s.status === 'active');
  const ended = all.filter((s) => s.status !== 'pending' && s.status !== 'active');
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-5">
      <PageHeader
        title="Break-glass"
        description="Time-boxed emergency switches. Agents enforce them with their unchanged SDKs: each affected agent is pushed its deployed bundle plus an overriding deny rule, signed, and the original comes back when the switch ends."
      />
      {q.error && !q.data ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} title="Could not load switches" />
      ) : q.isLoading ? (
        <SkeletonRows rows={3} />
      ) : (
        <>
          <ArmSwitchForm admins={q.data?.admins ?? 1} />
          <SwitchList title="Pending confirmations" description="Armed by one admin; another admin must confirm." items={pending} empty="Nothing waiting for confirmation." />
          <SwitchList title="Active switches" description="In force now; each ends by itself at its deadline unless extended." items={active} empty="No switch is active." />
          {ended.length > 0 && (
            <Table caption="Ended switches">
              <THead>
                <tr>
                  <TH>Switch</TH>
                  <TH>Status</TH>
                  <TH className="hidden md:table-cell">Reason</TH>
                  <TH className="hidden md:table-cell">Ended</TH>
                </tr>
              </THead>
              <TBody>
                {ended.map((s) => (
                  <TR key={s.id}>
                    <TD>{describeSwitch(s)}</TD>
                    <TD>
                      <Badge tone={STATUS_TONE[s.status]}>{s.status}</Badge>
                    </TD>
                    <TD className="hidden break-words md:table-cell">{s.reason}</TD>
                    <TD className="hidden whitespace-nowrap md:table-cell">
                      {formatDateTime(s.ended_at)} {s.ended_by ? `by ${s.ended_by}` : ''}
                    </TD>
                  </TR>
                ))}
              </TBody>
            </Table>
          )}
        </>
      )}
    </div>
  );
}

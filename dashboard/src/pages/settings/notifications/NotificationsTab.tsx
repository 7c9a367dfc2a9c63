import { useState } from 'react';
import { useMe } from '../../../api/auth';
import { errorMessage } from '../../../api/client';
import { deleteChannel, testChannel, updateChannel, useChannels } from '../../../api/notifications';
import { useQueryClient } from '../../../api/query';
import type { NotificationChannel } from '../../../api/types';
import { Badge } from '../../../components/ui/Badge';
import { Button } from '../../../components/ui/Button';
import { Dialog } from '../../../components/ui/Dialog';
import { EmptyState, ErrorState, SkeletonRows } from '../../../components/ui/Feedback';
import { IconBell, IconPlus } from '../../../components/ui/icons';
import { Table, TBody, TD, TH, THead, TR } from '../../../components/ui/Table';
import { useToast } from '../../../components/ui/Toast';
import { cn } from '../../../lib/cn';
import { formatRelative } from '../../../lib/format';
import { ChannelDialog } from './ChannelDialog';
import { typeSpec } from './channel-types';

/** Where approval requests are announced, and to whom, with routing filters per channel. */
export default function NotificationsTab() {
  const channels = useChannels();
  const me = useMe();
  const isAdmin = me.data?.is_admin ?? false;
  const client = useQueryClient();
  const toast = useToast();
  const [editing, setEditing] = useState<NotificationChannel | 'new' | null>(null);
  const [deleting, setDeleting] = useState<NotificationChannel | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const test = async (c: NotificationChannel) => {
    setBusy(`test:${c.id}`);
    try {
      const r = await testChannel(c.id);
      (r.success ? toast.success : toast.error)(`${c.name}: ${r.message}`);
    } catch (e) {
      toast.error(`${c.name}: ${errorMessage(e)}`);
    } finally {
      setBusy(null);
      client.invalidate('notifications:');
    }
  };
  const toggle = async (c: NotificationChannel) => {
    setBusy(`toggle:${c.id}`);
    client.setData<NotificationChannel[]>('notifications:channels', (old) => old?.map((x) => (x.id === c.id ? { ...x, enabled: !c.enabled } : x)));
    try {
      await updateChannel(c.id, { enabled: !c.enabled });
      toast.success(`${c.name} ${c.enabled ? 'disabled' : 'enabled'}`);
    } catch (e) {
      toast.error(`Could not update ${c.name}: ${errorMessage(e)}`);
    } finally {
      setBusy(null);
      client.invalidate('notifications:');
    }
  };
  const remove = async () => {
    if (!deleting) return;
    setBusy('delete');
    try {
      await deleteChannel(deleting.id);
      toast.success(`Deleted ${deleting.name}`);
      setDeleting(null);
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(null);
      client.invalidate('notifications:');
    }
  };

  const list = channels.data ?? [];
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-slate-600 dark:text-slate-400">Each pending approval goes to every enabled channel whose filters match. Decisions are posted to all channels.</p>
        {isAdmin && (
          <Button variant="primary" onClick={() => setEditing('new')}>
            <IconPlus size={16} /> Add channel
          </Button>
        )}
      </div>
      {channels.error && !channels.data ? (
        <ErrorState error={channels.error} onRetry={() => void channels.refetch()} title="Could not load channels" />
      ) : channels.isLoading ? (
        <SkeletonRows rows={3} />
      ) : list.length === 0 ? (
        <EmptyState icon={<IconBell size={24} />} title="No notification channels" action={isAdmin ? <Button variant="primary" onClick={() => setEditing('new')}>Add channel</Button> : undefined}>
          Without a channel, approvals wait silently in the dashboard. Slack, Telegram and Discord can approve and deny right from the message.
        </EmptyState>
      ) : (
        <Table caption="Notification channels">
          <THead>
            <tr>
              <TH>Name</TH>
              <TH className="hidden sm:table-cell">Type</TH>
              <TH>Enabled</TH>
              <TH className="hidden lg:table-cell">Routes</TH>
              <TH className="hidden md:table-cell">Last test</TH>
              {isAdmin && (
                <TH>
                  <span className="sr-only">Actions</span>
                </TH>
              )}
            </tr>
          </THead>
          <TBody>
            {list.map((c) => {
              const f = c.filters ?? {};
              const routes = [
                f.environments?.length ? `env: ${f.environments.join(', ')}` : null,
                f.agent_patterns?.length ? `agents: ${f.agent_patterns.join(', ')}` : null,
                f.contract_names?.length ? `contracts: ${f.contract_names.join(', ')}` : null,
              ].filter(Boolean);
              return (
                <TR key={c.id}>
                  <TD className="font-medium break-words">
                    {c.name}
                    {/* On a phone the type and last test ride under the name, so the actions stay on screen. */}
                    <span className="mt-0.5 block text-xs font-normal text-slate-500 md:hidden dark:text-slate-400">
                      <span className="sm:hidden">{typeSpec(c.channel_type).label} · </span>
                      {c.last_test_at ? `test ${c.last_test_ok ? 'OK' : 'failed'} ${formatRelative(c.last_test_at)}` : 'never tested'}
                    </span>
                  </TD>
                  <TD className="hidden sm:table-cell">
                    <Badge tone={typeSpec(c.channel_type).interactive ? 'violet' : 'slate'}>{typeSpec(c.channel_type).label}</Badge>
                  </TD>
                  <TD>
                    <button
                      type="button"
                      role="switch"
                      aria-checked={c.enabled}
                      aria-label={`${c.name} enabled`}
                      disabled={!isAdmin || busy === `toggle:${c.id}`}
                      onClick={() => void toggle(c)}
                      className={cn('relative inline-flex h-5 w-9 shrink-0 items-center rounded-full transition-colors disabled:opacity-50', c.enabled ? 'bg-emerald-500' : 'bg-slate-300 dark:bg-slate-700')}
                    >
                      <span className={cn('inline-block size-4 rounded-full bg-white shadow transition-transform', c.enabled ? 'translate-x-4.5' : 'translate-x-0.5')} />
                    </button>
                  </TD>
                  <TD className="hidden max-w-[18rem] text-xs text-slate-500 lg:table-cell">{routes.length ? routes.join(' · ') : 'Everything'}</TD>
                  <TD className="hidden text-xs whitespace-nowrap md:table-cell">
                    {c.last_test_at ? (
                      <Badge tone={c.last_test_ok ? 'emerald' : 'red'} dot>
                        {c.last_test_ok ? 'OK' : 'Failed'} {formatRelative(c.last_test_at)}
                      </Badge>
                    ) : (
                      <span className="text-slate-400">Never tested</span>
                    )}
                  </TD>
                  {isAdmin && (
                    <TD>
                      <div className="flex flex-wrap justify-end gap-1">
                        <Button size="xs" variant="outline" loading={busy === `test:${c.id}`} onClick={() => void test(c)}>
                          Test
                        </Button>
                        <Button size="xs" variant="ghost" onClick={() => setEditing(c)}>
                          Edit
                        </Button>
                        <Button size="xs" variant="danger-ghost" onClick={() => setDeleting(c)}>
                          Delete
                        </Button>
                      </div>
                    </TD>
                  )}
                </TR>
              );
            })}
          </TBody>
        </Table>
      )}
      {editing && <ChannelDialog channel={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
      <Dialog
        open={!!deleting}
        onClose={() => setDeleting(null)}
        dismissable={busy !== 'delete'}
        title={`Delete ${deleting?.name ?? 'channel'}?`}
        footer={
          <>
            <Button variant="ghost" onClick={() => setDeleting(null)}>
              Cancel
            </Button>
            <Button variant="danger" loading={busy === 'delete'} onClick={() => void remove()}>
              Delete channel
            </Button>
          </>
        }
      >
        <p className="text-sm">New approval requests will no longer be sent there. Messages already posted stay, but their buttons stop working.</p>
      </Dialog>
    </div>
  );
}

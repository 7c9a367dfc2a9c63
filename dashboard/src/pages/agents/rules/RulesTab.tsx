import { useState } from 'react';
import { deleteRule, updateRule, useFleetLabels, useRules } from '../../../api/agents';
import { errorMessage } from '../../../api/client';
import { useQueryClient } from '../../../api/query';
import type { AssignmentRule } from '../../../api/types';
import { EnvBadge } from '../../../components/EnvBadge';
import { Button } from '../../../components/ui/Button';
import { Card, CardHeader } from '../../../components/ui/Card';
import { Dialog } from '../../../components/ui/Dialog';
import { EmptyState, ErrorState, SkeletonRows } from '../../../components/ui/Feedback';
import { IconArrowDown, IconArrowUp, IconPlus } from '../../../components/ui/icons';
import { Table, TBody, TD, TH, THead, TR } from '../../../components/ui/Table';
import { useToast } from '../../../components/ui/Toast';
import { ResolvePanel } from './ResolvePanel';
import { RuleDialog } from './RuleDialog';

/** Rules map agent-id globs (and tags) to a bundle per environment; first match by priority wins. */
export function RulesTab() {
  const rules = useRules();
  const fleetLabels = useFleetLabels();
  const ruleLabels = new Map((fleetLabels.data?.rules ?? []).map((r) => [r.rule_id, r.labels]));
  const client = useQueryClient();
  const toast = useToast();
  const [editing, setEditing] = useState<AssignmentRule | 'new' | null>(null);
  const [deleting, setDeleting] = useState<AssignmentRule | null>(null);
  const [busy, setBusy] = useState(false);
  const list = [...(rules.data ?? [])].sort((a, b) => a.priority - b.priority);

  // Priorities are unique, so a swap goes through a temporary free slot.
  const swap = async (a: AssignmentRule, b: AssignmentRule) => {
    setBusy(true);
    try {
      const tmp = Math.max(...list.map((r) => r.priority)) + 1000;
      await updateRule(a.id, { priority: tmp });
      await updateRule(b.id, { priority: a.priority });
      await updateRule(a.id, { priority: b.priority });
    } catch (e) {
      toast.error(`Could not reorder: ${errorMessage(e)}`);
    } finally {
      setBusy(false);
      client.invalidate('rules:');
      client.invalidate('agents:');
    }
  };

  const remove = async () => {
    if (!deleting) return;
    setBusy(true);
    try {
      await deleteRule(deleting.id);
      toast.success(`Deleted rule ${deleting.pattern}`);
      setDeleting(null);
    } catch (e) {
      toast.error(`Could not delete: ${errorMessage(e)}`);
    } finally {
      setBusy(false);
      client.invalidate('rules:');
      client.invalidate('agents:');
    }
  };

  return (
    <div className="grid gap-5 lg:grid-cols-[minmax(0,1fr)_20rem]">
      <Card>
        <CardHeader
          title="Assignment rules"
          description="Agents that connect without naming a bundle get one from the first rule that matches, lowest priority number first. An explicit assignment on the agent wins over every rule."
          actions={
            <Button size="sm" variant="primary" onClick={() => setEditing('new')}>
              <IconPlus size={14} /> Add rule
            </Button>
          }
        />
        <div className="p-3">
          {rules.error && !rules.data ? (
            <ErrorState error={rules.error} onRetry={() => void rules.refetch()} title="Could not load rules" />
          ) : rules.isLoading ? (
            <SkeletonRows rows={3} />
          ) : list.length === 0 ? (
            <EmptyState title="No rules yet" action={<Button variant="primary" onClick={() => setEditing('new')}>Add rule</Button>}>
              For example, pattern <code className="font-mono">support-*</code> in production gets bundle <code className="font-mono">support-agent</code>.
            </EmptyState>
          ) : (
            <Table caption="Assignment rules by priority">
              <THead>
                <tr>
                  <TH>Priority</TH>
                  <TH>Agent pattern</TH>
                  <TH>Tags</TH>
                  <TH>Env</TH>
                  <TH>Bundle</TH>
                  <TH>Labels</TH>
                  <TH>
                    <span className="sr-only">Actions</span>
                  </TH>
                </tr>
              </THead>
              <TBody>
                {list.map((r, i) => (
                  <TR key={r.id}>
                    <TD className="tabular-nums">{r.priority}</TD>
                    <TD className="font-mono text-xs">{r.pattern}</TD>
                    <TD className="font-mono text-xs">
                      {r.tag_match && Object.keys(r.tag_match).length
                        ? Object.entries(r.tag_match)
                            .map(([k, v]) => `${k}=${String(v)}`)
                            .join(', ')
                        : '—'}
                    </TD>
                    <TD>
                      <EnvBadge env={r.env} />
                    </TD>
                    <TD className="font-mono text-xs">{r.bundle_name}</TD>
                    <TD className="font-mono text-xs">{ruleLabels.get(r.id)?.join(', ') || '—'}</TD>
                    <TD>
                      <div className="flex justify-end gap-1">
                        <Button size="xs" variant="ghost" disabled={busy || i === 0} onClick={() => void swap(r, list[i - 1]!)} aria-label={`Move ${r.pattern} up`}>
                          <IconArrowUp size={14} />
                        </Button>
                        <Button size="xs" variant="ghost" disabled={busy || i === list.length - 1} onClick={() => void swap(r, list[i + 1]!)} aria-label={`Move ${r.pattern} down`}>
                          <IconArrowDown size={14} />
                        </Button>
                        <Button size="xs" variant="ghost" onClick={() => setEditing(r)}>
                          Edit
                        </Button>
                        <Button size="xs" variant="danger-ghost" onClick={() => setDeleting(r)}>
                          Delete
                        </Button>
                      </div>
                    </TD>
                  </TR>
                ))}
              </TBody>
            </Table>
          )}
        </div>
      </Card>
      <ResolvePanel />
      {editing && <RuleDialog rule={editing === 'new' ? null : editing} rules={list} onClose={() => setEditing(null)} />}
      <Dialog
        open={!!deleting}
        onClose={() => setDeleting(null)}
        dismissable={!busy}
        title="Delete rule?"
        footer={
          <>
            <Button variant="ghost" onClick={() => setDeleting(null)}>
              Cancel
            </Button>
            <Button variant="danger" loading={busy} onClick={() => void remove()}>
              Delete rule
            </Button>
          </>
        }
      >
        <p className="text-sm">
          Agents matching <code className="font-mono">{deleting?.pattern}</code> in {deleting?.env} fall through to the next rule the next time they connect. Agents already connected keep their bundle until then.
        </p>
      </Dialog>
    </div>
  );
}

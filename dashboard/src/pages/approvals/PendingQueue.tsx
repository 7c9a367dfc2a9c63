import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { secondsLeft } from '../../api/approvals';
import type { Approval } from '../../api/types';
import { timerZone } from '../../components/approvals/ApprovalTimer';
import { useDecide } from '../../components/approvals/use-decide';
import { Button } from '../../components/ui/Button';
import { IconAlert, IconKeyboard } from '../../components/ui/icons';
import { useToast } from '../../components/ui/Toast';
import { cn } from '../../lib/cn';
import { useStoredState } from '../../lib/theme';
import { useMediaQuery } from '../../lib/use-media';
import { useNow } from '../../lib/use-now';
import { ApprovalCard } from './ApprovalCard';
import { ApprovalTable } from './ApprovalTable';
import { ShortcutsDialog } from './ShortcutsDialog';

type Layout = 'auto' | 'cards' | 'table';
const CARD_LIMIT = 5;

/** Pending requests, most urgent first: cards below 5, a table from 5 up (or forced). */
export function PendingQueue({ items, highlightId }: { items: Approval[]; highlightId: string | null }) {
  const [layout, setLayout] = useStoredState<Layout>('edictum-approvals-layout', 'auto');
  const phone = useMediaQuery('(max-width: 639px)');
  const asTable = !phone && (layout === 'table' || (layout === 'auto' && items.length >= CARD_LIMIT));
  const [focusedId, setFocusedId] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [denyOpenId, setDenyOpenId] = useState<string | null>(null);
  const [bulkDeny, setBulkDeny] = useState(false);
  const [bulkReason, setBulkReason] = useState('');
  const [bulkBusy, setBulkBusy] = useState(false);
  const [help, setHelp] = useState(false);
  const decide = useDecide();
  const toast = useToast();
  const now = useNow();
  const refs = useRef(new Map<string, HTMLElement>());

  const redCount = items.filter((a) => timerZone(secondsLeft(a, now), a.timeout_seconds) === 'red').length;

  // Forget selections of items that left the queue.
  const ids = useMemo(() => new Set(items.map((a) => a.id)), [items]);
  useEffect(() => {
    setSelected((s) => (Array.from(s).every((id) => ids.has(id)) ? s : new Set(Array.from(s).filter((id) => ids.has(id)))));
  }, [ids]);

  // The ?id= deep link: focus it, and open its details in table mode.
  useEffect(() => {
    if (!highlightId || !ids.has(highlightId)) return;
    setFocusedId(highlightId);
    setExpanded((e) => new Set(e).add(highlightId));
    const el = document.querySelector<HTMLElement>(`[data-approval-id="${CSS.escape(highlightId)}"]`);
    el?.scrollIntoView({ block: 'center' });
    el?.focus({ preventScroll: true });
  }, [highlightId, ids, asTable]);

  const move = useCallback(
    (delta: number) => {
      if (items.length === 0) return;
      const i = items.findIndex((a) => a.id === focusedId);
      const next = items[Math.max(0, Math.min(items.length - 1, i < 0 ? 0 : i + delta))]!;
      setFocusedId(next.id);
      const el = document.querySelector<HTMLElement>(`[data-approval-id="${CSS.escape(next.id)}"]`);
      el?.focus();
      el?.scrollIntoView({ block: 'nearest' });
    },
    [items, focusedId],
  );

  const focused = items.find((a) => a.id === focusedId) ?? null;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      if (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) || document.querySelector('dialog[open]')) return;
      switch (e.key) {
        case 'j':
        case 'ArrowDown':
          e.preventDefault();
          move(1);
          break;
        case 'k':
        case 'ArrowUp':
          e.preventDefault();
          move(-1);
          break;
        case 'a':
          if (focused && secondsLeft(focused) > 0) {
            e.preventDefault();
            const i = items.indexOf(focused);
            const next = items[i + 1] ?? items[i - 1];
            void decide(focused, true).catch(() => undefined);
            setFocusedId(next?.id ?? null);
          }
          break;
        case 'd':
          if (focused && secondsLeft(focused) > 0) {
            e.preventDefault();
            setDenyOpenId(focused.id);
          }
          break;
        case 'x':
          if (focused) {
            e.preventDefault();
            setSelected((s) => {
              const n = new Set(s);
              if (n.has(focused.id)) n.delete(focused.id);
              else n.add(focused.id);
              return n;
            });
          }
          break;
        case 'Enter':
          if (focused && asTable && t.tagName !== 'BUTTON') {
            e.preventDefault();
            setExpanded((s) => {
              const n = new Set(s);
              if (n.has(focused.id)) n.delete(focused.id);
              else n.add(focused.id);
              return n;
            });
          }
          break;
        case '?':
          e.preventDefault();
          setHelp(true);
          break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [move, focused, items, decide, asTable]);

  const selectedItems = items.filter((a) => selected.has(a.id));

  const runBulk = async (approved: boolean) => {
    setBulkBusy(true);
    const results = await Promise.allSettled(selectedItems.map((a) => decide(a, approved, approved ? undefined : bulkReason.trim(), { quiet: true })));
    setBulkBusy(false);
    const done = results.filter((r) => r.status === 'fulfilled' && r.value).length;
    const already = results.filter((r) => r.status === 'fulfilled' && !r.value).length;
    const failed = results.filter((r) => r.status === 'rejected').length;
    const parts = [`${approved ? 'Approved' : 'Denied'} ${done}`];
    if (already) parts.push(`${already} already decided or expired`);
    if (failed) parts.push(`${failed} failed`);
    (failed ? toast.error : toast.success)(parts.join('; '));
    setSelected(new Set());
    setBulkDeny(false);
    setBulkReason('');
  };

  return (
    <div className="flex flex-col gap-3">
      {redCount > 0 && (
        <div role="alert" className="flex items-center gap-2 rounded-lg border border-red-500/50 bg-red-50 px-4 py-2 text-sm font-medium text-red-800 dark:bg-red-950/30 dark:text-red-300">
          <IconAlert size={16} className="animate-pulse" />
          {redCount} {redCount === 1 ? 'request is' : 'requests are'} about to time out
        </div>
      )}

      <div className="flex min-h-10 flex-wrap items-center justify-between gap-2">
        {selectedItems.length > 0 ? (
          <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Bulk actions">
            <span className="text-sm font-medium">{selectedItems.length} selected</span>
            {bulkDeny ? (
              <form
                className="flex flex-wrap items-center gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (bulkReason.trim()) void runBulk(false);
                }}
                onKeyDown={(e) => e.key === 'Escape' && setBulkDeny(false)}
              >
                <label htmlFor="bulk-reason" className="sr-only">
                  Reason for denying the selected requests
                </label>
                <input
                  id="bulk-reason"
                  autoFocus
                  value={bulkReason}
                  onChange={(e) => setBulkReason(e.target.value)}
                  maxLength={2000}
                  placeholder="Reason (sent to every agent)"
                  className="h-8 w-64 rounded-md border border-slate-300 bg-white px-2 text-sm dark:border-slate-700 dark:bg-slate-950"
                />
                <Button type="submit" size="sm" variant="danger" loading={bulkBusy} disabled={!bulkReason.trim()}>
                  Deny {selectedItems.length}
                </Button>
                <Button size="sm" variant="ghost" onClick={() => setBulkDeny(false)}>
                  Cancel
                </Button>
              </form>
            ) : (
              <>
                <Button size="sm" variant="success" loading={bulkBusy} onClick={() => void runBulk(true)}>
                  Approve selected
                </Button>
                <Button size="sm" variant="danger-outline" onClick={() => setBulkDeny(true)}>
                  Deny selected
                </Button>
                <Button size="sm" variant="ghost" onClick={() => setSelected(new Set())}>
                  Clear selection
                </Button>
              </>
            )}
          </div>
        ) : (
          <p className="text-sm text-slate-500 dark:text-slate-400">
            {items.length} pending · most urgent first
          </p>
        )}
        <div className="flex items-center gap-2">
          {!phone && (
            <div role="group" aria-label="Layout" className="flex overflow-hidden rounded-md border border-slate-300 text-xs dark:border-slate-700">
              {(['auto', 'cards', 'table'] as const).map((l) => (
                <button
                  key={l}
                  type="button"
                  aria-pressed={layout === l}
                  onClick={() => setLayout(l)}
                  className={cn('h-8 px-2.5 capitalize', layout === l ? 'bg-amber-500 text-slate-950' : 'hover:bg-slate-100 dark:hover:bg-slate-800')}
                >
                  {l}
                </button>
              ))}
            </div>
          )}
          <Button size="sm" variant="ghost" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts">
            <IconKeyboard size={16} />
          </Button>
        </div>
      </div>

      {asTable ? (
        <ApprovalTable
          items={items}
          focusedId={focusedId}
          highlightId={highlightId}
          selected={selected}
          onSelect={(id, v) =>
            setSelected((s) => {
              const n = new Set(s);
              if (v) n.add(id);
              else n.delete(id);
              return n;
            })
          }
          onSelectAll={(v) => setSelected(v ? new Set(items.map((a) => a.id)) : new Set())}
          onFocus={setFocusedId}
          expanded={expanded}
          onExpand={(id) =>
            setExpanded((s) => {
              const n = new Set(s);
              if (n.has(id)) n.delete(id);
              else n.add(id);
              return n;
            })
          }
          denyOpenId={denyOpenId}
          onDenyOpen={setDenyOpenId}
        />
      ) : (
        <div className="grid gap-3 xl:grid-cols-2">
          {items.map((a) => (
            <ApprovalCard
              key={a.id}
              ref={(el) => {
                if (el) refs.current.set(a.id, el);
                else refs.current.delete(a.id);
              }}
              approval={a}
              focused={a.id === focusedId}
              highlighted={a.id === highlightId}
              checked={selected.has(a.id)}
              onCheck={(v) =>
                setSelected((s) => {
                  const n = new Set(s);
                  if (v) n.add(a.id);
                  else n.delete(a.id);
                  return n;
                })
              }
              onFocus={() => setFocusedId(a.id)}
              denyOpen={denyOpenId === a.id}
              onDenyOpenChange={(v) => setDenyOpenId(v ? a.id : null)}
            />
          ))}
        </div>
      )}
      <ShortcutsDialog open={help} onClose={() => setHelp(false)} />
    </div>
  );
}

import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef, type KeyboardEvent } from 'react';
import type { AuditEvent } from '../../api/types';
import { Spinner } from '../../components/ui/Button';
import { VerdictBadge } from '../../components/VerdictBadge';
import { cn } from '../../lib/cn';
import { argsPreview } from '../../lib/format';
import { searchedBackTo } from './search-progress';

const ROW_H = 34;
/**
 * The sticky header row sits inside the scroll element above the rows, so the virtualiser is
 * told about it (scrollMargin): without it, scrolling a deep-linked row into view at the bottom
 * edge left it one header-height below the visible area.
 */
const HEADER_H = 32;
// The minimums add up to 848px so the whole row fits next to the filters at 1440px wide
// (sidebar, padding and facet column take the other ~550px); narrower screens scroll sideways.
// Each minimum fits its typical content (a timestamp, "support-bot", "search_orders",
// "production", "enforce"); a long verdict badge ends in an ellipsis. The verdict comes right
// after the time so a phone (about 360px of grid before it scrolls) shows both.
const COLS = 'grid-cols-[8.75rem_7.5rem_minmax(7rem,1fr)_minmax(7rem,1fr)_4.75rem_minmax(6rem,0.7fr)_minmax(6rem,1fr)_minmax(6rem,2fr)]';
const MIN_W = 'min-w-[848px]';

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: '2-digit' });
function rowTime(iso: string): string {
  const d = new Date(iso);
  return `${dayFmt.format(d)} ${timeFmt.format(d)}`;
}

export function eventEnv(e: AuditEvent): string {
  return e.env ?? (typeof e.payload?.environment === 'string' ? e.payload.environment : '') ?? '';
}

/**
 * Virtualised: only the rows in view (plus overscan) are in the DOM, so 10,000 loaded rows
 * scroll like 50. Keyboard: ↑/↓ or j/k move the selection, Enter opens it.
 */
export function EventTable({ rows, selectedId, onSelect, onEndReached, loadingMore, hasMore, scrollToTopSignal, searchedUntil = null }: {
  rows: AuditEvent[];
  selectedId: string | null;
  onSelect: (e: AuditEvent) => void;
  onEndReached: () => void;
  loadingMore: boolean;
  hasMore: boolean;
  scrollToTopSignal: number;
  /** While more may come: how far back the list has looked (a search pages through empty slices). */
  searchedUntil?: string | null;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // Rows are keyed by event id and anchored (anchorTo 'end': when the rows at either edge change,
  // the row at the top of the view stays where it is on screen). Paging back past the window's cap
  // lets go of the newest rows; without the anchor every row would slide up by as many rows.
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    getItemKey: (i) => rows[i]!.id,
    anchorTo: 'end',
    overscan: 12,
    scrollMargin: HEADER_H,
  });
  const items = v.getVirtualItems();
  const last = items[items.length - 1];

  useEffect(() => {
    const el = scrollRef.current;
    if (!el || !last || last.index < rows.length - 40 || !hasMore || loadingMore) return;
    // The virtualiser hears of a scroll on the next scroll event; the element knows now. After
    // "Jump to newest" the view is at the top of a 500-row list while the virtualiser may still
    // hold the old list's bottom offset (which would ask for the next page at once).
    if (el.scrollTop + el.clientHeight >= el.scrollHeight - 40 * ROW_H) onEndReached();
  }, [last, rows.length, hasMore, loadingMore, onEndReached]);

  useEffect(() => {
    if (scrollToTopSignal) scrollRef.current?.scrollTo({ top: 0 });
  }, [scrollToTopSignal]);

  // Bring a deep-linked / keyboard-selected row into view, once per selection: rows moving under
  // it (the window letting go of its newest rows while paging back) must not pull the view back.
  const selectedIndex = selectedId ? rows.findIndex((r) => r.id === selectedId) : -1;
  const shownFor = useRef<string | null>(null);
  useEffect(() => {
    if (!selectedId) shownFor.current = null;
    if (selectedIndex < 0 || shownFor.current === selectedId) return;
    shownFor.current = selectedId;
    v.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedId, selectedIndex, v]);


  const onKeyDown = (e: KeyboardEvent) => {
    if (rows.length === 0) return;
    const i = selectedIndex;
    let next = -1;
    if (e.key === 'ArrowDown' || e.key === 'j') next = Math.min(rows.length - 1, i + 1);
    else if (e.key === 'ArrowUp' || e.key === 'k') next = Math.max(0, i - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = rows.length - 1;
    if (next < 0) return;
    e.preventDefault();
    onSelect(rows[next]!);
  };

  return (
    <div
      ref={scrollRef}
      role="grid"
      aria-label="Events"
      aria-rowcount={rows.length + 1}
      aria-activedescendant={selectedId ? `ev-${selectedId}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      className="relative min-h-0 flex-1 overflow-auto rounded-lg border [contain:strict] border-slate-200 scrollbar-thin focus-visible:outline-2 dark:border-slate-800"
    >
      <div className={cn(MIN_W)}>
        <div
          role="row"
          aria-rowindex={1}
          style={{ height: HEADER_H }}
          className={cn('sticky top-0 z-10 grid items-center border-b border-slate-200 bg-slate-100 text-[11px] font-medium tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:bg-slate-900 dark:text-slate-400', COLS)}
        >
          {['Time', 'Verdict', 'Agent', 'Tool', 'Mode', 'Env', 'Contract', 'Arguments'].map((h) => (
            <div key={h} role="columnheader" className="truncate px-3">
              {h}
            </div>
          ))}
        </div>
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {items.map((it) => {
            const e = rows[it.index]!;
            return (
              <EventRow
                key={e.id}
                e={e}
                index={it.index}
                top={it.start - HEADER_H}
                selected={e.id === selectedId}
                onSelect={onSelect}
              />
            );
          })}
        </div>
        {rows.length > 0 && (loadingMore || !hasMore || searchedUntil) && (
          <div className="flex h-9 items-center justify-center gap-2 text-xs text-slate-500">
            {loadingMore ? (
              <>
                <Spinner className="size-3" /> {searchedUntil ? `Searching older events… ${searchedBackTo(searchedUntil)}` : 'Loading older events…'}
              </>
            ) : !hasMore ? (
              'Start of the selected time range'
            ) : (
              `More may match: ${searchedBackTo(searchedUntil)}`
            )}
          </div>
        )}
      </div>
    </div>
  );
}

const EventRow = memo(function EventRow({ e, index, top, selected, onSelect }: { e: AuditEvent; index: number; top: number; selected: boolean; onSelect: (e: AuditEvent) => void }) {
  return (
    <div
      id={`ev-${e.id}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      onClick={() => onSelect(e)}
      style={{ transform: `translateY(${top}px)`, height: ROW_H }}
      className={cn(
        'absolute inset-x-0 top-0 grid cursor-pointer items-center border-b [contain:strict] border-slate-100 text-sm dark:border-slate-900',
        COLS,
        selected ? 'bg-amber-500/10 ring-1 ring-amber-500/40 ring-inset' : 'hover:bg-slate-50 dark:hover:bg-slate-900/60',
        e.mode === 'observe' && !selected && 'opacity-75',
      )}
    >
      <div role="gridcell" className="truncate px-3 font-mono text-xs text-slate-500 tabular-nums">
        <time dateTime={e.timestamp}>{rowTime(e.timestamp)}</time>
      </div>
      <div role="gridcell" className="truncate px-3">
        <VerdictBadge verdict={e.verdict} mode={e.mode} agentWord={typeof e.payload?.agent_verdict === 'string' ? e.payload.agent_verdict : null} />
      </div>
      <div role="gridcell" className="truncate px-3">
        {e.agent_id}
      </div>
      <div role="gridcell" className="truncate px-3 font-mono text-xs">
        {e.tool_name}
      </div>
      <div role="gridcell" className={cn('truncate px-3 text-xs', e.mode === 'observe' ? 'text-blue-600 dark:text-blue-400' : 'text-slate-500')}>
        {e.mode}
      </div>
      <div role="gridcell" className="truncate px-3 text-xs text-slate-500">
        {eventEnv(e)}
      </div>
      <div role="gridcell" className="truncate px-3 text-xs text-violet-700 dark:text-violet-300">
        {e.payload?.decision_name ?? ''}
      </div>
      <div role="gridcell" className="truncate px-3 font-mono text-xs text-slate-500">
        {argsPreview(e.payload?.tool_args, 120)}
      </div>
    </div>
  );
});

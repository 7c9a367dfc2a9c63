import { useEffect, useRef, useState } from 'react';
import { Button } from '../../components/ui/Button';
import { controlClass } from '../../components/ui/Field';
import { IconDownload, IconFilter, IconPause, IconPlay, IconSearch } from '../../components/ui/icons';
import { cn } from '../../lib/cn';
import { WINDOWS, type EventFilters, type WindowKey } from './event-filters';

function toLocalInput(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function EventsToolbar({ filters, onSearch, onWindow, onRange, live, onLiveChange, onExport, onAudit, onOpenFilters, filterCount }: {
  filters: EventFilters;
  onSearch: (q: string) => void;
  onWindow: (w: WindowKey) => void;
  onRange: (since: number | null, until: number | null) => void;
  live: boolean;
  onLiveChange: (v: boolean) => void;
  onExport: () => void;
  /** Opens the audit dialog (verify, evidence pack); absent for non-admins. */
  onAudit?: () => void;
  onOpenFilters: () => void;
  filterCount: number;
}) {
  const [text, setText] = useState(filters.q);
  const searchRef = useRef<HTMLInputElement>(null);
  const [customOpen, setCustomOpen] = useState(filters.window === 'custom');
  const [from, setFrom] = useState(toLocalInput(filters.since));
  const [to, setTo] = useState(toLocalInput(filters.until));

  useEffect(() => setText(filters.q), [filters.q]);
  useEffect(() => {
    setFrom(toLocalInput(filters.since));
    setTo(toLocalInput(filters.until));
    if (filters.window === 'custom') setCustomOpen(true);
  }, [filters.since, filters.until, filters.window]);

  // Debounced search: the server does the filtering.
  useEffect(() => {
    if (text === filters.q) return;
    const id = window.setTimeout(() => onSearch(text.trim()), 350);
    return () => window.clearTimeout(id);
  }, [text, filters.q, onSearch]);

  // "/" or Ctrl/⌘+K focuses search from anywhere on the page.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      const typing = t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName);
      if ((e.key === 'k' && (e.metaKey || e.ctrlKey)) || (e.key === '/' && !typing)) {
        e.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center gap-2">
        <div className="relative min-w-[12rem] flex-1">
          <label htmlFor="events-search" className="sr-only">
            Search events
          </label>
          <IconSearch size={16} className="pointer-events-none absolute top-1/2 left-3 -translate-y-1/2 text-slate-400" />
          <input
            ref={searchRef}
            id="events-search"
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') onSearch(text.trim());
              if (e.key === 'Escape') e.currentTarget.blur();
            }}
            placeholder="Search agent, tool, ids, arguments…"
            className={cn(controlClass, 'h-9 pr-10 pl-9')}
          />
          <kbd className="pointer-events-none absolute top-1/2 right-2 hidden -translate-y-1/2 rounded border border-slate-300 px-1.5 text-[10px] text-slate-400 sm:block dark:border-slate-700">/</kbd>
        </div>
        <div role="group" aria-label="Time window" className="flex overflow-hidden rounded-md border border-slate-300 dark:border-slate-700">
          {WINDOWS.map((w) => (
            <button
              key={w.key}
              type="button"
              aria-pressed={filters.window === w.key}
              onClick={() => {
                setCustomOpen(false);
                onWindow(w.key);
              }}
              className={cn(
                'h-9 px-2.5 text-xs font-medium tabular-nums',
                filters.window === w.key ? 'bg-amber-500 text-slate-950' : 'text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800',
              )}
            >
              {w.label}
            </button>
          ))}
          <button
            type="button"
            aria-pressed={filters.window === 'custom'}
            aria-expanded={customOpen}
            onClick={() => setCustomOpen(!customOpen)}
            className={cn(
              'h-9 px-2.5 text-xs font-medium',
              filters.window === 'custom' ? 'bg-amber-500 text-slate-950' : 'text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800',
            )}
          >
            Custom
          </button>
        </div>
        <Button size="sm" variant={live ? 'outline' : 'secondary'} aria-pressed={live} onClick={() => onLiveChange(!live)} disabled={filters.window === 'custom'} title={filters.window === 'custom' ? 'Live updates apply to relative time windows' : undefined}>
          {live && filters.window !== 'custom' ? (
            <>
              <span className="relative flex size-2" aria-hidden="true">
                <span className="absolute inline-flex size-full animate-ping rounded-full bg-emerald-400 opacity-75" />
                <span className="relative inline-flex size-2 rounded-full bg-emerald-500" />
              </span>
              Live
            </>
          ) : (
            <>
              {live ? <IconPlay size={14} /> : <IconPause size={14} />} Paused
            </>
          )}
        </Button>
        <Button size="sm" variant="outline" onClick={onExport}>
          <IconDownload size={14} /> Export
        </Button>
        {onAudit && (
          <Button size="sm" variant="outline" onClick={onAudit}>
            Audit
          </Button>
        )}
        <Button size="sm" variant="outline" onClick={onOpenFilters} className="lg:hidden">
          <IconFilter size={14} /> Filters{filterCount ? ` (${filterCount})` : ''}
        </Button>
      </div>
      {customOpen && (
        <form
          className="flex flex-wrap items-end gap-2 rounded-md border border-slate-200 p-2 dark:border-slate-800"
          onSubmit={(e) => {
            e.preventDefault();
            const s = from ? new Date(from).getTime() : null;
            const u = to ? new Date(to).getTime() : null;
            onRange(s, u);
          }}
        >
          <div className="flex flex-col gap-1">
            <label htmlFor="events-from" className="text-xs text-slate-500">
              From
            </label>
            <input id="events-from" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} className={cn(controlClass, 'h-9 w-auto')} />
          </div>
          <div className="flex flex-col gap-1">
            <label htmlFor="events-until" className="text-xs text-slate-500">
              Until
            </label>
            <input id="events-until" type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} className={cn(controlClass, 'h-9 w-auto')} />
          </div>
          <Button type="submit" size="sm" variant="primary" disabled={!from && !to}>
            Apply range
          </Button>
        </form>
      )}
    </div>
  );
}

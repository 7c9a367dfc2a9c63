import { useMemo, useState } from 'react';
import type { AuditEvent } from '../../api/types';
import { IconChevronDown, IconChevronRight } from '../../components/ui/icons';
import { cn } from '../../lib/cn';
import { formatNumber } from '../../lib/format';
import { classifyVerdict, HIST_COLORS, verdictLabel } from '../../lib/verdict';
import { eventEnv } from './EventTable';
import { FACETS, type EventFilters, type FacetKey } from './event-filters';

export type FacetCounts = Record<FacetKey, { value: string; count: number }[]>;

function valueOf(e: AuditEvent, k: FacetKey): string {
  switch (k) {
    case 'agent':
      return e.agent_id;
    case 'tool':
      return e.tool_name;
    case 'verdict':
      return e.verdict;
    case 'mode':
      return e.mode;
    case 'env':
      return eventEnv(e);
    case 'contract':
      return e.payload?.decision_name ?? '';
  }
}

/** Counts over loaded rows, for servers without /events/facets. */
export function countLoaded(rows: AuditEvent[]): FacetCounts {
  const maps = Object.fromEntries(FACETS.map((f) => [f.key, new Map<string, number>()])) as Record<FacetKey, Map<string, number>>;
  for (const e of rows) {
    for (const f of FACETS) {
      const v = valueOf(e, f.key);
      if (v) maps[f.key].set(v, (maps[f.key].get(v) ?? 0) + 1);
    }
  }
  return Object.fromEntries(FACETS.map((f) => [f.key, [...maps[f.key].entries()].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count)])) as FacetCounts;
}

/**
 * Facets: tick values to filter on the server (values OR within a facet, AND across facets).
 * A facet's own counts ignore its own selection, so the other values stay visible.
 */
export function FacetPanel({ counts, note, filters, onToggle }: { counts: FacetCounts | null; note: string; filters: EventFilters; onToggle: (k: FacetKey, v: string, on: boolean) => void }) {
  return (
    <div className="flex flex-col gap-1">
      <p className="px-1 pb-1 text-xs text-slate-500 dark:text-slate-400">{note}</p>
      {FACETS.map((f) => (
        <Facet key={f.key} label={f.label} facet={f.key} values={counts?.[f.key] ?? null} selected={filters.facets[f.key] ?? []} onToggle={(v, on) => onToggle(f.key, v, on)} />
      ))}
    </div>
  );
}

function Facet({ label, facet, values, selected, onToggle }: { label: string; facet: FacetKey; values: { value: string; count: number }[] | null; selected: string[]; onToggle: (v: string, on: boolean) => void }) {
  const [open, setOpen] = useState(true);
  const [all, setAll] = useState(false);
  const entries = useMemo(() => {
    const list = [...(values ?? [])];
    for (const s of selected) if (!list.some((x) => x.value === s)) list.unshift({ value: s, count: 0 });
    return list;
  }, [values, selected]);
  const shown = all ? entries : entries.slice(0, 8);
  const id = `facet-${facet}`;
  return (
    <section className="border-b border-slate-200 py-1 last:border-0 dark:border-slate-800">
      <h3>
        <button
          type="button"
          aria-expanded={open}
          aria-controls={id}
          onClick={() => setOpen(!open)}
          className="flex w-full items-center justify-between rounded px-1 py-1.5 text-xs font-semibold tracking-wide text-slate-600 uppercase hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100"
        >
          <span>
            {label}
            {selected.length > 0 && <span className="ml-1 text-amber-600 dark:text-amber-400">({selected.length})</span>}
          </span>
          {open ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
        </button>
      </h3>
      {open && (
        <ul id={id} className="flex flex-col pb-1" aria-label={`${label} values`}>
          {values === null && <li className="px-1 py-1 text-xs text-slate-400">…</li>}
          {values !== null && shown.length === 0 && <li className="px-1 py-1 text-xs text-slate-400">No values</li>}
          {shown.map(({ value: v, count: n }) => {
            const on = selected.includes(v);
            // A facet value carries no mode; a would-deny only ever comes from observe mode, which
            // the histogram draws as "observed" (blue), so its dot is blue too.
            const cls = facet === 'verdict' ? classifyVerdict(v, /would_deny$/.test(v) ? 'observe' : null) : null;
            return (
              <li key={v}>
                <label className={cn('flex cursor-pointer items-center gap-2 rounded px-1 py-1 text-sm hover:bg-slate-100 dark:hover:bg-slate-800/70', on && 'bg-amber-500/10')}>
                  <input type="checkbox" checked={on} onChange={() => onToggle(v, !on)} className="accent-amber-500" />
                  {cls && cls !== 'other' && <span aria-hidden="true" className="size-2 shrink-0 rounded-full" style={{ background: HIST_COLORS[cls] }} />}
                  <span className={cn('min-w-0 flex-1 truncate', (facet === 'tool' || facet === 'contract') && 'font-mono text-xs')} title={v}>
                    {facet === 'verdict' ? verdictLabel(v) : v}
                  </span>
                  <span className="text-xs text-slate-500 tabular-nums">{formatNumber(n)}</span>
                </label>
              </li>
            );
          })}
          {entries.length > 8 && (
            <li>
              <button type="button" onClick={() => setAll(!all)} className="px-1 py-1 text-xs text-amber-600 hover:underline dark:text-amber-400">
                {all ? 'Show fewer' : `Show all ${entries.length}`}
              </button>
            </li>
          )}
        </ul>
      )}
    </section>
  );
}

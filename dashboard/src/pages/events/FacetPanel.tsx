import { useMemo, useState } from 'react';
import type { AuditEvent } from '../../api/types';
import { IconChevronDown, IconChevronRight } from '../../components/ui/icons';
import { cn } from '../../lib/cn';
import { formatNumber } from '../../lib/format';
import { classifyVerdict, HIST_COLORS, verdictLabel } from '../../lib/verdict';
import { eventEnv } from './EventTable';
import { FACETS, type EventFilters, type FacetKey } from './event-filters';

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

/**
 * Facets with counts over the loaded events. Choosing a value filters on the server (one value
 * per facet; choosing it again clears it), so counts in a chosen facet show only that value.
 */
export function FacetPanel({ rows, filters, onChange, total }: { rows: AuditEvent[]; filters: EventFilters; onChange: (k: FacetKey, v: string | null) => void; total: number }) {
  const counts = useMemo(() => {
    const out = {} as Record<FacetKey, Map<string, number>>;
    for (const f of FACETS) out[f.key] = new Map();
    for (const e of rows) {
      for (const f of FACETS) {
        const v = valueOf(e, f.key);
        if (!v) continue;
        const m = out[f.key];
        m.set(v, (m.get(v) ?? 0) + 1);
      }
    }
    return out;
  }, [rows]);

  return (
    <div className="flex flex-col gap-1">
      <p className="px-1 pb-1 text-xs text-slate-500 dark:text-slate-400">Counts over {formatNumber(total)} loaded events</p>
      {FACETS.map((f) => (
        <Facet key={f.key} label={f.label} facet={f.key} counts={counts[f.key]} selected={filters.facets[f.key] ?? null} onChange={(v) => onChange(f.key, v)} />
      ))}
    </div>
  );
}

function Facet({ label, facet, counts, selected, onChange }: { label: string; facet: FacetKey; counts: Map<string, number>; selected: string | null; onChange: (v: string | null) => void }) {
  const [open, setOpen] = useState(true);
  const [all, setAll] = useState(false);
  const entries = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  if (selected && !counts.has(selected)) entries.unshift([selected, 0]);
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
            {selected && <span className="ml-1 text-amber-600 dark:text-amber-400">(1)</span>}
          </span>
          {open ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
        </button>
      </h3>
      {open && (
        <ul id={id} className="flex flex-col pb-1" aria-label={`${label} values`}>
          {shown.length === 0 && <li className="px-1 py-1 text-xs text-slate-400">No values</li>}
          {shown.map(([v, n]) => {
            const on = v === selected;
            const cls = facet === 'verdict' ? classifyVerdict(v) : null;
            return (
              <li key={v}>
                <label
                  className={cn(
                    'flex cursor-pointer items-center gap-2 rounded px-1 py-1 text-sm hover:bg-slate-100 dark:hover:bg-slate-800/70',
                    on && 'bg-amber-500/10',
                  )}
                >
                  <input type="checkbox" checked={on} onChange={() => onChange(on ? null : v)} className="accent-amber-500" />
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

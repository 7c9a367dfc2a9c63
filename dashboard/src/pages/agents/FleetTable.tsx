import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import { memo, useCallback, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { AgentRegistration, AgentStatus, FleetAgent, FleetLabels } from '../../api/types';

type AgentLabelEntry = FleetLabels['agents'][number];
import { EnvBadge } from '../../components/EnvBadge';
import { Badge } from '../../components/ui/Badge';
import { formatNumber, formatRelative } from '../../lib/format';
import { CoverageBar } from './CoverageBar';

/** The sticky header row's height: the rows start below it in the scroll box (scrollMargin). */
const HEADER_H = 36;
/** A row with one line per cell; a display name or an "ungoverned" note adds a line (measured). */
const ROW_ESTIMATE = 45;
const PAGE_ROWS = 10;
/**
 * Fixed column widths (table-layout: fixed): with only some rows rendered, automatic widths would
 * change as rows scroll in and out (and row heights with them). Agent, Env, Bundle, Status,
 * Labels, Coverage, Events, Last seen; narrower than 52rem the table scrolls sideways.
 */
const COL_WIDTHS = ['21%', '11%', '11%', '12%', '12%', '14%', '7%', '12%'];
const COLS = COL_WIDTHS.length;

/**
 * The agents table, virtualised: a real <table> whose body holds only the rows in view (plus
 * overscan) between spacer rows, so a fleet of thousands costs what 30 rows cost.
 *
 * Keyboard: the rows are one tab stop (roving tabindex); ↑/↓, PageUp/PageDown, Home/End move the
 * focus and scroll just enough to show the row; Tab walks the row's links as usual. The focused row
 * is always rendered (rangeExtractor adds it, with a spacer on either side), so scrolling away with
 * the wheel or the scrollbar never unmounts it, never drops focus to <body> and never pulls the view
 * back: the table scrolls only when a key asks it to, never from an effect that watches the data.
 */
export function FleetTable({
  rows,
  live,
  names,
  labels,
  header,
}: {
  rows: FleetAgent[];
  live: Map<string, AgentStatus>;
  names: Map<string, AgentRegistration>;
  /** Each agent's own and rule-given labels (GET /agent-labels). */
  labels: Map<string, AgentLabelEntry>;
  /** The header cells (sort buttons) */
  header: ReactNode;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [activeId, setActiveId] = useState<string | null>(null);
  const found = activeId ? rows.findIndex((r) => r.agent_id === activeId) : -1;
  // The tab stop: the focused agent while it is listed, else the first row.
  const active = found >= 0 ? found : 0;
  /** A row to focus once it is rendered (set by a key press only). */
  const focusNext = useRef<number | null>(null);

  const rangeExtractor = useCallback(
    (range: Range) => {
      const list = defaultRangeExtractor(range);
      if (active < range.count && !list.includes(active)) {
        list.push(active);
        list.sort((a, b) => a - b);
      }
      return list;
    },
    [active],
  );
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_ESTIMATE,
    getItemKey: (i) => rows[i]!.agent_id,
    overscan: 8,
    scrollMargin: HEADER_H,
    scrollPaddingStart: HEADER_H,
    rangeExtractor,
  });
  const items = v.getVirtualItems();

  useLayoutEffect(() => {
    const i = focusNext.current;
    if (i === null) return;
    const el = scrollRef.current?.querySelector<HTMLElement>(`tr[data-index="${i}"]`);
    if (!el) return;
    focusNext.current = null;
    // The virtualiser scrolls (scrollToIndex below); the browser must not scroll on its own.
    el.focus({ preventScroll: true });
  });

  const onKeyDown = (e: KeyboardEvent) => {
    if (!(e.target instanceof Element) || !e.target.closest('tbody') || rows.length === 0) return;
    const row = e.target.closest<HTMLElement>('tr[data-index]');
    const from = row ? Number(row.dataset.index) : active;
    const last = rows.length - 1;
    const next =
      e.key === 'ArrowDown'
        ? Math.min(last, from + 1)
        : e.key === 'ArrowUp'
          ? Math.max(0, from - 1)
          : e.key === 'PageDown'
            ? Math.min(last, from + PAGE_ROWS)
            : e.key === 'PageUp'
              ? Math.max(0, from - PAGE_ROWS)
              : e.key === 'Home'
                ? 0
                : e.key === 'End'
                  ? last
                  : -1;
    if (next < 0) return;
    e.preventDefault();
    setActiveId(rows[next]!.agent_id);
    focusNext.current = next;
    v.scrollToIndex(next, { align: 'auto' });
  };

  const body: ReactNode[] = [];
  let at = HEADER_H;
  for (const it of items) {
    if (it.start > at) body.push(<Spacer key={`gap-${it.index}`} height={it.start - at} />);
    const a = rows[it.index]!;
    body.push(
      <FleetRow
        key={a.agent_id}
        a={a}
        index={it.index}
        l={live.get(a.agent_id)}
        reg={names.get(a.agent_id)}
        lab={labels.get(a.agent_id)}
        tabStop={it.index === active}
        measure={v.measureElement}
        onFocusRow={setActiveId}
      />,
    );
    at = it.end;
  }
  const end = HEADER_H + v.getTotalSize();
  if (end > at) body.push(<Spacer key="gap-end" height={end - at} />);

  return (
    <div
      ref={scrollRef}
      onKeyDown={onKeyDown}
      data-testid="agents-scroll"
      className="relative max-h-[75dvh] overflow-auto rounded-lg border [overflow-anchor:none] border-slate-200 scrollbar-thin dark:border-slate-800"
    >
      <table aria-rowcount={rows.length + 1} className="w-full min-w-[52rem] table-fixed border-collapse text-left text-sm">
        <caption className="sr-only">Agents</caption>
        <colgroup>
          {COL_WIDTHS.map((w, i) => (
            <col key={i} style={{ width: w }} />
          ))}
        </colgroup>
        <thead className="sticky top-0 z-10 bg-slate-100 text-xs tracking-wide text-slate-500 uppercase dark:bg-slate-900 dark:text-slate-400">
          <tr aria-rowindex={1} style={{ height: HEADER_H }}>
            {header}
          </tr>
        </thead>
        <tbody>{body}</tbody>
      </table>
    </div>
  );
}

function Spacer({ height }: { height: number }) {
  return (
    <tr aria-hidden="true" style={{ height }}>
      <td colSpan={COLS} className="p-0" />
    </tr>
  );
}

const FleetRow = memo(function FleetRow({
  a,
  index,
  l,
  reg,
  lab,
  tabStop,
  measure,
  onFocusRow,
}: {
  a: FleetAgent;
  index: number;
  l: AgentStatus | undefined;
  reg: AgentRegistration | undefined;
  lab: AgentLabelEntry | undefined;
  tabStop: boolean;
  measure: (el: HTMLTableRowElement | null) => void;
  onFocusRow: (id: string) => void;
}) {
  const ds = l?.status ?? a.drift_status;
  const name = reg?.display_name || a.agent_id;
  return (
    <tr
      ref={measure}
      data-index={index}
      aria-rowindex={index + 2}
      tabIndex={tabStop ? 0 : -1}
      onFocus={() => onFocusRow(a.agent_id)}
      className="border-t border-slate-200 bg-white outline-amber-500 focus-visible:outline-2 focus-visible:-outline-offset-2 dark:border-slate-800 dark:bg-slate-950/40"
    >
      <td className="px-3 py-2 align-middle">
        <Link
          to={`/agents/${encodeURIComponent(a.agent_id)}`}
          title={name}
          className="block truncate font-medium hover:text-amber-600 hover:underline"
        >
          {name}
        </Link>
        {reg?.display_name && <div className="truncate font-mono text-xs text-slate-500">{a.agent_id}</div>}
      </td>
      <td className="px-3 py-2 align-middle">
        <EnvBadge env={a.environment} />
      </td>
      <td className="truncate px-3 py-2 align-middle font-mono text-xs" title={l?.bundle_name ?? reg?.resolved_bundle ?? reg?.bundle_name ?? undefined}>
        {l?.bundle_name ?? reg?.resolved_bundle ?? reg?.bundle_name ?? '—'}
      </td>
      <td className="px-3 py-2 align-middle">
        <span className="flex flex-wrap gap-1">
          <Badge tone={l ? 'emerald' : 'zinc'} dot>
            {l ? 'connected' : 'offline'}
          </Badge>
          {ds !== 'unknown' && (
            <Badge tone={ds === 'current' ? 'emerald' : ds === 'canary' ? 'violet' : 'amber'} title={ds === 'canary' ? 'In a canary slice, running the canary version as intended' : undefined}>
              {ds}
            </Badge>
          )}
        </span>
      </td>
      <td className="px-3 py-2 align-middle">
        <LabelChips {...rowLabels(lab, a.environment)} />
      </td>
      <td className="px-3 py-2 align-middle">
        {a.total_tools === 0 ? (
          <span className="text-xs text-slate-500">No tool calls yet</span>
        ) : (
          <div className="flex items-center gap-2">
            <CoverageBar enforced={a.enforced} observed={a.observed} ungoverned={a.ungoverned} className="w-20" />
            <span className="text-xs tabular-nums">{a.coverage_pct}%</span>
          </div>
        )}
        {a.ungoverned > 0 && <div className="text-xs text-red-600 dark:text-red-400">{a.ungoverned} ungoverned</div>}
      </td>
      <td className="px-3 py-2 align-middle text-xs tabular-nums">
        <Link to={`/events?agent=${encodeURIComponent(a.agent_id)}`} className="hover:underline">
          {formatNumber(a.event_count_24h)}
        </Link>
      </td>
      <td className="truncate px-3 py-2 align-middle text-xs text-slate-500">{formatRelative(a.last_seen)}</td>
    </tr>
  );
});

/** An agent's labels in its env: its own, then those its rules give it there (docs/rollouts.md). */
function rowLabels(l: AgentLabelEntry | undefined, env: string): { own: string[]; ruled: string[] } {
  const own = l?.labels ?? [];
  const ruled = [...new Set((l?.rule_labels ?? []).filter((r) => r.env === env).map((r) => r.label))].filter((x) => !own.includes(x));
  return { own, ruled };
}

function LabelChips({ own, ruled }: { own: string[]; ruled: string[] }) {
  if (own.length === 0 && ruled.length === 0) return <span className="text-xs text-slate-400">—</span>;
  return (
    <ul aria-label="Labels" className="flex flex-wrap gap-1 overflow-hidden">
      {own.map((l) => (
        <li key={l} className="truncate rounded bg-slate-200 px-1.5 py-0.5 font-mono text-xs dark:bg-slate-800">
          {l}
        </li>
      ))}
      {ruled.map((l) => (
        <li key={l} title="Given by an assignment rule" className="truncate rounded border border-dashed border-slate-300 px-1.5 py-0.5 font-mono text-xs text-slate-600 dark:border-slate-700 dark:text-slate-400">
          {l}
        </li>
      ))}
    </ul>
  );
}

import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, type RefObject } from 'react';
import { Link } from 'react-router';
import type { AgentRegistration, AgentStatus, FleetAgent } from '../../api/types';
import { EnvBadge } from '../../components/EnvBadge';
import { Badge } from '../../components/ui/Badge';
import { TD } from '../../components/ui/Table';
import { formatNumber, formatRelative } from '../../lib/format';
import { CoverageBar } from './CoverageBar';

/** From this many agents the table renders only the rows in view (a 200-agent fleet stalled the page). */
export const VIRTUAL_FROM = 60;
const ROW_ESTIMATE = 53;

type Live = Map<string, AgentStatus>;
type Regs = Map<string, AgentRegistration>;

/**
 * The agents table's body. Small fleets render every row; bigger ones are virtualised inside the
 * scroll box `scrollRef` (spacer rows above and below keep the table's columns and scroll height).
 */
export function FleetRows({
  rows,
  live,
  names,
  scrollRef,
}: {
  rows: FleetAgent[];
  live: Live;
  names: Regs;
  scrollRef: RefObject<HTMLDivElement | null>;
}) {
  const virtual = rows.length > VIRTUAL_FROM;
  const v = useVirtualizer({
    count: virtual ? rows.length : 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_ESTIMATE,
    overscan: 10,
    getItemKey: (i) => rows[i]!.agent_id,
  });
  if (!virtual) {
    return (
      <>
        {rows.map((a, i) => (
          <FleetRow key={a.agent_id} a={a} index={i} l={live.get(a.agent_id)} reg={names.get(a.agent_id)} />
        ))}
      </>
    );
  }
  const items = v.getVirtualItems();
  const top = items[0]?.start ?? 0;
  const bottom = v.getTotalSize() - (items[items.length - 1]?.end ?? 0);
  return (
    <>
      {top > 0 && <tr aria-hidden="true" style={{ height: top }} />}
      {items.map((it) => {
        const a = rows[it.index]!;
        return (
          <FleetRow
            key={a.agent_id}
            a={a}
            index={it.index}
            l={live.get(a.agent_id)}
            reg={names.get(a.agent_id)}
            measure={v.measureElement}
          />
        );
      })}
      {bottom > 0 && <tr aria-hidden="true" style={{ height: bottom }} />}
    </>
  );
}

const FleetRow = memo(function FleetRow({
  a,
  index,
  l,
  reg,
  measure,
}: {
  a: FleetAgent;
  index: number;
  l: AgentStatus | undefined;
  reg: AgentRegistration | undefined;
  measure?: (el: HTMLTableRowElement | null) => void;
}) {
  const ds = l?.status ?? a.drift_status;
  return (
    <tr ref={measure} data-index={index} className="bg-white dark:bg-slate-950/40">
      <TD>
        <Link
          to={`/agents/${encodeURIComponent(a.agent_id)}`}
          className="font-medium whitespace-nowrap hover:text-amber-600 hover:underline"
        >
          {reg?.display_name || a.agent_id}
        </Link>
        {reg?.display_name && <div className="font-mono text-xs text-slate-500">{a.agent_id}</div>}
      </TD>
      <TD>
        <EnvBadge env={a.environment} />
      </TD>
      <TD className="font-mono text-xs whitespace-nowrap">{l?.bundle_name ?? reg?.resolved_bundle ?? reg?.bundle_name ?? '—'}</TD>
      <TD>
        <span className="flex flex-wrap gap-1">
          <Badge tone={l ? 'emerald' : 'zinc'} dot>
            {l ? 'connected' : 'offline'}
          </Badge>
          {ds !== 'unknown' && <Badge tone={ds === 'current' ? 'emerald' : 'amber'}>{ds}</Badge>}
        </span>
      </TD>
      <TD className="w-40">
        {a.total_tools === 0 ? (
          <span className="text-xs text-slate-500">No tool calls yet</span>
        ) : (
          <div className="flex items-center gap-2">
            <CoverageBar enforced={a.enforced} observed={a.observed} ungoverned={a.ungoverned} className="w-20" />
            <span className="text-xs tabular-nums">{a.coverage_pct}%</span>
          </div>
        )}
        {a.ungoverned > 0 && <div className="text-xs text-red-600 dark:text-red-400">{a.ungoverned} ungoverned</div>}
      </TD>
      <TD className="text-xs tabular-nums">
        <Link to={`/events?agent=${encodeURIComponent(a.agent_id)}`} className="hover:underline">
          {formatNumber(a.event_count_24h)}
        </Link>
      </TD>
      <TD className="text-xs whitespace-nowrap text-slate-500">{formatRelative(a.last_seen)}</TD>
    </tr>
  );
});

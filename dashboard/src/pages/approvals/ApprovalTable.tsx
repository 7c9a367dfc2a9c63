import { Fragment, useEffect, useRef } from 'react';
import type { Approval } from '../../api/types';
import { ApprovalTimer, useApprovalClock } from '../../components/approvals/ApprovalTimer';
import { DecisionControls } from '../../components/approvals/DecisionControls';
import { CodeBlock } from '../../components/CodeBlock';
import { EnvBadge } from '../../components/EnvBadge';
import { IconChevronDown, IconChevronRight } from '../../components/ui/icons';
import { cn } from '../../lib/cn';
import { argsPreview, formatDuration } from '../../lib/format';
import { DeliveryStatus } from './DeliveryStatus';

export function ApprovalTable({ items, focusedId, highlightId, selected, onSelect, onSelectAll, onFocus, expanded, onExpand, denyOpenId, onDenyOpen }: {
  items: Approval[];
  focusedId: string | null;
  highlightId: string | null;
  selected: Set<string>;
  onSelect: (id: string, v: boolean) => void;
  onSelectAll: (v: boolean) => void;
  onFocus: (id: string) => void;
  expanded: Set<string>;
  onExpand: (id: string) => void;
  denyOpenId: string | null;
  onDenyOpen: (id: string | null) => void;
}) {
  const allRef = useRef<HTMLInputElement>(null);
  const some = items.some((a) => selected.has(a.id));
  const all = items.length > 0 && items.every((a) => selected.has(a.id));
  useEffect(() => {
    if (allRef.current) allRef.current.indeterminate = some && !all;
  }, [some, all]);

  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
      <table className="w-full min-w-[900px] border-collapse text-left text-sm">
        <caption className="sr-only">Pending approvals, most urgent first</caption>
        <thead className="bg-slate-100 text-xs tracking-wide text-slate-500 uppercase dark:bg-slate-900 dark:text-slate-400">
          <tr>
            <th scope="col" className="w-10 px-3 py-2">
              <input ref={allRef} type="checkbox" checked={all} onChange={(e) => onSelectAll(e.target.checked)} aria-label="Select all pending approvals" className="accent-amber-500" />
            </th>
            <th scope="col" className="w-8 px-1 py-2">
              <span className="sr-only">Details</span>
            </th>
            <th scope="col" className="px-3 py-2">Agent / tool</th>
            <th scope="col" className="px-3 py-2">Arguments</th>
            <th scope="col" className="px-3 py-2">Contract</th>
            <th scope="col" className="px-3 py-2">Env</th>
            <th scope="col" className="px-3 py-2">Time left</th>
            <th scope="col" className="px-3 py-2">
              <span className="sr-only">Decision</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
          {items.map((a) => (
            <Fragment key={a.id}>
              <Row
                a={a}
                focused={a.id === focusedId}
                highlighted={a.id === highlightId}
                checked={selected.has(a.id)}
                onCheck={(v) => onSelect(a.id, v)}
                onFocus={() => onFocus(a.id)}
                open={expanded.has(a.id)}
                onToggle={() => onExpand(a.id)}
                denyOpen={denyOpenId === a.id}
                onDenyOpenChange={(v) => onDenyOpen(v ? a.id : null)}
              />
              {expanded.has(a.id) && (
                <tr className="bg-slate-50 dark:bg-slate-900/40">
                  <td colSpan={8} className="px-4 py-3">
                    <div className="grid gap-4 lg:grid-cols-2">
                      <div className="flex flex-col gap-2">
                        {a.message && <p>{a.message}</p>}
                        <CodeBlock label={`Arguments of ${a.tool_name}`} className="max-h-64">{JSON.stringify(a.tool_args ?? {}, null, 2)}</CodeBlock>
                      </div>
                      <div className="flex flex-col gap-3">
                        <dl className="grid grid-cols-[8rem_1fr] gap-y-1 text-xs">
                          <dt className="text-slate-500">Agent</dt>
                          <dd>{a.agent_id}</dd>
                          <dt className="text-slate-500">Environment</dt>
                          <dd>{a.env}</dd>
                          <dt className="text-slate-500">Timeout</dt>
                          <dd>{formatDuration(a.timeout_seconds)}</dd>
                          <dt className="text-slate-500">On timeout</dt>
                          <dd className={a.timeout_effect === 'allow' ? 'font-medium text-amber-600 dark:text-amber-400' : ''}>{a.timeout_effect === 'allow' ? 'allow (dangerous)' : a.timeout_effect}</dd>
                          <dt className="text-slate-500">Contract</dt>
                          <dd className="font-mono">{a.contract_name ?? '—'}</dd>
                          <dt className="text-slate-500">Decision source</dt>
                          <dd className="font-mono">{a.decision_source ?? '—'}</dd>
                          <dt className="text-slate-500">Session</dt>
                          <dd className="font-mono">{a.session_id ?? '—'}</dd>
                        </dl>
                        <DeliveryStatus approvalId={a.id} />
                      </div>
                    </div>
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Row({ a, focused, highlighted, checked, onCheck, onFocus, open, onToggle, denyOpen, onDenyOpenChange }: {
  a: Approval;
  focused: boolean;
  highlighted: boolean;
  checked: boolean;
  onCheck: (v: boolean) => void;
  onFocus: () => void;
  open: boolean;
  onToggle: () => void;
  denyOpen: boolean;
  onDenyOpenChange: (v: boolean) => void;
}) {
  const { zone } = useApprovalClock(a);
  return (
    <tr
      tabIndex={-1}
      data-approval-id={a.id}
      onFocus={onFocus}
      onClick={onFocus}
      aria-label={`${a.tool_name} from ${a.agent_id}`}
      className={cn(
        'bg-white dark:bg-slate-950/40',
        zone === 'red' && 'bg-red-50 dark:bg-red-950/20',
        zone === 'expired' && 'opacity-60',
        focused && 'outline-2 -outline-offset-2 outline-amber-500',
        highlighted && 'bg-amber-500/10',
      )}
    >
      <td className="px-3 py-2">
        <input type="checkbox" checked={checked} onChange={(e) => onCheck(e.target.checked)} aria-label={`Select ${a.tool_name} from ${a.agent_id}`} className="accent-amber-500" />
      </td>
      <td className="px-1 py-2">
        <button type="button" onClick={onToggle} aria-expanded={open} aria-label={open ? 'Hide details' : 'Show details'} className="rounded p-1 text-slate-500 hover:bg-slate-200 dark:hover:bg-slate-800">
          {open ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
        </button>
      </td>
      <td className="px-3 py-2">
        <div className="font-mono text-sm font-semibold">{a.tool_name}</div>
        <div className="text-xs text-slate-500">{a.agent_id}</div>
      </td>
      <td className="max-w-[16rem] truncate px-3 py-2 font-mono text-xs text-slate-500">{argsPreview(a.tool_args, 70)}</td>
      <td className="px-3 py-2 font-mono text-xs">{a.contract_name ?? '—'}</td>
      <td className="px-3 py-2">
        <EnvBadge env={a.env} />
      </td>
      <td className="px-3 py-2">
        <ApprovalTimer approval={a} />
      </td>
      <td className="px-3 py-2">
        <div className="flex min-w-[14rem] justify-end">
          <DecisionControls approval={a} size="xs" denyOpen={denyOpen} onDenyOpenChange={onDenyOpenChange} />
        </div>
      </td>
    </tr>
  );
}

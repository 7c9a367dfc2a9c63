import { forwardRef } from 'react';
import type { Approval } from '../../api/types';
import { ApprovalTimer, useApprovalClock } from '../../components/approvals/ApprovalTimer';
import { DecisionControls } from '../../components/approvals/DecisionControls';
import { CodeBlock } from '../../components/CodeBlock';
import { EnvBadge } from '../../components/EnvBadge';
import { Badge } from '../../components/ui/Badge';
import { IconAlert } from '../../components/ui/icons';
import { cn } from '../../lib/cn';
import { formatDuration, formatRelative } from '../../lib/format';
import { DeliveryStatus } from './DeliveryStatus';

export interface ItemProps {
  approval: Approval;
  focused: boolean;
  highlighted: boolean;
  checked: boolean;
  onCheck: (v: boolean) => void;
  onFocus: () => void;
  denyOpen: boolean;
  onDenyOpenChange: (v: boolean) => void;
}

export const ApprovalCard = forwardRef<HTMLElement, ItemProps>(function ApprovalCard(
  { approval: a, focused, highlighted, checked, onCheck, onFocus, denyOpen, onDenyOpenChange },
  ref,
) {
  const { zone } = useApprovalClock(a);
  const titleId = `approval-${a.id}-title`;
  return (
    <article
      ref={ref}
      tabIndex={-1}
      aria-labelledby={titleId}
      data-approval-id={a.id}
      onFocus={onFocus}
      onClick={onFocus}
      className={cn(
        'flex min-w-0 flex-col gap-3 rounded-xl border bg-white p-4 transition-colors dark:bg-slate-900/60',
        zone === 'red' ? 'border-red-500/60 bg-red-50 dark:bg-red-950/20' : 'border-slate-200 dark:border-slate-800',
        zone === 'expired' && 'opacity-60',
        focused && 'ring-2 ring-amber-500',
        highlighted && 'shadow-[0_0_0_4px_rgb(245_158_11/0.35)]',
      )}
    >
      <div className="flex items-start gap-3">
        <input
          type="checkbox"
          checked={checked}
          onChange={(e) => onCheck(e.target.checked)}
          aria-label={`Select ${a.tool_name} from ${a.agent_id}`}
          className="mt-1 accent-amber-500"
        />
        <div className="min-w-0 flex-1">
          <h3 id={titleId} className="flex flex-wrap items-center gap-2">
            <span className="font-mono text-base font-semibold">{a.tool_name}</span>
            <span className="sr-only"> requested by </span>
            <EnvBadge env={a.env} />
          </h3>
          <p className="mt-0.5 text-sm text-slate-600 dark:text-slate-400">
            <span className="font-medium text-slate-800 dark:text-slate-200">{a.agent_id}</span>
            {a.contract_name && (
              <>
                {' '}
                · Required by contract <code className="font-mono text-xs">{a.contract_name}</code>
              </>
            )}
            <span className="text-slate-400"> · {formatRelative(a.created_at)}</span>
          </p>
        </div>
        <ApprovalTimer approval={a} className="w-24 shrink-0 text-right sm:w-28" />
      </div>

      {a.message && <p className="text-sm">{a.message}</p>}

      {a.tool_args && Object.keys(a.tool_args).length > 0 && <CodeBlock label={`Arguments of ${a.tool_name}`} className="max-h-60">{JSON.stringify(a.tool_args, null, 2)}</CodeBlock>}

      <p className={cn('flex items-center gap-1.5 text-xs', a.timeout_effect === 'allow' ? 'font-medium text-amber-700 dark:text-amber-400' : 'text-slate-500 dark:text-slate-400')}>
        {a.timeout_effect === 'allow' && <IconAlert size={14} />}
        If nobody answers within {formatDuration(a.timeout_seconds)}, the call is{' '}
        {a.timeout_effect === 'allow' ? <Badge tone="amber">allowed (dangerous)</Badge> : <Badge tone="zinc">denied</Badge>}
      </p>

      <DeliveryStatus approvalId={a.id} />

      <div className="flex flex-wrap items-center gap-2 border-t border-slate-200 pt-3 dark:border-slate-800">
        <DecisionControls approval={a} denyOpen={denyOpen} onDenyOpenChange={onDenyOpenChange} />
      </div>
    </article>
  );
});

import type { Approval } from '../../api/types';
import { secondsLeft } from '../../api/approvals';
import { cn } from '../../lib/cn';
import { formatClock } from '../../lib/format';
import { useNow } from '../../lib/use-now';

export type TimerZone = 'green' | 'amber' | 'red' | 'expired';

/** Zones by share of the timeout left: green above 60 %, amber 20–60 %, red below 20 %. */
export function timerZone(left: number, total: number): TimerZone {
  if (left <= 0) return 'expired';
  const f = left / Math.max(1, total);
  return f > 0.6 ? 'green' : f >= 0.2 ? 'amber' : 'red';
}

const zoneText: Record<TimerZone, string> = {
  green: 'text-emerald-600 dark:text-emerald-400',
  amber: 'text-amber-600 dark:text-amber-400',
  red: 'text-red-600 dark:text-red-400',
  expired: 'text-zinc-500',
};
const zoneBar: Record<TimerZone, string> = {
  green: 'bg-emerald-500',
  amber: 'bg-amber-500',
  red: 'bg-red-500 animate-pulse',
  expired: 'bg-zinc-500',
};

export function useApprovalClock(a: Approval) {
  const now = useNow();
  const left = secondsLeft(a, now);
  return { left, zone: timerZone(left, a.timeout_seconds), fraction: Math.max(0, Math.min(1, left / Math.max(1, a.timeout_seconds))) };
}

/** Countdown text plus a progress bar; the text is what screen readers get. */
export function ApprovalTimer({ approval, bar = true, className }: { approval: Approval; bar?: boolean; className?: string }) {
  const { left, zone, fraction } = useApprovalClock(approval);
  return (
    <div className={cn('flex min-w-24 flex-col gap-1', className)}>
      <span className={cn('font-mono text-xs font-semibold tabular-nums', zoneText[zone])} title={`Times out after ${approval.timeout_seconds}s`}>
        {zone === 'expired' ? 'Expired' : `${formatClock(left)} left`}
      </span>
      {bar && (
        <div className="h-1 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800" aria-hidden="true">
          <div className={cn('h-full rounded-full transition-[width] duration-1000 ease-linear', zoneBar[zone])} style={{ width: `${fraction * 100}%` }} />
        </div>
      )}
    </div>
  );
}

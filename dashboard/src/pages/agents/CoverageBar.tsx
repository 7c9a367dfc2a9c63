import { cn } from '../../lib/cn';

/** enforced (emerald) / observed (blue) / ungoverned (red) share of an agent's tools. */
export function CoverageBar({ enforced, observed, ungoverned, className }: { enforced: number; observed: number; ungoverned: number; className?: string }) {
  const total = Math.max(1, enforced + observed + ungoverned);
  return (
    <div
      role="img"
      aria-label={`${enforced} enforced, ${observed} observed, ${ungoverned} ungoverned`}
      className={cn('flex h-1.5 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800', className)}
    >
      <span className="bg-emerald-500" style={{ width: `${(enforced / total) * 100}%` }} />
      <span className="bg-blue-500" style={{ width: `${(observed / total) * 100}%` }} />
      <span className="bg-red-500" style={{ width: `${(ungoverned / total) * 100}%` }} />
    </div>
  );
}

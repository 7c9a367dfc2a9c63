import type { ReactNode } from 'react';
import { errorMessage } from '../../api/client';
import { cn } from '../../lib/cn';
import { Button } from './Button';
import { IconAlert, IconRefresh } from './icons';

export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={cn('animate-shimmer rounded-md bg-slate-200 dark:bg-slate-800', className)} />;
}

/** A labelled loading region: screen readers hear "Loading …", sighted users see the skeleton. */
export function LoadingBlock({ label = 'Loading', children, className }: { label?: string; children: ReactNode; className?: string }) {
  return (
    <div role="status" aria-busy="true" aria-label={label} className={className}>
      <span className="sr-only">{label}…</span>
      {children}
    </div>
  );
}

export function SkeletonRows({ rows = 5, className }: { rows?: number; className?: string }) {
  return (
    <LoadingBlock className={cn('flex flex-col gap-2', className)}>
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} className="h-10 w-full" />
      ))}
    </LoadingBlock>
  );
}

export function ErrorState({ error, onRetry, title = 'Could not load this', className }: { error: unknown; onRetry?: () => void; title?: string; className?: string }) {
  return (
    <div
      role="alert"
      className={cn(
        'flex flex-col items-start gap-3 rounded-lg border border-red-300 bg-red-50 p-4 text-sm sm:flex-row sm:items-center',
        'dark:border-red-900/60 dark:bg-red-950/30',
        className,
      )}
    >
      <IconAlert className="shrink-0 text-red-500" size={20} />
      <div className="min-w-0 flex-1">
        <p className="font-medium text-red-800 dark:text-red-300">{title}</p>
        <p className="mt-0.5 text-red-700 dark:text-red-400">{errorMessage(error)}</p>
      </div>
      {onRetry && (
        <Button size="sm" variant="outline" onClick={onRetry}>
          <IconRefresh size={14} /> Retry
        </Button>
      )}
    </div>
  );
}

export function EmptyState({ icon, title, children, action, className }: { icon?: ReactNode; title: string; children?: ReactNode; action?: ReactNode; className?: string }) {
  return (
    <div
      className={cn(
        'flex flex-col items-center justify-center gap-3 rounded-lg border border-dashed border-slate-300 px-6 py-12 text-center',
        'dark:border-slate-700',
        className,
      )}
    >
      {icon && <div className="rounded-full bg-amber-500/10 p-3 text-amber-500">{icon}</div>}
      <h3 className="text-base font-semibold">{title}</h3>
      {children && <div className="max-w-md text-sm text-slate-600 dark:text-slate-400">{children}</div>}
      {action}
    </div>
  );
}

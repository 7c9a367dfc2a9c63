import type { ReactNode } from 'react';
import { cn } from '../../lib/cn';

export type Tone = 'emerald' | 'red' | 'amber' | 'zinc' | 'blue' | 'slate' | 'violet';

const tones: Record<Tone, string> = {
  emerald: 'bg-emerald-500/15 text-emerald-700 ring-emerald-500/30 dark:text-emerald-300',
  red: 'bg-red-500/15 text-red-700 ring-red-500/30 dark:text-red-300',
  amber: 'bg-amber-500/15 text-amber-800 ring-amber-500/30 dark:text-amber-300',
  zinc: 'bg-zinc-500/15 text-zinc-700 ring-zinc-500/30 dark:text-zinc-300',
  blue: 'bg-blue-500/15 text-blue-700 ring-blue-500/30 dark:text-blue-300',
  slate: 'bg-slate-500/10 text-slate-700 ring-slate-500/25 dark:text-slate-300',
  violet: 'bg-violet-500/15 text-violet-700 ring-violet-500/30 dark:text-violet-300',
};

export function Badge({ tone = 'slate', children, className, title, dot }: { tone?: Tone; children: ReactNode; className?: string; title?: string; dot?: boolean }) {
  return (
    <span
      title={title}
      className={cn(
        'inline-flex max-w-full items-center gap-1 truncate rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset',
        tones[tone],
        className,
      )}
    >
      {dot && <span aria-hidden="true" className="size-1.5 shrink-0 rounded-full bg-current" />}
      {/* The text in its own box: an ellipsis needs a block, not the flex container itself. */}
      <span className="min-w-0 truncate">{children}</span>
    </span>
  );
}

import { cn } from '../lib/cn';

export function CodeBlock({ children, className, label }: { children: string; className?: string; label?: string }) {
  return (
    <pre
      aria-label={label}
      tabIndex={0}
      className={cn(
        'overflow-x-auto rounded-lg border border-slate-200 bg-slate-50 p-3 font-mono text-xs leading-relaxed text-slate-800',
        'dark:border-slate-800 dark:bg-slate-950 dark:text-slate-200',
        className,
      )}
    >
      <code>{children}</code>
    </pre>
  );
}

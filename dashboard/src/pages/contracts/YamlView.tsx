import { memo, type ReactNode } from 'react';
import { cn } from '../../lib/cn';

/** Colours one YAML line: comments, keys, strings, numbers/booleans, list dashes. */
function highlight(line: string): ReactNode[] {
  const out: ReactNode[] = [];
  let rest = line;
  let key = 0;
  const push = (text: string, cls?: string) => {
    if (!text) return;
    out.push(cls ? <span key={key++} className={cls}>{text}</span> : text);
  };
  // Comment (a # at the start or after whitespace, not inside quotes; good enough for display).
  let comment = '';
  const hash = rest.search(/(^|\s)#/);
  if (hash >= 0 && !/["'][^"']*#/.test(rest.slice(0, hash + 1))) {
    comment = rest.slice(hash);
    rest = rest.slice(0, hash);
  }
  const m = /^(\s*)(-\s+)?((?:"[^"]*"|'[^']*'|[^\s:#][^:#]*?))(\s*:)(?=\s|$)(.*)$/.exec(rest);
  if (m) {
    push(m[1]!);
    push(m[2] ?? '', 'text-slate-400');
    push(m[3]!, 'text-sky-700 dark:text-sky-300');
    push(m[4]!, 'text-slate-400');
    out.push(...value(m[5]!, () => key++));
  } else {
    const d = /^(\s*)(-\s+)?(.*)$/.exec(rest)!;
    push(d[1]!);
    push(d[2] ?? '', 'text-slate-400');
    out.push(...value(d[3]!, () => key++));
  }
  push(comment, 'text-slate-400 italic');
  return out;
}

function value(v: string, k: () => number): ReactNode[] {
  const t = v.trim();
  if (!t) return [v];
  const lead = v.slice(0, v.indexOf(t));
  const trail = v.slice(v.indexOf(t) + t.length);
  let cls = 'text-emerald-700 dark:text-emerald-300';
  if (/^(true|false|null|~|yes|no)$/i.test(t) || /^-?\d+(\.\d+)?$/.test(t)) cls = 'text-amber-700 dark:text-amber-300';
  else if (/^[[{]/.test(t)) cls = 'text-slate-700 dark:text-slate-300';
  else if (/^[|>]/.test(t)) cls = 'text-slate-400';
  return [lead, <span key={k()} className={cls}>{t}</span>, trail];
}

export interface LineNote {
  line: number;
  message: string;
}

/** Read-only YAML with line numbers; `notes` put messages under their lines (422 paths). */
export const YamlView = memo(function YamlView({ yaml, notes = [], className, label = 'YAML' }: { yaml: string; notes?: LineNote[]; className?: string; label?: string }) {
  const lines = yaml.replace(/\n$/, '').split('\n');
  const byLine = new Map<number, string[]>();
  for (const n of notes) byLine.set(n.line, [...(byLine.get(n.line) ?? []), n.message]);
  const width = String(lines.length).length;
  return (
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      className={cn('overflow-auto rounded-lg border border-slate-200 bg-slate-50 py-2 font-mono text-xs leading-5 dark:border-slate-800 dark:bg-slate-950', className)}
    >
      <pre className="min-w-max">
        {lines.map((l, i) => {
          const msgs = byLine.get(i + 1);
          return (
            <div key={i}>
              <div className={cn('flex', msgs && 'bg-red-500/10')}>
                <span aria-hidden="true" className={cn('sticky left-0 shrink-0 bg-inherit pr-3 pl-3 text-right text-slate-400 select-none', msgs && 'text-red-500')} style={{ width: `${width + 3}ch` }}>
                  {i + 1}
                </span>
                <code className="pr-4">{highlight(l)}</code>
              </div>
              {msgs?.map((m) => (
                <div key={m} role="note" className="flex bg-red-500/10 text-red-700 dark:text-red-300">
                  <span className="shrink-0" style={{ width: `${width + 3}ch` }} />
                  <span className="pr-4">↑ line {i + 1}: {m}</span>
                </div>
              ))}
            </div>
          );
        })}
      </pre>
    </div>
  );
});

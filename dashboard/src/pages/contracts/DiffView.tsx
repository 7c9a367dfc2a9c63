import { useMemo, useState } from 'react';
import { Button } from '../../components/ui/Button';
import { cn } from '../../lib/cn';
import { diffLines, diffStats, type DiffOp } from '../../lib/diff';

const CONTEXT = 3;

type Chunk = { kind: 'ops'; ops: DiffOp[] } | { kind: 'gap'; ops: DiffOp[] };

function chunk(ops: DiffOp[]): Chunk[] {
  const keep = new Array<boolean>(ops.length).fill(false);
  ops.forEach((o, i) => {
    if (o.type === 'same') return;
    for (let j = Math.max(0, i - CONTEXT); j <= Math.min(ops.length - 1, i + CONTEXT); j++) keep[j] = true;
  });
  const out: Chunk[] = [];
  ops.forEach((o, i) => {
    const kind = keep[i] ? 'ops' : 'gap';
    const last = out[out.length - 1];
    if (last && last.kind === kind) last.ops.push(o);
    else out.push({ kind, ops: [o] });
  });
  return out;
}

/** Unified diff of two YAML texts with 3 lines of context; unchanged runs fold. */
export function DiffView({ before, after, labelBefore, labelAfter }: { before: string; after: string; labelBefore: string; labelAfter: string }) {
  const ops = useMemo(() => diffLines(before.replace(/\n$/, ''), after.replace(/\n$/, '')), [before, after]);
  const stats = diffStats(ops);
  const chunks = useMemo(() => chunk(ops), [ops]);
  const [open, setOpen] = useState<Set<number>>(new Set());
  if (stats.added === 0 && stats.removed === 0) return <p className="rounded-lg border border-slate-200 p-4 text-sm text-slate-500 dark:border-slate-800">The two versions are identical.</p>;
  return (
    <div className="overflow-hidden rounded-lg border border-slate-200 dark:border-slate-800">
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 bg-slate-100 px-3 py-2 text-xs dark:border-slate-800 dark:bg-slate-900">
        <span>
          <span className="text-red-600 dark:text-red-400">− {labelBefore}</span> → <span className="text-emerald-600 dark:text-emerald-400">+ {labelAfter}</span>
        </span>
        <span className="tabular-nums">
          <span className="text-emerald-600 dark:text-emerald-400">+{stats.added}</span> <span className="text-red-600 dark:text-red-400">−{stats.removed}</span>
        </span>
      </div>
      <div className="overflow-x-auto" role="region" aria-label={`Changes from ${labelBefore} to ${labelAfter}`} tabIndex={0}>
        <pre className="min-w-max py-1 font-mono text-xs leading-5">
          {chunks.map((c, ci) =>
            c.kind === 'gap' && !open.has(ci) ? (
              <div key={ci} className="bg-slate-100 px-3 text-slate-500 dark:bg-slate-900/70">
                <Button size="xs" variant="ghost" onClick={() => setOpen(new Set(open).add(ci))}>
                  Show {c.ops.length} unchanged lines
                </Button>
              </div>
            ) : (
              c.ops.map((o, i) => (
                <div
                  key={`${ci}-${i}`}
                  className={cn('flex', o.type === 'add' && 'bg-emerald-500/10 text-emerald-800 dark:text-emerald-200', o.type === 'del' && 'bg-red-500/10 text-red-800 dark:text-red-200')}
                >
                  <span className="w-10 shrink-0 pr-2 text-right text-slate-400 select-none">{o.a ?? ''}</span>
                  <span className="w-10 shrink-0 pr-2 text-right text-slate-400 select-none">{o.b ?? ''}</span>
                  <span className="w-4 shrink-0 select-none" aria-hidden="true">
                    {o.type === 'add' ? '+' : o.type === 'del' ? '−' : ' '}
                  </span>
                  <span className="sr-only">{o.type === 'add' ? 'added: ' : o.type === 'del' ? 'removed: ' : ''}</span>
                  <code className="pr-4">{o.text}</code>
                </div>
              ))
            ),
          )}
        </pre>
      </div>
    </div>
  );
}

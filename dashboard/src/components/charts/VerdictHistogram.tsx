import { useEffect, useRef, useState, type PointerEvent } from 'react';
import type { HistogramBucket } from '../../api/types';
import { cn } from '../../lib/cn';
import { formatNumber } from '../../lib/format';
import { HIST_COLORS } from '../../lib/verdict';

const SERIES = ['allowed', 'observed', 'pending', 'denied'] as const;
type Series = (typeof SERIES)[number];

export interface VerdictHistogramProps {
  buckets: HistogramBucket[];
  since: number;
  until: number;
  bucketSeconds: number;
  height?: number;
  /** drag across the chart to zoom; called with the selected range (ms) */
  onZoom?: (from: number, to: number) => void;
  className?: string;
  label?: string;
}

function useWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [w, setW] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([e]) => setW(Math.floor(e!.contentRect.width)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, w] as const;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** Stacked verdict bars over time (SVG sized to its box, so text never stretches). */
export function VerdictHistogram({ buckets, since, until, bucketSeconds, height = 120, onZoom, className, label = 'Verdicts over time' }: VerdictHistogramProps) {
  const [boxRef, width] = useWidth<HTMLDivElement>();
  const [hover, setHover] = useState<HistogramBucket | null>(null);
  const [drag, setDrag] = useState<{ x0: number; x1: number } | null>(null);
  const padB = 18;
  const plotH = height - padB;
  const span = Math.max(1, until - since);
  const bucketMs = bucketSeconds * 1000;
  const x = (t: number) => ((t - since) / span) * width;
  const barW = Math.max(1, (bucketMs / span) * width - 1);
  const total = (b: HistogramBucket) => b.allowed + b.denied + b.pending + b.observed;
  const max = Math.max(1, ...buckets.map(total));
  const totals = buckets.reduce(
    (acc, b) => ({ allowed: acc.allowed + b.allowed, denied: acc.denied + b.denied, pending: acc.pending + b.pending, observed: acc.observed + b.observed }),
    { allowed: 0, denied: 0, pending: 0, observed: 0 },
  );
  const summary = `${label}: ${formatNumber(totals.allowed)} allowed, ${formatNumber(totals.denied)} denied, ${formatNumber(totals.observed)} observed, ${formatNumber(totals.pending)} pending.`;

  const ticks = (() => {
    if (width < 10) return [];
    const n = Math.max(2, Math.floor(width / 110));
    const multiDay = span > 36 * 3600_000;
    return Array.from({ length: n }, (_, i) => {
      const t = since + (span * (i + 0.5)) / n;
      return { t, text: multiDay ? `${dayFmt.format(t)} ${span > 5 * 86400_000 ? '' : timeFmt.format(t)}`.trim() : timeFmt.format(t) };
    });
  })();

  const px = (e: PointerEvent) => {
    const r = e.currentTarget.getBoundingClientRect();
    return Math.max(0, Math.min(width, e.clientX - r.left));
  };
  const bucketAt = (xp: number) => {
    const t = since + (xp / Math.max(1, width)) * span;
    const start = Math.floor(t / bucketMs) * bucketMs;
    return buckets.find((b) => Date.parse(b.bucket_start) === start) ?? null;
  };

  return (
    <div className={cn('relative select-none', className)}>
      <div ref={boxRef} style={{ height }} className="w-full">
        {width > 0 && (
          <svg
            width={width}
            height={height}
            role="img"
            aria-label={summary}
            className={cn(onZoom && 'cursor-crosshair')}
            onPointerDown={(e) => {
              if (!onZoom) return;
              e.currentTarget.setPointerCapture(e.pointerId);
              const p = px(e);
              setDrag({ x0: p, x1: p });
            }}
            onPointerMove={(e) => {
              const p = px(e);
              if (drag) setDrag({ ...drag, x1: p });
              setHover(bucketAt(p));
            }}
            onPointerLeave={() => setHover(null)}
            onPointerUp={() => {
              if (!drag || !onZoom) return;
              const a = Math.min(drag.x0, drag.x1);
              const b = Math.max(drag.x0, drag.x1);
              setDrag(null);
              if (b - a < 6) return;
              onZoom(since + (a / width) * span, since + (b / width) * span);
            }}
          >
            <line x1={0} x2={width} y1={plotH + 0.5} y2={plotH + 0.5} className="stroke-slate-300 dark:stroke-slate-700" />
            {buckets.map((b) => {
              const t = Date.parse(b.bucket_start);
              let y = plotH;
              return (
                <g key={b.bucket_start} opacity={hover && hover !== b ? 0.55 : 1}>
                  {SERIES.map((s: Series) => {
                    const v = b[s];
                    if (!v) return null;
                    const h = Math.max(1, (v / max) * (plotH - 4));
                    y -= h;
                    return <rect key={s} x={x(t)} y={y} width={barW} height={h} fill={HIST_COLORS[s]} rx={barW > 4 ? 1 : 0} />;
                  })}
                </g>
              );
            })}
            {ticks.map((tk) => (
              <text key={tk.t} x={x(tk.t)} y={height - 4} textAnchor="middle" className="fill-slate-500 text-[10px]">
                {tk.text}
              </text>
            ))}
            {drag && Math.abs(drag.x1 - drag.x0) > 1 && (
              <rect x={Math.min(drag.x0, drag.x1)} y={0} width={Math.abs(drag.x1 - drag.x0)} height={plotH} className="fill-amber-500/20 stroke-amber-500" />
            )}
          </svg>
        )}
      </div>
      {hover && !drag && (
        <div className="pointer-events-none absolute top-0 right-0 rounded-md border border-slate-200 bg-white/95 px-2 py-1 text-[11px] shadow dark:border-slate-700 dark:bg-slate-900/95">
          <div className="font-medium">{fullFmt.format(Date.parse(hover.bucket_start))}</div>
          <div className="flex gap-2 tabular-nums">
            <span className="text-emerald-600 dark:text-emerald-400">{hover.allowed} allowed</span>
            <span className="text-red-600 dark:text-red-400">{hover.denied} denied</span>
            {hover.observed > 0 && <span className="text-blue-600 dark:text-blue-400">{hover.observed} observed</span>}
            {hover.pending > 0 && <span className="text-amber-600 dark:text-amber-400">{hover.pending} pending</span>}
          </div>
        </div>
      )}
    </div>
  );
}

export function HistogramLegend({ className }: { className?: string }) {
  return (
    <div className={cn('flex flex-wrap gap-3 text-xs text-slate-500 dark:text-slate-400', className)} aria-hidden="true">
      {(['allowed', 'denied', 'observed', 'pending'] as const).map((s) => (
        <span key={s} className="flex items-center gap-1.5">
          <span className="size-2 rounded-sm" style={{ background: HIST_COLORS[s] }} />
          {s}
        </span>
      ))}
    </div>
  );
}

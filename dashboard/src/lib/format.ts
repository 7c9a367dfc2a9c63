const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const numberFmt = new Intl.NumberFormat();

export function parseDate(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDateTime(iso: string | null | undefined): string {
  const d = parseDate(iso);
  return d ? dateTime.format(d) : '—';
}

export function formatTime(iso: string | null | undefined): string {
  const d = parseDate(iso);
  return d ? timeOnly.format(d) : '—';
}

export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  const d = parseDate(iso);
  if (!d) return '—';
  const s = Math.round((d.getTime() - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return s <= 0 ? 'just now' : 'in a few s';
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 86400 * 30) return rtf.format(Math.round(s / 86400), 'day');
  return dateTime.format(d);
}

/** 75 → "1m 15s", 3700 → "1h 1m" */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60 ? `${s % 60}s` : ''}`.trim();
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60) ? `${Math.floor((s % 3600) / 60)}m` : ''}`.trim();
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600) ? `${Math.floor((s % 86400) / 3600)}h` : ''}`.trim();
}

/** "4:05" style countdown for timers */
export function formatClock(totalSeconds: number): string {
  const s = Math.max(0, Math.ceil(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return `${h ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}

export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : numberFmt.format(n);
}

export function formatPercent(part: number, total: number): string {
  if (!total) return '0%';
  const p = (part / total) * 100;
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p)}%`;
}

/** The most telling argument of a tool call, for one-line previews. */
export function argsPreview(args: Record<string, unknown> | null | undefined, max = 80): string {
  if (!args || typeof args !== 'object') return '';
  const preferred = ['command', 'cmd', 'path', 'file_path', 'url', 'query', 'sql', 'amount', 'to', 'name'];
  const keys = Object.keys(args);
  const key = preferred.find((k) => k in args) ?? keys[0];
  if (!key) return '';
  const v = args[key];
  const text = `${keys.length > 1 ? `${key}: ` : ''}${typeof v === 'string' ? v : JSON.stringify(v)}`;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

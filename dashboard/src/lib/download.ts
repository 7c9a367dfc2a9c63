import type { AuditEvent } from '../api/types';

export function downloadText(text: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  // Quote everything that needs it; neutralise spreadsheet formulas (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function eventsToCsv(rows: AuditEvent[]): string {
  const header = ['timestamp', 'id', 'call_id', 'agent_id', 'tool_name', 'verdict', 'mode', 'env', 'contract', 'reason', 'tool_args', 'created_at'];
  const lines = [header.join(',')];
  for (const e of rows) {
    lines.push(
      [
        e.timestamp,
        e.id,
        e.call_id,
        e.agent_id,
        e.tool_name,
        e.verdict,
        e.mode,
        e.env ?? e.payload?.environment ?? '',
        e.payload?.decision_name ?? '',
        e.payload?.reason ?? '',
        e.payload?.tool_args ?? '',
        e.created_at,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

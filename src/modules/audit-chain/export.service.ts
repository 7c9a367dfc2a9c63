import { Readable } from 'node:stream';
import type { Database } from '../../db/client.js';
import type { Principal } from '../../platform/auth.js';
import { eventsReadRepository, type EventRow, type Position } from '../events/events.read-repository.js';
import { toFilter } from '../events/events.read-service.js';
import type { ExportQueryT } from './audit.schemas.js';

const PAGE = 1000;
export const CSV_COLUMNS = ['id', 'timestamp', 'created_at', 'env', 'agent_id', 'tool_name', 'verdict', 'mode', 'call_id', 'payload'] as const;

/**
 * One CSV cell: quoted when it holds a quote, comma or line break; a leading = + - @ (or tab/CR)
 * is prefixed with ' so a spreadsheet never runs an event's text as a formula.
 */
export function csvCell(v: string | null): string {
  if (v === null) return '';
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvLine(r: EventRow): string {
  const cells = [r.id, r.ts, r.created, r.env, r.agent_id, r.tool_name, r.verdict, r.mode, r.call_id, r.payload == null ? null : JSON.stringify(r.payload)];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function jsonRecord(r: EventRow): string {
  return JSON.stringify({
    id: r.id,
    timestamp: r.ts,
    created_at: r.created,
    env: r.env,
    agent_id: r.agent_id,
    tool_name: r.tool_name,
    verdict: r.verdict,
    mode: r.mode,
    call_id: r.call_id,
    payload: r.payload,
  });
}

/**
 * The audit log over the events list's filters, newest first, as a stream: pages of PAGE rows by
 * keyset (the same index walk as the list), so memory stays flat whatever the range.
 */
export function exportEvents(database: Database, p: Principal, q: ExportQueryT): Readable {
  const f = toFilter(p, q);
  async function* lines(): AsyncGenerator<string> {
    if (q.format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
    else yield '[';
    let after: Position | null = null;
    let first = true;
    for (;;) {
      const rows = await eventsReadRepository.page(database, f, after, PAGE);
      if (rows.length === 0) break;
      let chunk = '';
      for (const r of rows) {
        if (q.format === 'csv') chunk += csvLine(r);
        else {
          chunk += `${first ? '\n' : ',\n'}${jsonRecord(r)}`;
          first = false;
        }
      }
      yield chunk;
      if (rows.length < PAGE) break;
      const last = rows[rows.length - 1]!;
      after = { ts: last.ts, id: last.id };
    }
    if (q.format === 'json') yield '\n]\n';
  }
  return Readable.from(lines(), { objectMode: false });
}

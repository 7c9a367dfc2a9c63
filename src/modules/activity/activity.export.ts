import type { DbOrTx } from '../../db/client.js';
import { activityRepository, type ActivityFilter, type ActivityRow, type Cursor } from './activity.repository.js';
import type { ActivityItemT } from './activity.schemas.js';

/** Rows read per query while exporting: memory stays bounded whatever the size of the log. */
const EXPORT_BATCH = 500;

export function itemOf(r: ActivityRow): ActivityItemT {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    actor_type: r.actorType,
    actor_id: r.actorId,
    action: r.action,
    target: r.target,
    detail: (r.detail ?? {}) as Record<string, unknown>,
    source: r.source,
    ip: r.ip,
    user_agent: r.userAgent,
  };
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.at.toISOString()}|${c.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(s: string): Cursor | null {
  const [at, id] = Buffer.from(s, 'base64url').toString('utf8').split('|');
  if (!at || !id || !/^[0-9a-f-]{36}$/.test(id)) return null;
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? null : { at: d, id };
}

/** Every matching row, newest first, read in keyset batches (never the whole set at once). */
export async function* allRows(db: DbOrTx, tenantId: string, f: ActivityFilter): AsyncGenerator<ActivityRow> {
  let after: Cursor | null = null;
  for (;;) {
    const rows = await activityRepository.page(db, tenantId, f, after, EXPORT_BATCH);
    yield* rows;
    if (rows.length < EXPORT_BATCH) return;
    const last = rows[rows.length - 1]!;
    after = { at: last.at, id: last.id };
  }
}

const CSV_COLUMNS = ['at', 'actor', 'actor_type', 'action', 'target', 'source', 'ip', 'user_agent', 'detail', 'id'] as const;

/**
 * One CSV cell: quoted, quotes doubled, and a leading `= + - @` (or tab/CR) prefixed with `'`
 * so a spreadsheet never runs a cell as a formula (CSV injection).
 */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export async function* csvLines(rows: AsyncIterable<ActivityRow>): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const r of rows) {
    const item = itemOf(r);
    yield `${CSV_COLUMNS.map((c) => csvCell(item[c])).join(',')}\r\n`;
  }
}

/** A JSON array, one item per chunk. */
export async function* jsonChunks(rows: AsyncIterable<ActivityRow>): AsyncGenerator<string> {
  yield '[';
  let first = true;
  for await (const r of rows) {
    yield `${first ? '' : ','}\n${JSON.stringify(itemOf(r))}`;
    first = false;
  }
  yield '\n]\n';
}

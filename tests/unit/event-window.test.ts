// The Events list's bounded window and its gap marker (dashboard/src/api/event-window.ts): a
// merge never holds more than the cap, never repeats a row, drops only the oldest (and says where
// paging back resumes); more new events than a merge takes means a jump, never a silent gap.
import { describe, expect, it } from 'vitest';
import { appendBelow, countAtNewest, mergeOnTop, showNewPlan, MAX_ROWS, MERGE_LIMIT, type WindowRow } from '../../dashboard/src/api/event-window.js';

/** `n` rows newest first, ids `${prefix}${i}`, one second apart ending at `endMs`. */
function rows(prefix: string, n: number, endMs: number): WindowRow[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, timestamp: new Date(endMs - i * 1000).toISOString() }));
}

describe('event list window', () => {
  it('"show new" merges up to the limit and jumps (with a marker) beyond it, never skipping silently', () => {
    expect(showNewPlan(0)).toBe('none');
    expect(showNewPlan(1)).toBe('merge');
    expect(showNewPlan(MERGE_LIMIT)).toBe('merge');
    expect(showNewPlan(MERGE_LIMIT + 1)).toBe('jump');
    expect(showNewPlan(60_090)).toBe('jump');
    expect(showNewPlan(5, 4)).toBe('jump');
  });

  it('puts new rows on top in order, without repeating one already shown', () => {
    const shown = rows('old-', 3, 1_000_000);
    const fresh = [...rows('new-', 2, 2_000_000), shown[0]!, rows('new-', 1, 2_000_000)[0]!];
    const m = mergeOnTop(fresh, shown);
    expect(m.rows.map((r) => r.id)).toEqual(['new-0', 'new-1', 'old-0', 'old-1', 'old-2']);
    expect(m).toMatchObject({ added: 2, dropped: [], resumeFrom: null });
  });

  it('keeps the newest rows up to the cap and says where paging back resumes', () => {
    const shown = rows('old-', 8, 1_000_000);
    const fresh = rows('new-', 5, 2_000_000);
    const m = mergeOnTop(fresh, shown, 10);
    expect(m.rows).toHaveLength(10);
    expect(m.rows.map((r) => r.id)).toEqual([...fresh.map((r) => r.id), 'old-0', 'old-1', 'old-2', 'old-3', 'old-4']);
    expect(m.dropped).toEqual(['old-5', 'old-6', 'old-7']);
    expect(m.resumeFrom).toBe(shown[4]!.timestamp);
  });

  it('stays bounded however many merges come (each the largest a merge takes)', () => {
    // At 1,000 events a second the count passes MERGE_LIMIT within seconds and "show new" jumps
    // (the list restarts); the worst case for the window is a reader merging often: 40 merges of
    // MERGE_LIMIT rows each, 80,000 rows through a window of MAX_ROWS.
    const MERGES = 40;
    let shown: WindowRow[] = [];
    let end = 0;
    let peak = 0;
    let dropped = 0;
    for (let s = 0; s < MERGES; s++) {
      end += 10_000_000;
      const m = mergeOnTop(rows(`s${s}-`, MERGE_LIMIT, end), shown);
      shown = m.rows;
      dropped += m.dropped.length;
      peak = Math.max(peak, shown.length);
    }
    expect(peak).toBe(MAX_ROWS);
    expect(dropped).toBe(MERGES * MERGE_LIMIT - MAX_ROWS);
    // The window is the newest MAX_ROWS, newest first, no gap inside it.
    expect(shown[0]!.id).toBe(`s${MERGES - 1}-0`);
    expect(shown[MAX_ROWS - 1]!.id).toBe(`s${MERGES - MAX_ROWS / MERGE_LIMIT}-${MERGE_LIMIT - 1}`);
  });

  it('paging back appends below and, past the cap, lets go of the newest rows (counted), never the ones just read', () => {
    const shown = rows('a-', 8, 2_000_000);
    const older = rows('b-', 5, 1_000_000);
    const m = appendBelow(shown, older, 10);
    expect(m.rows.map((r) => r.id)).toEqual(['a-3', 'a-4', 'a-5', 'a-6', 'a-7', ...older.map((r) => r.id)]);
    expect(m.dropped).toEqual(['a-0', 'a-1', 'a-2']);
    // Under the cap nothing is let go; an empty page changes nothing.
    expect(appendBelow(shown, older, 13)).toEqual({ rows: [...shown, ...older], dropped: [] });
    expect(appendBelow(shown, [], 10).rows).toBe(shown);
  });

  it('stays bounded in both directions: paging back through 100,000 rows, then merging new ones on top', () => {
    // 200 pages of 500 older rows through a window of MAX_ROWS: the window slides down, holding the
    // oldest MAX_ROWS read so far, contiguous; every row let go is counted once.
    let shown: WindowRow[] = rows('p0-', 500, 1e12);
    let end = 1e12;
    let peak = shown.length;
    let letGo = 0;
    for (let p = 1; p < 200; p++) {
      end -= 500_000;
      const m = appendBelow(shown, rows(`p${p}-`, 500, end));
      shown = m.rows;
      letGo += m.dropped.length;
      peak = Math.max(peak, shown.length);
    }
    expect(peak).toBe(MAX_ROWS);
    expect(letGo).toBe(200 * 500 - MAX_ROWS);
    expect(shown[0]!.id).toBe(`p${200 - MAX_ROWS / 500}-0`);
    expect(shown[MAX_ROWS - 1]!.id).toBe('p199-499');
    expect(new Set(shown.map((r) => r.id)).size).toBe(MAX_ROWS);
    // Then new rows on top: the oldest go, the window still holds MAX_ROWS.
    const m = mergeOnTop(rows('new-', MERGE_LIMIT, 2e12), shown);
    expect(m.rows).toHaveLength(MAX_ROWS);
    expect(m.rows[0]!.id).toBe('new-0');
    expect(m.dropped).toHaveLength(MERGE_LIMIT);
  });

  it('counts the rows that share the newest timestamp (the next count starts there)', () => {
    const t = '2026-11-21T05:00:00.000000Z';
    expect(countAtNewest([])).toBe(0);
    expect(countAtNewest([{ id: 'a', timestamp: t }, { id: 'b', timestamp: t }, { id: 'c', timestamp: '2026-11-21T04:59:59.000000Z' }])).toBe(2);
  });
});

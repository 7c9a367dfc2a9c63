import { canonical, entryHash, sha256Hex } from './chain.hash.js';

/** One finding of verification. `seq` null: a row the chain never covered (an insertion). */
export interface Problem {
  problem: 'content' | 'order' | 'deletion' | 'insertion' | 'checkpoint' | 'signature';
  seq: number | null;
  /** The table the altered row lives in. */
  table: string;
  /** The altered row's id (entry seq for chain rows). */
  row_id: string | null;
  entry_kind: string | null;
  detail: string;
  /** For content changes re-read from a source table: the fields that differ. */
  fields?: string[];
}

export interface LinkEntry {
  seq: number;
  kind: string;
  refId: string;
  contentHash: string;
  prevHash: string;
  entryHash: string;
  recordedAt: string;
}

/** Whether the entry's own fields still give its stored hash, and its content its content hash. */
export function entryProblems(tenantId: string, e: LinkEntry & { content: string }): Problem[] {
  const out: Problem[] = [];
  if (sha256Hex(e.content) !== e.contentHash) {
    out.push({ problem: 'content', seq: e.seq, table: 'audit_chain_entries', row_id: String(e.seq), entry_kind: e.kind, detail: `entry ${e.seq}: its content no longer matches its content hash` });
  } else if (entryHash({ tenantId, ...e }) !== e.entryHash) {
    out.push({
      problem: 'content',
      seq: e.seq,
      table: 'audit_chain_entries',
      row_id: String(e.seq),
      entry_kind: e.kind,
      detail: `entry ${e.seq}: its fields (kind, ref_id, recorded_at, content_hash or prev_hash) no longer give its hash`,
    });
  }
  return out;
}

/**
 * The links between consecutive entries (sorted by seq). `before` is the entry preceding the
 * range (null at the genesis). A link that does not hold is classified:
 * - order: the entry links to another entry of the range (rows were renumbered/swapped);
 * - insertion: the entry links to the one two places back (the one between is not part of the chain);
 * - deletion: seq numbers are missing and the link skips them;
 * - content: the previous entry was replaced wholesale (its hash recomputed; the next still
 *   links to the original).
 */
export function linkProblems(list: LinkEntry[], before: LinkEntry | null, genesis: string): Problem[] {
  const out: Problem[] = [];
  const bySeqHash = new Map<string, number>();
  for (const e of list) bySeqHash.set(e.entryHash, e.seq);
  let prev = before;
  let prevPrev: LinkEntry | null = null;
  let prevLinkOk = true;
  for (const cur of list) {
    const expectedPrev = prev ? prev.entryHash : genesis;
    const expectedSeq = prev ? prev.seq + 1 : cur.seq;
    const base = { seq: cur.seq, table: 'audit_chain_entries', row_id: String(cur.seq), entry_kind: cur.kind };
    const linkOk = cur.prevHash === expectedPrev;
    if (linkOk) {
      if (cur.seq !== expectedSeq) out.push({ ...base, problem: 'order', detail: `entry ${cur.seq} follows entry ${prev?.seq} but seq numbers were changed` });
    } else if (prev && prevPrev && prevLinkOk && cur.prevHash === prevPrev.entryHash) {
      out.push({ ...base, seq: prev.seq, row_id: String(prev.seq), entry_kind: prev.kind, problem: 'insertion', detail: `entry ${prev.seq} is not part of the chain: entry ${cur.seq} links past it to entry ${prevPrev.seq}` });
    } else if (bySeqHash.has(cur.prevHash) && bySeqHash.get(cur.prevHash) !== prev?.seq) {
      out.push({ ...base, problem: 'order', detail: `entry ${cur.seq} links to entry ${bySeqHash.get(cur.prevHash)}, not to entry ${prev?.seq}: entries were reordered` });
    } else if (cur.seq !== expectedSeq) {
      out.push({ ...base, seq: expectedSeq, row_id: String(expectedSeq), problem: 'deletion', detail: `entries ${expectedSeq}..${cur.seq - 1} are missing: entry ${cur.seq} links to an entry no longer stored` });
    } else if (!prev) {
      out.push({ ...base, problem: 'deletion', detail: `entry ${cur.seq} links to an entry no longer stored (seq ${cur.seq - 1})` });
    } else {
      out.push({ ...base, seq: prev.seq, row_id: String(prev.seq), entry_kind: prev.kind, problem: 'content', detail: `entry ${prev.seq} was replaced: entry ${cur.seq} was linked to a different entry ${prev.seq}` });
    }
    prevPrev = prev;
    prev = cur;
    prevLinkOk = linkOk;
  }
  return out;
}

/** Field names whose values differ between two JSON objects (top level). */
export function changedFields(chained: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(chained), ...Object.keys(now)]);
  return [...keys].filter((k) => canonical(chained[k] ?? null) !== canonical(now[k] ?? null)).sort();
}

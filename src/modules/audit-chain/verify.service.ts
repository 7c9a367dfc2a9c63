import { sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../../db/client.js';
import { rowsOf } from '../../db/client.js';
import { fromHex, verifyDetached } from '../../platform/crypto.js';
import { fieldError } from '../../platform/errors.js';
import { TIMESTAMP_SQL_FORMAT } from '../events/events.canonical.js';
import { canonical, checkpointMessage, eventLeaf, GENESIS_HASH, leavesDigest } from './chain.hash.js';
import { chainRepository, type ChainEntryRow, type CheckpointRow } from './chain.repository.js';
import { changedFields, entryProblems, linkProblems, type LinkEntry, type Problem } from './chain.walk.js';
import { eventsByIds, sourceLoaders } from './verify.sources.js';

/** Entries one verification walks at most; a wider range is refused with a 422 naming `from`. */
export const MAX_VERIFY_ENTRIES = 500_000;
const PAGE = 500;
const MAX_PROBLEMS = 100;

export interface VerifyReport {
  ok: boolean;
  range: { from: string; until: string; first_seq: number | null; last_seq: number | null };
  checked: { entries: number; events: number; source_rows: number; checkpoints: number };
  purged_events: number;
  /** Entries after the last checkpoint in range are hash-linked but not yet signed. */
  last_checkpoint: { seq: number; signed_at: string; reason: string } | null;
  first_break: Problem | null;
  problems: Problem[];
}

const ts = (col: string) => sql.raw(`to_char(${col} AT TIME ZONE 'UTC', '${TIMESTAMP_SQL_FORMAT}')`);

async function linkList(db: DbOrTx, tenantId: string, fromSeq: number, toSeq: number): Promise<LinkEntry[]> {
  const rows = await rowsOf<{ seq: string | number; kind: string; ref_id: string; content_hash: string; prev_hash: string; entry_hash: string; recorded_at: string }>(
    db,
    sql`SELECT seq, kind, ref_id, content_hash, prev_hash, entry_hash, ${ts('recorded_at')} AS recorded_at
        FROM audit_chain_entries WHERE tenant_id = ${tenantId}::uuid AND seq >= ${fromSeq} AND seq <= ${toSeq} ORDER BY seq`,
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    kind: r.kind,
    refId: r.ref_id,
    contentHash: r.content_hash,
    prevHash: r.prev_hash,
    entryHash: r.entry_hash,
    recordedAt: r.recorded_at,
  }));
}

/** Purges the chain records: an event missing from an entry older than a purge's cutoff was purged. */
async function purgeCutoffs(db: DbOrTx, tenantId: string): Promise<{ seq: number; cutoffMs: number }[]> {
  const rows = await rowsOf<{ seq: string | number; content: string }>(
    db,
    sql`SELECT seq, content FROM audit_chain_entries WHERE tenant_id = ${tenantId}::uuid AND kind = 'events.purged' ORDER BY seq`,
  );
  return rows.flatMap((r) => {
    try {
      const c = JSON.parse(r.content) as { cutoff?: unknown };
      return typeof c.cutoff === 'string' ? [{ seq: Number(r.seq), cutoffMs: Date.parse(c.cutoff) }] : [];
    } catch {
      return [];
    }
  });
}

function checkpointProblems(cps: CheckpointRow[], bySeq: Map<number, LinkEntry>, tenantId: string, keys: Set<string>): Problem[] {
  const out: Problem[] = [];
  for (const cp of cps) {
    const base = { seq: cp.seq, table: 'audit_checkpoints', row_id: cp.id, entry_kind: null };
    const message = new TextEncoder().encode(checkpointMessage({ tenantId, seq: cp.seq, headHash: cp.headHash, signedAt: cp.signedAt }));
    let valid: boolean;
    try {
      valid = verifyDetached(fromHex(cp.publicKey), message, new Uint8Array(Buffer.from(cp.signature, 'base64')));
    } catch {
      valid = false; // a public key that is not hex
    }
    if (!valid || !keys.has(cp.publicKey)) {
      out.push({ ...base, problem: 'signature', detail: `checkpoint at entry ${cp.seq} (${cp.signedAt}) does not carry a valid signature by one of the tenant's signing keys` });
      continue;
    }
    const e = bySeq.get(cp.seq);
    if (!e) out.push({ ...base, problem: 'deletion', detail: `checkpoint signed at ${cp.signedAt} covers entry ${cp.seq}, which is no longer stored` });
    else if (e.entryHash !== cp.headHash)
      out.push({ ...base, problem: 'checkpoint', detail: `checkpoint signed at ${cp.signedAt} says entry ${cp.seq} had hash ${cp.headHash}; it now has ${e.entryHash}: the chain up to entry ${cp.seq} was rewritten` });
  }
  return out;
}

export function createVerifier(database: Database) {
  const { db } = database;

  /** Content of each entry in a page: events against their rows, other kinds against their source rows. */
  async function pageProblems(tenantId: string, page: ChainEntryRow[], purges: { seq: number; cutoffMs: number }[], tally: VerifyReport['checked'] & { purged: number }): Promise<Problem[]> {
    const out: Problem[] = [];
    const eventIds: string[] = [];
    const byKind = new Map<string, ChainEntryRow[]>();
    for (const e of page) {
      out.push(...entryProblems(tenantId, e));
      if (e.kind === 'events') {
        const ids = e.eventIds ?? [];
        const leaves = e.leafHashes ?? [];
        let content: { count?: unknown; leaves?: unknown } = {};
        try {
          content = JSON.parse(e.content) as typeof content;
        } catch {
          /* reported by entryProblems when the hash no longer matches */
        }
        if (ids.length !== leaves.length || content.count !== ids.length || content.leaves !== leavesDigest(ids, leaves)) {
          out.push({ problem: 'content', seq: e.seq, table: 'audit_chain_entries', row_id: String(e.seq), entry_kind: e.kind, detail: `entry ${e.seq}: its list of events no longer matches the digest it committed to` });
        }
        eventIds.push(...ids);
      } else if (sourceLoaders[e.kind]) {
        byKind.set(e.kind, [...(byKind.get(e.kind) ?? []), e]);
      }
    }
    if (eventIds.length > 0) {
      const stored = new Map((await eventsByIds(db, tenantId, eventIds)).map((r) => [r.id, r]));
      for (const e of page) {
        if (e.kind !== 'events') continue;
        const ids = e.eventIds ?? [];
        const leaves = e.leafHashes ?? [];
        const recordedMs = Date.parse(e.recordedAt);
        ids.forEach((id, i) => {
          tally.events++;
          const row = stored.get(id);
          const base = { seq: e.seq, table: 'events', row_id: id, entry_kind: 'events' };
          if (!row) {
            if (purges.some((p) => p.seq > e.seq && p.cutoffMs > recordedMs)) tally.purged++;
            else out.push({ ...base, problem: 'deletion', detail: `event ${id} (chained in entry ${e.seq}) was deleted, and no chained purge covers it` });
          } else if (eventLeaf(row) !== leaves[i]) {
            out.push({ ...base, problem: 'content', detail: `event ${id} (chained in entry ${e.seq}) was changed after it was stored` });
          }
        });
      }
    }
    for (const [kind, entries] of byKind) {
      const current = await sourceLoaders[kind]!(db, tenantId, entries.map((e) => e.refId));
      for (const e of entries) {
        tally.source_rows++;
        const table = kind.startsWith('approval') ? 'approvals' : kind === 'deploy' ? 'deployments' : kind === 'signing_key.installed' ? 'signing_keys' : kind === 'admin.activity' ? 'admin_activity' : kind;
        const base = { seq: e.seq, table, row_id: e.refId, entry_kind: kind };
        const now = current.get(e.refId);
        if (!now) {
          out.push({ ...base, problem: 'deletion', detail: `${table} row ${e.refId} (chained in entry ${e.seq} as ${kind}) was deleted` });
          continue;
        }
        if (canonical(now) !== e.content) {
          let chained: Record<string, unknown> = {};
          try {
            chained = JSON.parse(e.content) as Record<string, unknown>;
          } catch {
            /* the entry itself was altered: reported by entryProblems */
          }
          const fields = changedFields(chained, now);
          out.push({ ...base, problem: 'content', fields, detail: `${table} row ${e.refId} (chained in entry ${e.seq} as ${kind}) changed: ${fields.join(', ')}` });
        }
      }
    }
    return out;
  }

  /** Rows of the covered tables stored in the range that no entry covers. */
  async function insertions(tenantId: string, rangeFrom: string, until: string): Promise<Problem[]> {
    // Rows stored before the tenant's chain began (an upgrade from a console without the chain)
    // are not insertions: the chain cannot speak for them (docs/audit.md).
    const [start] = await rowsOf<{ at: string | null }>(
      db,
      sql`SELECT ${ts('min(recorded_at)')} AS at FROM audit_chain_entries WHERE tenant_id = ${tenantId}::uuid`,
    );
    if (!start?.at) return [];
    const from = start.at > rangeFrom ? start.at : rangeFrom;
    const events = await rowsOf<{ id: string }>(
      db,
      sql`SELECT e.id FROM events e WHERE e.tenant_id = ${tenantId}::uuid AND e.created_at >= ${from}::timestamptz AND e.created_at <= ${until}::timestamptz
            AND e.id NOT IN (SELECT unnest(c.event_ids) FROM audit_chain_entries c
                             WHERE c.tenant_id = ${tenantId}::uuid AND c.kind = 'events' AND c.recorded_at >= ${from}::timestamptz AND c.recorded_at <= ${until}::timestamptz)
          ORDER BY e.created_at LIMIT ${MAX_PROBLEMS}`,
    );
    const unchained = (table: string, kind: string, extra = sql``) =>
      rowsOf<{ id: string }>(
        db,
        sql`SELECT t.id FROM ${sql.raw(table)} t WHERE t.tenant_id = ${tenantId}::uuid AND t.created_at >= ${from}::timestamptz AND t.created_at <= ${until}::timestamptz ${extra}
              AND NOT EXISTS (SELECT 1 FROM audit_chain_entries c WHERE c.tenant_id = t.tenant_id AND c.kind = ${kind} AND c.ref_id = t.id::text)
            ORDER BY t.created_at LIMIT ${MAX_PROBLEMS}`,
      );
    const out: Problem[] = events.map((r) => ({ problem: 'insertion' as const, seq: null, table: 'events', row_id: r.id, entry_kind: null, detail: `event ${r.id} is stored but was never chained` }));
    for (const r of await unchained('approvals', 'approval.requested'))
      out.push({ problem: 'insertion', seq: null, table: 'approvals', row_id: r.id, entry_kind: null, detail: `approval ${r.id} is stored but its request was never chained` });
    for (const r of await unchained('approvals', 'approval.decided', sql`AND t.status <> 'pending'`))
      out.push({ problem: 'insertion', seq: null, table: 'approvals', row_id: r.id, entry_kind: null, detail: `approval ${r.id} shows a decision that was never chained` });
    for (const r of await unchained('deployments', 'deploy'))
      out.push({ problem: 'insertion', seq: null, table: 'deployments', row_id: r.id, entry_kind: null, detail: `deployment ${r.id} is stored but was never chained` });
    return out;
  }

  return {
    async verify(tenantId: string, from: string, until: string): Promise<VerifyReport> {
      const range = await chainRepository.seqRange(db, tenantId, from, until);
      const report: VerifyReport = {
        ok: true,
        range: { from, until, first_seq: range?.first ?? null, last_seq: range?.last ?? null },
        checked: { entries: 0, events: 0, source_rows: 0, checkpoints: 0 },
        purged_events: 0,
        last_checkpoint: null,
        first_break: null,
        problems: [],
      };
      const problems: Problem[] = [];
      if (range) {
        if (range.last - range.first + 1 > MAX_VERIFY_ENTRIES) {
          throw fieldError(['query', 'from'], `the range holds more than ${MAX_VERIFY_ENTRIES} chain entries; verify a shorter range`);
        }
        const list = await linkList(db, tenantId, range.first - 1, range.last);
        const before = list[0] && list[0].seq === range.first - 1 ? list.shift()! : null;
        problems.push(...linkProblems(list, before, before ? before.entryHash : range.first === 1 ? GENESIS_HASH : (list[0]?.prevHash ?? GENESIS_HASH)));
        if (range.first > 1 && !before) {
          problems.push({ problem: 'deletion', seq: range.first - 1, table: 'audit_chain_entries', row_id: String(range.first - 1), entry_kind: null, detail: `entry ${range.first - 1}, which entry ${range.first} links to, is no longer stored` });
        }
        // The stored head must be the last entry when the range reaches it.
        const head = await chainRepository.head(db, tenantId);
        const last = list[list.length - 1];
        if (head && last && head.seq >= last.seq) {
          const [{ max } = { max: 0 }] = await rowsOf<{ max: number | string }>(db, sql`SELECT COALESCE(max(seq), 0) AS max FROM audit_chain_entries WHERE tenant_id = ${tenantId}::uuid`);
          if (Number(max) === last.seq && head.seq > last.seq)
            problems.push({ problem: 'deletion', seq: last.seq + 1, table: 'audit_chain_entries', row_id: String(last.seq + 1), entry_kind: null, detail: `entries ${last.seq + 1}..${head.seq} are missing: the chain head is at ${head.seq}` });
        } else if (head && last && head.seq < last.seq) {
          problems.push({ problem: 'insertion', seq: head.seq + 1, table: 'audit_chain_entries', row_id: String(head.seq + 1), entry_kind: null, detail: `entries after ${head.seq} were added outside the chain (the head is at ${head.seq})` });
        }
        const purges = await purgeCutoffs(db, tenantId);
        const tally = { ...report.checked, purged: 0 };
        for (let after = range.first - 1; after < range.last; ) {
          const page = await chainRepository.page(db, tenantId, after, range.last, PAGE);
          if (page.length === 0) break;
          tally.entries += page.length;
          problems.push(...(await pageProblems(tenantId, page, purges, tally)));
          after = page[page.length - 1]!.seq;
        }
        const keys = new Set((await chainRepository.publicKeys(db, tenantId)).map((k) => k.publicKey));
        const cps = await chainRepository.checkpoints(db, tenantId, range.first, range.last);
        tally.checkpoints = cps.length;
        problems.push(...checkpointProblems(cps, new Map(list.map((e) => [e.seq, e])), tenantId, keys));
        const lastCp = cps[cps.length - 1];
        report.last_checkpoint = lastCp ? { seq: lastCp.seq, signed_at: lastCp.signedAt, reason: lastCp.reason } : null;
        report.checked = { entries: tally.entries, events: tally.events, source_rows: tally.source_rows, checkpoints: tally.checkpoints };
        report.purged_events = tally.purged;
      }
      problems.push(...(await insertions(tenantId, from, until)));
      problems.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER));
      report.problems = problems.slice(0, MAX_PROBLEMS);
      report.first_break = problems[0] ?? null;
      report.ok = problems.length === 0;
      return report;
    },
  };
}

export type Verifier = ReturnType<typeof createVerifier>;

import { sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '../../db/client.js';
import { rowsOf } from '../../db/client.js';
import { TIMESTAMP_SQL_FORMAT } from '../events/events.canonical.js';
import { entryHash, GENESIS_HASH } from './chain.hash.js';

export interface ChainEntryRow {
  seq: number;
  kind: string;
  refId: string;
  content: string;
  contentHash: string;
  prevHash: string;
  entryHash: string;
  /** Normalised text (TIMESTAMP_SQL_FORMAT): exactly what the entry hash covers. */
  recordedAt: string;
  eventIds: string[] | null;
  leafHashes: string[] | null;
}

export interface CheckpointRow {
  id: string;
  seq: number;
  headHash: string;
  signedAt: string;
  reason: string;
  keyId: string;
  publicKey: string;
  signature: string;
}

const ts = (col: string) => sql.raw(`to_char(${col} AT TIME ZONE 'UTC', '${TIMESTAMP_SQL_FORMAT}')`);
const linkHash = (prev: ReturnType<typeof sql.raw> | string, tenantId: string, kind: string, refId: string, contentHash: string) =>
  sql`encode(sha256(convert_to(concat_ws('|', 'edictum.audit.v1', ${tenantId}::text, ${kind}::text, ${refId}::text, ${ts('now()')}, ${contentHash}::text, ${typeof prev === 'string' ? sql`${prev}::text` : prev}), 'UTF8')), 'hex')`;

interface RawEntry {
  seq: string | number;
  kind: string;
  ref_id: string;
  content: string;
  content_hash: string;
  prev_hash: string;
  entry_hash: string;
  recorded_at: string;
  event_ids: string[] | string | null;
  leaf_hashes: string[] | string | null;
}

/** Postgres arrays come back parsed from node-postgres and from PGlite; text form just in case. */
function arr(v: string[] | string | null): string[] | null {
  if (v == null) return null;
  if (Array.isArray(v)) return v;
  const inner = v.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',').map((s) => s.replace(/^"|"$/g, ''));
}

const toEntry = (r: RawEntry): ChainEntryRow => ({
  seq: Number(r.seq),
  kind: r.kind,
  refId: r.ref_id,
  content: r.content,
  contentHash: r.content_hash,
  prevHash: r.prev_hash,
  entryHash: r.entry_hash,
  recordedAt: r.recorded_at,
  eventIds: arr(r.event_ids),
  leafHashes: arr(r.leaf_hashes),
});

export const chainRepository = {
  /**
   * Appends one entry in ONE statement: the head row is inserted or updated (row-locked until
   * the caller's transaction ends, so concurrent appenders queue and never fork), the entry
   * hash is computed from the previous head inside the same statement, and the entry row is
   * written. Call it as the LAST statement of the transaction: the head stays locked until
   * commit, so nothing slow should follow it (and every transaction takes the head last, so
   * no two transactions can wait on each other in opposite order).
   */
  async append(
    db: DbOrTx,
    tenantId: string,
    e: { kind: string; refId: string; content: string; contentHash: string; eventIds?: string[]; leafHashes?: string[] },
  ): Promise<{ seq: number; entryHash: string }> {
    const ids = e.eventIds ? sql`${sql.param(e.eventIds)}::uuid[]` : sql`NULL::uuid[]`;
    const leaves = e.leafHashes ? sql`${sql.param(e.leafHashes)}::text[]` : sql`NULL::text[]`;
    const [row] = await rowsOf<{ seq: string | number; entry_hash: string }>(
      db,
      sql`WITH head AS (
            INSERT INTO audit_chain_heads AS h (tenant_id, seq, prev_hash, head_hash, updated_at)
            VALUES (${tenantId}::uuid, 1, ${GENESIS_HASH}::text, ${linkHash(GENESIS_HASH, tenantId, e.kind, e.refId, e.contentHash)}, now())
            ON CONFLICT (tenant_id) DO UPDATE SET
              seq = h.seq + 1,
              prev_hash = h.head_hash,
              head_hash = ${linkHash(sql.raw('h.head_hash'), tenantId, e.kind, e.refId, e.contentHash)},
              updated_at = now()
            RETURNING seq, prev_hash, head_hash
          )
          INSERT INTO audit_chain_entries (tenant_id, seq, kind, ref_id, content, content_hash, prev_hash, entry_hash, recorded_at, event_ids, leaf_hashes)
          SELECT ${tenantId}::uuid, head.seq, ${e.kind}, ${e.refId}, ${e.content}, ${e.contentHash}, head.prev_hash, head.head_hash, now(), ${ids}, ${leaves}
          FROM head
          RETURNING seq, entry_hash`,
    );
    return { seq: Number(row!.seq), entryHash: row!.entry_hash };
  },

  /**
   * Appends several entries at once (the timeout worker expiring a backlog): the head row is
   * locked (created if needed), the hashes are chained here, then one INSERT of every entry and
   * one UPDATE of the head: four statements whatever the count. Same rule as `append`: last in
   * the transaction.
   */
  async appendMany(
    db: DbOrTx,
    tenantId: string,
    entries: { kind: string; refId: string; content: string; contentHash: string }[],
  ): Promise<void> {
    if (entries.length === 0) return;
    await rowsOf(
      db,
      sql`INSERT INTO audit_chain_heads (tenant_id, seq, prev_hash, head_hash) VALUES (${tenantId}::uuid, 0, ${GENESIS_HASH}::text, ${GENESIS_HASH}::text)
          ON CONFLICT (tenant_id) DO NOTHING`,
    );
    const [head] = await rowsOf<{ seq: string | number; head_hash: string; now: string }>(
      db,
      sql`SELECT seq, head_hash, ${ts('now()')} AS now FROM audit_chain_heads WHERE tenant_id = ${tenantId}::uuid FOR UPDATE`,
    );
    let seq = Number(head!.seq);
    let prev = head!.head_hash;
    let prevOfLast = prev;
    const rows = entries.map((e) => {
      seq += 1;
      const h = entryHash({ tenantId, kind: e.kind, refId: e.refId, recordedAt: head!.now, contentHash: e.contentHash, prevHash: prev });
      const row = sql`(${tenantId}::uuid, ${seq}, ${e.kind}, ${e.refId}, ${e.content}, ${e.contentHash}, ${prev}, ${h}, now())`;
      prevOfLast = prev;
      prev = h;
      return row;
    });
    await rowsOf(
      db,
      sql`INSERT INTO audit_chain_entries (tenant_id, seq, kind, ref_id, content, content_hash, prev_hash, entry_hash, recorded_at) VALUES ${sql.join(rows, sql`, `)}`,
    );
    await rowsOf(
      db,
      sql`UPDATE audit_chain_heads SET seq = ${seq}, head_hash = ${prev}, prev_hash = ${prevOfLast}, updated_at = now() WHERE tenant_id = ${tenantId}::uuid`,
    );
  },

  async head(db: DbOrTx, tenantId: string): Promise<{ seq: number; headHash: string } | null> {
    const [r] = await rowsOf<{ seq: string | number; head_hash: string }>(
      db,
      sql`SELECT seq, head_hash FROM audit_chain_heads WHERE tenant_id = ${tenantId}::uuid`,
    );
    return r ? { seq: Number(r.seq), headHash: r.head_hash } : null;
  },

  /** Entries with afterSeq < seq <= toSeq, in seq order, at most `limit`. */
  async page(db: DbOrTx, tenantId: string, afterSeq: number, toSeq: number, limit: number): Promise<ChainEntryRow[]> {
    const rows = await rowsOf<RawEntry>(
      db,
      sql`SELECT seq, kind, ref_id, content, content_hash, prev_hash, entry_hash, ${ts('recorded_at')} AS recorded_at, event_ids, leaf_hashes
          FROM audit_chain_entries WHERE tenant_id = ${tenantId}::uuid AND seq > ${afterSeq} AND seq <= ${toSeq}
          ORDER BY seq LIMIT ${limit}`,
    );
    return rows.map(toEntry);
  },

  async entry(db: DbOrTx, tenantId: string, seq: number): Promise<ChainEntryRow | null> {
    return (await chainRepository.page(db, tenantId, seq - 1, seq, 1))[0] ?? null;
  },

  /** The seq range whose entries were recorded in [from, until]: [first, last], or null. */
  async seqRange(db: DbOrTx, tenantId: string, from: string, until: string): Promise<{ first: number; last: number } | null> {
    const [r] = await rowsOf<{ first: string | number | null; last: string | number | null }>(
      db,
      sql`SELECT min(seq) AS first, max(seq) AS last FROM audit_chain_entries
          WHERE tenant_id = ${tenantId}::uuid AND recorded_at >= ${from}::timestamptz AND recorded_at <= ${until}::timestamptz`,
    );
    return r?.first == null || r.last == null ? null : { first: Number(r.first), last: Number(r.last) };
  },

  async checkpoints(db: DbOrTx, tenantId: string, fromSeq: number, toSeq: number): Promise<CheckpointRow[]> {
    return rowsOf<CheckpointRow>(
      db,
      sql`SELECT id, seq::float8 AS "seq", head_hash AS "headHash", ${ts('signed_at')} AS "signedAt", reason, key_id AS "keyId",
                 public_key AS "publicKey", signature
          FROM audit_checkpoints WHERE tenant_id = ${tenantId}::uuid AND seq >= ${fromSeq} AND seq <= ${toSeq} ORDER BY seq, signed_at`,
    );
  },

  async lastCheckpoint(db: DbOrTx, tenantId: string): Promise<{ seq: number } | null> {
    const [r] = await rowsOf<{ seq: string | number }>(
      db,
      sql`SELECT seq FROM audit_checkpoints WHERE tenant_id = ${tenantId}::uuid ORDER BY seq DESC LIMIT 1`,
    );
    return r ? { seq: Number(r.seq) } : null;
  },

  async insertCheckpoint(
    db: DbOrTx,
    tenantId: string,
    c: { seq: number; headHash: string; signedAt: string; reason: string; keyId: string; publicKey: string; signature: string },
  ): Promise<void> {
    await rowsOf(
      db,
      sql`INSERT INTO audit_checkpoints (tenant_id, seq, head_hash, signed_at, reason, key_id, public_key, signature)
          VALUES (${tenantId}::uuid, ${c.seq}, ${c.headHash}, ${c.signedAt}::timestamptz, ${c.reason}, ${c.keyId}::uuid, ${c.publicKey}, ${c.signature})`,
    );
  },

  /** Tenants whose chain moved past their last checkpoint (the periodic job's work list). */
  async tenantsNeedingCheckpoint(database: Database): Promise<string[]> {
    const rows = await database.rows<{ tenant_id: string }>(
      sql`SELECT h.tenant_id FROM audit_chain_heads h
          WHERE h.seq > COALESCE((SELECT max(c.seq) FROM audit_checkpoints c WHERE c.tenant_id = h.tenant_id), 0)`,
    );
    return rows.map((r) => r.tenant_id);
  },

  /** Public keys (hex) of every signing key the tenant has had, for checking checkpoints. */
  async publicKeys(db: DbOrTx, tenantId: string): Promise<{ id: string; publicKey: string; active: boolean; createdAt: string }[]> {
    return rowsOf(
      db,
      sql`SELECT id, encode(public_key, 'hex') AS "publicKey", active, ${ts('created_at')} AS "createdAt"
          FROM signing_keys WHERE tenant_id = ${tenantId}::uuid ORDER BY created_at`,
    );
  },
};

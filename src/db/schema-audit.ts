import { bigint, index, pgTable, primaryKey, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { tenants } from './schema.js';

/**
 * The tamper-evident audit chain (issue 16, docs/audit.md). One chain per tenant:
 * every entry commits to its canonical content and to the previous entry's hash, and is written
 * in the same transaction as the row it covers. Events are chained batch-wise: one entry per
 * ingest batch, listing each event's id and leaf hash (arrays here, so the events table itself
 * gains no column and ingest writes one extra row per batch, not per event).
 */

const tenantRef = () =>
  uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });

/**
 * The head of each tenant's chain. Appending updates this row (INSERT .. ON CONFLICT DO UPDATE),
 * which row-locks it until commit: appenders of one tenant, in any process, queue here and each
 * links to the head the previous one committed, so the chain never forks.
 */
export const auditChainHeads = pgTable('audit_chain_heads', {
  tenantId: tenantRef().primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  headHash: text('head_hash').notNull(),
  prevHash: text('prev_hash').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const auditChainEntries = pgTable(
  'audit_chain_entries',
  {
    tenantId: tenantRef(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    /** `events`, `approval.requested`, `approval.decided`, `deploy`, `signing_key.installed`, `events.purged`, ... */
    kind: varchar('kind', { length: 64 }).notNull(),
    /** The covered row's id ('' for an events batch: its events are listed in event_ids). */
    refId: varchar('ref_id', { length: 255 }).notNull(),
    /** Canonical JSON of what the entry commits to. */
    content: text('content').notNull(),
    contentHash: text('content_hash').notNull(),
    prevHash: text('prev_hash').notNull(),
    entryHash: text('entry_hash').notNull(),
    /** now() of the writing transaction: equal to the covered rows' created_at. */
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull(),
    /** Events batch only: the ids of the events stored, and each one's leaf hash, in the same order. */
    eventIds: uuid('event_ids').array(),
    leafHashes: text('leaf_hashes').array(),
  },
  (t) => [
    primaryKey({ name: 'pk_audit_chain_entries', columns: [t.tenantId, t.seq] }),
    index('ix_audit_chain_entries_recorded').on(t.tenantId, t.recordedAt),
    index('ix_audit_chain_entries_ref').on(t.tenantId, t.kind, t.refId),
  ],
);

/** Signed statements "the chain of tenant T had N entries ending in hash H at time S". */
export const auditCheckpoints = pgTable(
  'audit_checkpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantRef(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    headHash: text('head_hash').notNull(),
    signedAt: timestamp('signed_at', { withTimezone: true }).notNull(),
    /** `periodic` | `deploy` | `manual`. */
    reason: varchar('reason', { length: 16 }).notNull(),
    keyId: uuid('key_id').notNull(),
    /** Hex Ed25519 public key (copied: a checkpoint stays checkable after rotations). */
    publicKey: text('public_key').notNull(),
    /** Base64 Ed25519 signature over checkpointMessage(). */
    signature: text('signature').notNull(),
  },
  (t) => [index('ix_audit_checkpoints_tenant_seq').on(t.tenantId, t.seq), index('ix_audit_checkpoints_tenant_signed').on(t.tenantId, t.signedAt)],
);

/**
 * Continuous export: the last chain entry delivered to a sink. Chain order is commit order (an
 * appender holds the head until it commits), so "everything with seq <= cursor" never skips a
 * row committed late.
 */
export const auditExportCursors = pgTable(
  'audit_export_cursors',
  {
    tenantId: tenantRef(),
    sink: varchar('sink', { length: 32 }).notNull(),
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'pk_audit_export_cursors', columns: [t.tenantId, t.sink] })],
);

import { pgTable, uuid, varchar, timestamp, jsonb, text } from 'drizzle-orm/pg-core';

/**
 * Audit events. Range-partitioned by month on the event's own `timestamp` (decision 7) with a
 * default partition, so an agent with a wrong clock never loses data. drizzle-kit cannot create
 * partitioned tables, so this table is created by the hand-written migration
 * `0001_events_partitioned.sql` and is deliberately not in the schema drizzle-kit diffs
 * (drizzle.config.ts points at schema.ts only). This definition is for typed queries.
 *
 * Later changes: 0003_events_ingest_v2.sql (mode widened to 64; policy_version lifted from the
 * payload; covering indexes; partition creation locks the default partition while it moves
 * parked rows; per-partition autovacuum). How rows are stored, deduplicated, partitioned
 * and indexed, with EXPLAIN evidence: docs/events.md. 0013_events_search_index.sql: a trigram GIN
 * index over the search text (textMatch in events.filters.ts) and covering agent/tool/contract indexes.
 *
 * Keys: primary key (id, timestamp); unique (tenant_id, call_id, dedup_hash, timestamp) so a
 * retried event — same call_id, same content, same timestamp — never makes a second row, in
 * any batch, while distinct events of one call (call_allowed then call_executed) all stay.
 */
export const events = pgTable('events', {
  id: uuid('id').notNull().defaultRandom(),
  tenantId: uuid('tenant_id').notNull(),
  callId: varchar('call_id', { length: 255 }).notNull(),
  agentId: varchar('agent_id', { length: 255 }).notNull(),
  toolName: varchar('tool_name', { length: 255 }).notNull(),
  verdict: varchar('verdict', { length: 64 }).notNull(),
  mode: varchar('mode', { length: 64 }).notNull(),
  env: varchar('env', { length: 64 }),
  timestamp: timestamp('timestamp', { withTimezone: true }).notNull(),
  payload: jsonb('payload'),
  /** payload->>'decision_name', lifted to a column so contract filters and stats use an index. */
  decisionName: varchar('decision_name', { length: 255 }),
  /** payload->>'policy_version' (0003), included in the agent index so drift history is index-only. */
  policyVersion: varchar('policy_version', { length: 128 }),
  /** sha256 of the canonical event content: the cross-batch dedup key (with call_id and timestamp). */
  dedupHash: text('dedup_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

import { sql } from 'drizzle-orm';
import { bigint, boolean, index, pgTable, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { tenants } from './schema.js';

/**
 * Exact per-hour event counts: the hour level of `event_minute_counts` (src/db/schema.ts), kept
 * the same way (migration 0013: the statement triggers on `events` append to both tables in the
 * statement's transaction; `events.rollup.ts` compacts both). A month-long histogram reads ~720
 * hours per (env, verdict, mode) here instead of ~43,000 minutes (docs/events.md "Per-minute counts").
 */
export const eventHourCounts = pgTable(
  'event_hour_counts',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** date_bin('1 hour', events.timestamp, epoch): the UTC hour the counted events fall in. */
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    env: varchar('env', { length: 64 }),
    verdict: varchar('verdict', { length: 64 }).notNull(),
    mode: varchar('mode', { length: 64 }).notNull(),
    /** Events added (ingest) or removed (negative: purge) by one statement, or a merged sum. */
    n: bigint('n', { mode: 'number' }).notNull(),
    /** True for the rows the compaction wrote; only unmerged rows are work for it. */
    merged: boolean('merged').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('ix_event_hour_counts_read').on(t.tenantId, t.hour, t.env, t.verdict, t.mode, t.n),
    index('ix_event_hour_counts_unmerged')
      .on(t.createdAt)
      .where(sql`NOT ${t.merged}`),
  ],
);

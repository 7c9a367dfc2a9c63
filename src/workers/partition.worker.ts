import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { moveParkedEvents, PARTITION_MONTHS_AHEAD } from '../modules/events/events.partitions.js';
import type { Job } from './scheduler.js';

export { PARTITION_MONTHS_AHEAD };

/**
 * Monthly event partitions for now + 3 months, then rows parked in the default partition moved
 * into their months in bounded slices (events.partitions.ts). Returns the partitions created.
 */
export async function ensurePartitions(database: Database, monthsAhead = PARTITION_MONTHS_AHEAD, now = new Date()): Promise<number> {
  const [row] = await database.rows<{ created: number }>(sql`SELECT ensure_event_partitions(${monthsAhead}) AS created`);
  const { partitions } = await moveParkedEvents(database, now, { monthsAhead: Math.max(monthsAhead, PARTITION_MONTHS_AHEAD) });
  return Number(row?.created ?? 0) + partitions;
}

/**
 * Every minute (cheap when nothing is parked: one read of the default partition's timestamp
 * index), so a backfill that parked rows before its month existed is moved within minutes.
 */
export function partitionJob(database: Database): Job {
  return {
    name: 'partition',
    intervalMs: 60 * 1000,
    leaderOnly: true,
    runAtStart: true,
    run: async () => {
      await ensurePartitions(database);
    },
  };
}

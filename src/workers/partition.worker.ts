import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { Job } from './scheduler.js';

export const PARTITION_MONTHS_AHEAD = 3;

/** Monthly event partitions for now + 3 months (rows parked in the default partition are moved in). */
export async function ensurePartitions(database: Database, monthsAhead = PARTITION_MONTHS_AHEAD): Promise<number> {
  const [row] = await database.rows<{ created: number }>(sql`SELECT ensure_event_partitions(${monthsAhead}) AS created`);
  return Number(row?.created ?? 0);
}

export function partitionJob(database: Database): Job {
  return {
    name: 'partition',
    intervalMs: 24 * 3600 * 1000,
    leaderOnly: true,
    runAtStart: true,
    run: async () => {
      await ensurePartitions(database);
    },
  };
}

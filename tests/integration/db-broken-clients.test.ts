import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { releaseBrokenClients } from '../../src/db/client.js';
import { createTestDatabase } from '../helpers/test-db.js';
import { pollUntil } from '../helpers/poll.js';

const url = process.env.TEST_DATABASE_URL;

/** Ends the backend of `pid` from another connection, as a Postgres restart would. */
async function terminate(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: url! });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

describe.runIf(url)('pool clients whose connection breaks while checked out', () => {
  it('are handed back to the pool, so a holder that never releases does not leak the slot and the pool still ends', async () => {
    const pool = new pg.Pool({ connectionString: url!, max: 1, connectionTimeoutMillis: 5_000 });
    releaseBrokenClients(pool);
    // A holder that never releases its client (drizzle's transaction when BEGIN fails).
    const client = await pool.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await terminate(pid);
    await pollUntil(() => pool.totalCount === 0, { timeoutMs: 10_000, what: 'the broken client to leave the pool' });
    // The only slot is free again: a new checkout gets a working connection.
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows[0]!.one).toBe(1);
    // The holder's late release is harmless, and the pool ends (it waited forever before).
    expect(() => client.release()).not.toThrow();
    await pool.end();
    expect(pool.totalCount).toBe(0);
  });

  it('the leader connection breaking lets the database close and leadership be taken again', async () => {
    // Its own database: advisory locks are per database, so no other test holds this one.
    const { database, url: dbUrl, drop } = await createTestDatabase();
    try {
      expect(await database.tryLeadership()).toBe(true);
      const admin = new pg.Client({ connectionString: dbUrl! });
      await admin.connect();
      const held = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        [4_242_001],
      );
      await admin.end();
      expect(held.rows.length).toBe(1);
      await terminate(held.rows[0]!.pid);
      // The next check notices the lost connection and takes the lock on a new one.
      await pollUntil(() => database.tryLeadership(), { timeoutMs: 10_000, what: 'leadership again' });
      await database.close();
    } finally {
      await drop();
    }
  });
});

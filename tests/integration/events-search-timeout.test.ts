import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { isQueryCanceled } from '../../src/modules/events/events.read-repository.js';
import { createTestDatabase } from '../helpers/test-db.js';

/**
 * The indexed search's time bound (docs/events.md): on server Postgres the trigram query runs
 * under `SET LOCAL statement_timeout`, and a cancellation is recognised through drizzle's error
 * wrapping, so the list answers the walk's page and cursor instead of a 500.
 */
describe.runIf(process.env.TEST_DATABASE_URL)('statement timeout of the indexed search', () => {
  let db: { database: Database; drop: () => Promise<void> };
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it('a statement past its SET LOCAL timeout is cancelled and recognised as such; the connection stays usable', async () => {
    const setting = async () => (await db.database.rows<{ t: string }>(sql`SELECT current_setting('statement_timeout') AS t`))[0]!.t;
    const before = await setting();
    let caught: unknown = null;
    try {
      await db.database.db.transaction(async (tx) => {
        await tx.execute(sql.raw('SET LOCAL statement_timeout = 50'));
        await tx.execute(sql`SELECT pg_sleep(2)`);
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).not.toBeNull();
    expect(isQueryCanceled(caught)).toBe(true);
    // Another error is not mistaken for a cancellation.
    let other: unknown = null;
    try {
      await db.database.db.execute(sql`SELECT 1 / 0`);
    } catch (err) {
      other = err;
    }
    expect(isQueryCanceled(other)).toBe(false);
    // The timeout was local to that transaction.
    expect(before).not.toBe('50ms');
    expect(await setting()).toBe(before);
  });
});

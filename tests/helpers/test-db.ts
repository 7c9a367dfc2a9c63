import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';

/**
 * A fresh database for one test file: a clone of the migrated template on real Postgres when
 * TEST_DATABASE_URL is set (CI), otherwise PGlite loaded from the migrated dump.
 */
export async function createTestDatabase(): Promise<{ database: Database; url: string | undefined; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  const template = inject('pgTemplate');
  if (base && template) {
    const name = `edictum_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    await admin.end();
    const u = new URL(base);
    u.pathname = `/${name}`;
    const database = await createDatabase({ url: u.toString(), poolSize: 5 });
    return {
      database,
      url: u.toString(),
      drop: async () => {
        await database.close().catch(() => undefined);
        const a = new pg.Client({ connectionString: base });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await a.end();
      },
    };
  }
  const blob = new Blob([readFileSync(inject('pgliteTemplatePath'))]);
  const database = await createDatabase({ pgliteTemplate: blob });
  return { database, url: undefined, drop: () => database.close() };
}

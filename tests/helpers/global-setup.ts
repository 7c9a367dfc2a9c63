import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { createDatabase, MIGRATIONS_DIR, PGLITE_EXTENSIONS } from '../../src/db/client.js';
import type { TestProject } from 'vitest/node';

/**
 * Prepares one migrated database to clone per test file (Unleash's habit): a PGlite data-dir
 * dump (embedded runs) and, when TEST_DATABASE_URL is set, a Postgres template database.
 * Both are keyed by a hash of the migrations, so a schema change rebuilds them.
 */
function migrationsHash(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS_DIR).sort()) {
    if (f.endsWith('.sql')) h.update(f).update(readFileSync(join(MIGRATIONS_DIR, f)));
  }
  return h.digest('hex').slice(0, 12);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const hash = migrationsHash();
  const cacheDir = join(process.cwd(), 'node_modules', '.cache', 'edictum-tests');
  mkdirSync(cacheDir, { recursive: true });
  const dumpPath = join(cacheDir, `pglite-${hash}.tar`);
  if (!existsSync(dumpPath)) {
    const db = new PGlite({ extensions: PGLITE_EXTENSIONS });
    await db.waitReady;
    await migratePglite(drizzlePglite(db), { migrationsFolder: MIGRATIONS_DIR });
    const blob = await db.dumpDataDir('none');
    writeFileSync(dumpPath, Buffer.from(await blob.arrayBuffer()));
    await db.close();
  }
  project.provide('pgliteTemplatePath', dumpPath);

  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const template = `edictum_tpl_${hash}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE "${template}"`);
      const u = new URL(url);
      u.pathname = `/${template}`;
      const tdb = await createDatabase({ url: u.toString(), poolSize: 2 });
      await tdb.migrate();
      await tdb.close();
    }
    await admin.end();
    project.provide('pgTemplate', template);
  } else {
    project.provide('pgTemplate', '');
  }
  return async () => undefined;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplatePath: string;
    pgTemplate: string;
  }
}

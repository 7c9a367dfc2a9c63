import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** The drizzle database, whichever driver is behind it. Transactions have the same type. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Repositories take `Db | Tx`: every method accepts an optional transaction. */
export type DbOrTx = Db | Tx;

/**
 * Extensions every embedded database loads (an extension must be loaded each time PGlite opens).
 * pg_trgm: the trigram index searches use (migration 0013; docs/events.md "Search").
 */
export const PGLITE_EXTENSIONS = { pg_trgm };

export const MIGRATIONS_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../migrations');

/** Advisory lock ids, one per purpose. 43 matches the reference's migration lock. */
export const LOCKS = { migrate: 43, bootstrap: 42, leader: 4_242_001 } as const;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** The connection string (server Postgres only): for a worker thread that opens its own connection. */
  url?: string;
  /** Run raw SQL and get rows back, on either driver. */
  rows<T>(query: SQL, tx?: DbOrTx): Promise<T[]>;
  /** Apply pending migrations under an advisory lock (safe with several processes starting at once). */
  migrate(): Promise<void>;
  /** Round-trip latency of `SELECT 1` in milliseconds; throws when the database is unreachable. */
  ping(): Promise<number>;
  /**
   * Try to become the leader (session-level advisory lock held on a dedicated connection).
   * Resolves true when this process holds the lock; the lock goes away if the connection dies.
   */
  tryLeadership(): Promise<boolean>;
  close(): Promise<void>;
}

export async function rowsOf<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export interface DatabaseOptions {
  /** postgres:// URL; absent means embedded PGlite. */
  url?: string | undefined;
  /** Data directory for PGlite; absent means in memory (tests). */
  dataDir?: string | undefined;
  /** An already-migrated PGlite data dir dump to start from (tests; saves an initdb per file). */
  pgliteTemplate?: Blob | undefined;
  poolSize?: number;
  onPoolError?: (err: Error) => void;
}

export async function createDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.url ? createPostgres(opts.url, opts) : createPglite(opts.dataDir, opts.pgliteTemplate);
}

const CLOSE_TIMEOUT_MS = 10_000;

/**
 * A checked-out client whose connection breaks is handed back to the pool (which discards it) at
 * once, and its holder's own release becomes a no-op. Without this a holder that never releases on
 * that path leaks the slot for good: drizzle's transaction() runs BEGIN before its try/finally, so a
 * connection dropped between checkout and BEGIN (a Postgres restart under load) was never released,
 * and `pool.end()` then waited forever at shutdown.
 *
 * Every client also gets an 'error' listener: one checked out (a transaction between two
 * statements) has none of the pool's, so a postmaster kill -9 would otherwise be an uncaught error
 * that stops the process. The failure still reaches the holder through its next query.
 */
export function releaseBrokenClients(pool: pg.Pool): void {
  const held = new Set<pg.PoolClient>();
  pool.on('acquire', (client) => held.add(client));
  pool.on('release', (_err, client) => held.delete(client));
  const releaseIfHeld = (client: pg.PoolClient): void => {
    if (!held.delete(client)) return;
    const release = client.release.bind(client);
    client.release = () => {};
    release(true);
  };
  pool.on('connect', (client) => {
    client.on('error', () => releaseIfHeld(client));
    client.on('end', () => releaseIfHeld(client));
  });
}

async function createPostgres(url: string, opts: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 20,
    idleTimeoutMillis: 30_000,
    // Fail fast when the database is unreachable or the pool is exhausted: the request answers
    // 503 + Retry-After (platform/dependency-errors.ts) instead of hanging. A refused connection
    // fails at once; this bounds a black-holed host and the wait for a free client.
    connectionTimeoutMillis: 2_000,
    keepAlive: true,
    application_name: 'edictum-console',
  });
  pool.on('error', (err) => opts.onPoolError?.(err));
  releaseBrokenClients(pool);
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  let leaderClient: pg.PoolClient | null = null;
  let closed = false;

  return {
    db,
    kind: 'postgres',
    url,
    rows: (query, tx) => rowsOf(tx ?? db, query),
    async migrate() {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [LOCKS.migrate]);
        try {
          await migratePg(drizzlePg(client, { schema }), { migrationsFolder: MIGRATIONS_DIR });
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [LOCKS.migrate]);
        }
      } finally {
        client.release();
      }
    },
    async ping() {
      const t0 = performance.now();
      await pool.query('SELECT 1');
      return performance.now() - t0;
    },
    async tryLeadership() {
      if (leaderClient) {
        try {
          await leaderClient.query('SELECT 1');
          return true;
        } catch {
          leaderClient.release(true);
          leaderClient = null;
        }
      }
      if (closed) return false;
      // A dedicated connection outside the pool's idle recycling: the lock lives as long as it does.
      const client = await pool.connect();
      let locked: boolean;
      try {
        const res = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LOCKS.leader]);
        locked = res.rows[0]?.locked === true;
      } catch (err) {
        client.release(true);
        throw err;
      }
      // Closing started while we asked: don't keep a connection that close() no longer knows about.
      if (locked && !closed) {
        leaderClient = client;
        return true;
      }
      client.release(locked);
      return false;
    },
    async close() {
      closed = true;
      if (leaderClient) {
        leaderClient.release(true);
        leaderClient = null;
      }
      // Bounded: a connection still checked out (a query that never returns) must not keep a
      // stopping process alive; the caller logs the counts and the process exits anyway.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        pool.end().then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), CLOSE_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        throw new Error(
          `database pool did not close within ${CLOSE_TIMEOUT_MS / 1000} s: ${pool.totalCount - pool.idleCount} of ${pool.totalCount} connections still checked out`,
        );
      }
    },
  };
}

async function createPglite(dataDir: string | undefined, template?: Blob): Promise<Database> {
  let dir: string | undefined;
  if (dataDir) {
    dir = join(dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
  }
  const client =
    template && !dir
      ? new PGlite({ loadDataDir: template, extensions: PGLITE_EXTENSIONS })
      : new PGlite({ dataDir: dir, extensions: PGLITE_EXTENSIONS });
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    rows: (query, tx) => rowsOf(tx ?? db, query),
    async migrate() {
      // One process owns an embedded database, so no lock is needed beyond PGlite's own.
      await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: MIGRATIONS_DIR });
    },
    async ping() {
      const t0 = performance.now();
      await client.query('SELECT 1');
      return performance.now() - t0;
    },
    async tryLeadership() {
      return true;
    },
    async close() {
      await client.close();
    },
  };
}

export { sql };

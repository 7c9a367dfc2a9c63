import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { appendChain } from '../../src/modules/audit-chain/chain.append.js';
import { GENESIS_HASH } from '../../src/modules/audit-chain/chain.hash.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { postEvents, tsEvent } from '../helpers/events-fixtures.js';
import { verify } from '../helpers/audit-fixtures.js';

/**
 * Several writers append to one tenant's chain at once: on Postgres, two console processes
 * (two independent connection pools on one database); on PGlite, one process with concurrent
 * requests. The chain never forks: seqs are 1..N without gaps or repeats and each entry links
 * to the one before it.
 */
describe('audit chain: concurrent appenders never fork the chain', () => {
  let a: TestApp;
  let b: TestApp;
  let second: Database | null = null;
  beforeAll(async () => {
    a = await createTestApp();
    if (a.config.databaseUrl) {
      second = await createDatabase({ url: a.config.databaseUrl, poolSize: 8 });
      b = await createTestApp({ database: { database: second, url: a.config.databaseUrl } });
    } else {
      b = a;
    }
  });
  afterAll(async () => {
    if (b !== a) await b?.close();
    await second?.close();
    await a?.close();
  });

  async function assertLinear(tenantId: string): Promise<number> {
    const rows = await a.deps.database.rows<{ seq: string | number; prev_hash: string; entry_hash: string }>(
      sql`SELECT seq, prev_hash, entry_hash FROM audit_chain_entries WHERE tenant_id = ${tenantId}::uuid ORDER BY seq`,
    );
    let prev = GENESIS_HASH;
    rows.forEach((r, i) => {
      expect(Number(r.seq)).toBe(i + 1);
      expect(r.prev_hash).toBe(prev);
      prev = r.entry_hash;
    });
    const [head] = await a.deps.database.rows<{ seq: string | number; head_hash: string }>(sql`SELECT seq, head_hash FROM audit_chain_heads WHERE tenant_id = ${tenantId}::uuid`);
    expect(Number(head!.seq)).toBe(rows.length);
    expect(head!.head_hash).toBe(prev);
    return rows.length;
  }

  it('40 transactions appending at once from two pools make one linear chain', async () => {
    const p = await a.admin();
    const before = await assertLinear(p.tenantId);
    const writers = [a.deps.database, b.deps.database];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        writers[i % 2]!.db.transaction((tx) => appendChain(tx, p.tenantId, { kind: 'test.concurrent', refId: `w${i}`, content: { i } })),
      ),
    );
    expect(await assertLinear(p.tenantId)).toBe(before + 40);
  });

  it('ingest batches through both processes at once: every event chained once, the chain verifies', async () => {
    const p = await a.admin();
    const keyA = await a.apiKey(p.cookie);
    const keyB = await b.apiKey(p.cookie);
    // 8 at once: at most MAX_INGESTS_IN_FLIGHT per process (PGlite runs both writers in one).
    const batches = Array.from({ length: 8 }, () => Array.from({ length: 25 }, () => tsEvent()));
    const results = await Promise.all(batches.map((events, i) => postEvents(i % 2 ? b : a, i % 2 ? keyB : keyA, { events })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    await assertLinear(p.tenantId);
    const [c] = await a.deps.database.rows<{ n: string | number }>(
      sql`SELECT count(*) AS n FROM audit_chain_entries, unnest(event_ids) AS id WHERE tenant_id = ${p.tenantId}::uuid AND kind = 'events'`,
    );
    expect(Number(c!.n)).toBe(200);
    const r = await verify(a, p);
    expect(r.first_break).toBeNull();
    expect(r.checked.events).toBe(200);
  });

  it('a batch resent after an outage adds no entry for its duplicates', async () => {
    const p = await a.admin();
    const key = await a.apiKey(p.cookie);
    const events = Array.from({ length: 5 }, () => tsEvent());
    expect((await postEvents(a, key, { events })).statusCode).toBe(200);
    const before = await assertLinear(p.tenantId);
    const again = await postEvents(b, key, { events });
    expect(again.json()).toEqual({ accepted: 0, duplicates: 5 });
    expect(await assertLinear(p.tenantId)).toBe(before);
  });
});

import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { entrySeq, seedTenant, verify, type Seeded } from '../helpers/audit-fixtures.js';
import { createApproval, expire, timeoutJob } from '../helpers/approvals-fixtures.js';
import { entryHash, sha256Hex } from '../../src/modules/audit-chain/chain.hash.js';

/**
 * Tampering directly in the database (as an operator with SQL access could), one fresh tenant
 * per case: verification names each alteration: which row, and whether content changed, rows
 * were reordered, deleted or inserted.
 */
describe('audit chain: verification catches direct tampering', () => {
  let t: TestApp;
  const db = () => t.deps.database;
  beforeAll(async () => {
    t = await createTestApp({ env: { EDICTUM_RATE_LIMIT_MAX_ATTEMPTS: '1000' } });
  });
  afterAll(async () => t?.close());

  const fresh = async (): Promise<Seeded> => seedTenant(t, await t.otherTenant());

  it('an untouched chain verifies, covering events, approvals, the deploy, the key and a signed checkpoint', async () => {
    const s = await fresh();
    const r = await verify(t, s.p);
    expect(r.first_break).toBeNull();
    expect(r.ok).toBe(true);
    expect(r.checked.events).toBe(5);
    // key install, 2 event batches, 3 requests, 2 decisions, the deploy, and the 6 admin
    // activity rows of those admin actions (each chained in its own transaction)
    expect(r.checked.entries).toBe(15);
    expect(r.checked.source_rows).toBe(13);
    // The deploy signed a checkpoint of the head it made.
    expect(r.checked.checkpoints).toBe(1);
    expect(r.last_checkpoint?.seq).toBe(15);
  });

  it('UPDATE of an admin activity row (who did it) is named field by field', async () => {
    const s = await fresh();
    const [row] = await db().rows<{ id: string }>(sql`SELECT id FROM admin_activity WHERE tenant_id = ${s.p.tenantId}::uuid AND action = 'bundle.deploy'`);
    await db().rows(sql`UPDATE admin_activity SET actor = 'someone-else@example.com' WHERE id = ${row!.id}::uuid`);
    const r = await verify(t, s.p);
    expect(r.ok).toBe(false);
    expect(r.first_break).toMatchObject({ problem: 'content', table: 'admin_activity', row_id: row!.id, entry_kind: 'admin.activity', fields: ['actor'] });
  });

  it('DELETE of an admin activity row is named: deletion', async () => {
    const s = await fresh();
    const [row] = await db().rows<{ id: string }>(sql`SELECT id FROM admin_activity WHERE tenant_id = ${s.p.tenantId}::uuid AND action = 'bundle.deploy'`);
    await db().rows(sql`DELETE FROM admin_activity WHERE id = ${row!.id}::uuid`);
    expect((await verify(t, s.p)).first_break).toMatchObject({ problem: 'deletion', table: 'admin_activity', row_id: row!.id });
  });

  it('UPDATE of an event is named: content, the events row', async () => {
    const s = await fresh();
    const id = s.eventIds[2]!;
    await db().rows(sql`UPDATE events SET verdict = 'call_tampered' WHERE id = ${id}::uuid`);
    const r = await verify(t, s.p);
    expect(r.ok).toBe(false);
    expect(r.first_break).toMatchObject({ problem: 'content', table: 'events', row_id: id, entry_kind: 'events' });
  });

  it('UPDATE of an event payload (a nested value) is caught too', async () => {
    const s = await fresh();
    const id = s.eventIds[0]!;
    await db().rows(sql`UPDATE events SET payload = jsonb_set(payload, '{tool_args,path}', '"/etc/shadow"') WHERE id = ${id}::uuid`);
    expect((await verify(t, s.p)).first_break).toMatchObject({ problem: 'content', table: 'events', row_id: id });
  });

  it('DELETE of an event is named: deletion', async () => {
    const s = await fresh();
    const id = s.eventIds[1]!;
    await db().rows(sql`DELETE FROM events WHERE id = ${id}::uuid`);
    expect((await verify(t, s.p)).first_break).toMatchObject({ problem: 'deletion', table: 'events', row_id: id });
  });

  it('INSERT of an event that was never ingested is named: insertion', async () => {
    const s = await fresh();
    const id = randomUUID();
    await db().rows(
      sql`INSERT INTO events (id, tenant_id, env, call_id, agent_id, tool_name, verdict, mode, "timestamp", payload, dedup_hash)
          VALUES (${id}::uuid, ${s.p.tenantId}::uuid, 'production', 'forged', 'agent-a', 'read_file', 'call_allowed', 'enforce', now(), '{}'::jsonb, 'x')`,
    );
    const r = await verify(t, s.p);
    expect(r.first_break).toMatchObject({ problem: 'insertion', table: 'events', row_id: id });
  });

  it('UPDATE of who decided an approval is named field by field', async () => {
    const s = await fresh();
    const id = s.approvalIds[1]!;
    await db().rows(sql`UPDATE approvals SET decided_by = 'mallory@example.com' WHERE id = ${id}::uuid`);
    const r = await verify(t, s.p);
    expect(r.first_break).toMatchObject({ problem: 'content', table: 'approvals', row_id: id, entry_kind: 'approval.decided', fields: ['decided_by'] });
  });

  it('a decision written straight into a pending approval is an insertion (it was never chained)', async () => {
    const s = await fresh();
    const [pending] = await db().rows<{ id: string }>(sql`SELECT id FROM approvals WHERE tenant_id = ${s.p.tenantId}::uuid AND status = 'pending'`);
    await db().rows(sql`UPDATE approvals SET status = 'approved', decided_by = 'mallory', decided_at = now() WHERE id = ${pending!.id}::uuid`);
    const r = await verify(t, s.p);
    expect(r.problems).toContainEqual(expect.objectContaining({ problem: 'insertion', table: 'approvals', row_id: pending!.id }));
  });

  it('DELETE of an approval is named: deletion of its request', async () => {
    const s = await fresh();
    const id = s.approvalIds[0]!;
    await db().rows(sql`DELETE FROM approvals WHERE id = ${id}::uuid`);
    expect((await verify(t, s.p)).first_break).toMatchObject({ problem: 'deletion', table: 'approvals', row_id: id, entry_kind: 'approval.requested' });
  });

  it('UPDATE of a deployment (the version said to be in force) is named', async () => {
    const s = await fresh();
    await db().rows(sql`UPDATE deployments SET deployed_by = 'someone-else' WHERE id = ${s.deployId}::uuid`);
    expect((await verify(t, s.p)).first_break).toMatchObject({ problem: 'content', table: 'deployments', row_id: s.deployId, fields: ['deployed_by'] });
  });

  it('reordering chain entries (swapping two seqs) is named: order', async () => {
    const s = await fresh();
    const a = await entrySeq(t, s.p.tenantId, 'approval.requested');
    await db().rows(sql`UPDATE audit_chain_entries SET seq = -1 WHERE tenant_id = ${s.p.tenantId}::uuid AND seq = ${a}`);
    await db().rows(sql`UPDATE audit_chain_entries SET seq = ${a} WHERE tenant_id = ${s.p.tenantId}::uuid AND seq = ${a + 1}`);
    await db().rows(sql`UPDATE audit_chain_entries SET seq = ${a + 1} WHERE tenant_id = ${s.p.tenantId}::uuid AND seq = -1`);
    const r = await verify(t, s.p);
    expect(r.first_break).toMatchObject({ problem: 'order', seq: a, table: 'audit_chain_entries' });
  });

  it('DELETE of a chain entry is named: deletion, with its seq', async () => {
    const s = await fresh();
    const a = await entrySeq(t, s.p.tenantId, 'approval.decided');
    await db().rows(sql`DELETE FROM audit_chain_entries WHERE tenant_id = ${s.p.tenantId}::uuid AND seq = ${a}`);
    expect((await verify(t, s.p)).first_break).toMatchObject({ problem: 'deletion', seq: a, table: 'audit_chain_entries' });
  });

  it('UPDATE of a chain entry content is named: content, with its seq', async () => {
    const s = await fresh();
    const a = await entrySeq(t, s.p.tenantId, 'deploy');
    await db().rows(sql`UPDATE audit_chain_entries SET content = replace(content, 'production', 'staging') WHERE tenant_id = ${s.p.tenantId}::uuid AND seq = ${a}`);
    expect((await verify(t, s.p)).first_break).toMatchObject({ problem: 'content', seq: a, table: 'audit_chain_entries' });
  });

  it('INSERT of a well-formed entry into the middle of the chain is named: insertion', async () => {
    const s = await fresh();
    const a = await entrySeq(t, s.p.tenantId, 'approval.requested');
    const tenant = s.p.tenantId;
    await db().rows(sql`UPDATE audit_chain_entries SET seq = seq + 1000 WHERE tenant_id = ${tenant}::uuid AND seq >= ${a}`);
    await db().rows(sql`UPDATE audit_chain_entries SET seq = seq - 999 WHERE tenant_id = ${tenant}::uuid AND seq >= ${a + 1000}`);
    const [prev] = await db().rows<{ entry_hash: string }>(sql`SELECT entry_hash FROM audit_chain_entries WHERE tenant_id = ${tenant}::uuid AND seq = ${a - 1}`);
    const content = '{"forged":true}';
    const recordedAt = '2026-01-01T00:00:00.000000Z';
    const e = { tenantId: tenant, kind: 'approval.requested', refId: 'forged', recordedAt, contentHash: sha256Hex(content), prevHash: prev!.entry_hash };
    await db().rows(
      sql`INSERT INTO audit_chain_entries (tenant_id, seq, kind, ref_id, content, content_hash, prev_hash, entry_hash, recorded_at)
          VALUES (${tenant}::uuid, ${a}, ${e.kind}, ${e.refId}, ${content}, ${e.contentHash}, ${e.prevHash}, ${entryHash(e)}, ${recordedAt}::timestamptz)`,
    );
    expect((await verify(t, s.p)).first_break).toMatchObject({ problem: 'insertion', seq: a, table: 'audit_chain_entries' });
  });

  it('a chain rewritten with recomputed hashes contradicts the signed checkpoint', async () => {
    const s = await fresh();
    const tenant = s.p.tenantId;
    const a = await entrySeq(t, tenant, 'approval.decided');
    // Rewrite entry a's content and recompute every hash after it, as a careful forger would.
    const rows = await db().rows<{ seq: string; kind: string; ref_id: string; content: string; recorded_at: string; prev_hash: string }>(
      sql`SELECT seq, kind, ref_id, content, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at, prev_hash
          FROM audit_chain_entries WHERE tenant_id = ${tenant}::uuid AND seq >= ${a} ORDER BY seq`,
    );
    let prev = rows[0]!.prev_hash;
    for (const r of rows) {
      const content = Number(r.seq) === a ? r.content.replace(/"decided_by":"[^"]*"/, '"decided_by":"mallory"') : r.content;
      const e = { tenantId: tenant, kind: r.kind, refId: r.ref_id, recordedAt: r.recorded_at, contentHash: sha256Hex(content), prevHash: prev };
      const h = entryHash(e);
      await db().rows(sql`UPDATE audit_chain_entries SET content = ${content}, content_hash = ${e.contentHash}, prev_hash = ${prev}, entry_hash = ${h} WHERE tenant_id = ${tenant}::uuid AND seq = ${Number(r.seq)}`);
      prev = h;
    }
    await db().rows(sql`UPDATE approvals SET decided_by = 'mallory' WHERE id = ${s.approvalIds[0]!}::uuid`);
    await db().rows(sql`UPDATE audit_chain_heads SET head_hash = ${prev} WHERE tenant_id = ${tenant}::uuid`);
    const r = await verify(t, s.p);
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual(expect.objectContaining({ problem: 'checkpoint', table: 'audit_checkpoints' }));
  });

  it('a checkpoint whose signature was altered is named: signature', async () => {
    const s = await fresh();
    await db().rows(sql`UPDATE audit_checkpoints SET head_hash = ${'f'.repeat(64)} WHERE tenant_id = ${s.p.tenantId}::uuid`);
    expect((await verify(t, s.p)).first_break).toMatchObject({ problem: 'signature', table: 'audit_checkpoints' });
  });

  it('a retention purge is provable, not a deletion: the purged events are counted, the chain still verifies', async () => {
    const s = await fresh();
    // Everything stored so far is older than the cutoff: shift the clock instead of the rows.
    const res = await t.request({ method: 'DELETE', url: '/api/v1/settings/purge-events?older_than_days=1', cookie: s.p.cookie });
    expect(res.statusCode).toBe(200);
    // The rows are not old enough for a 1-day cutoff: nothing purged, still intact.
    expect((res.json() as { deleted_count: number }).deleted_count).toBe(0);
    const realNow = t.deps.now;
    t.deps.now = () => new Date(Date.now() + 2 * 86_400_000);
    try {
      const res2 = await t.request({ method: 'DELETE', url: '/api/v1/settings/purge-events?older_than_days=1', cookie: s.p.cookie });
      expect((res2.json() as { deleted_count: number }).deleted_count).toBe(5);
    } finally {
      t.deps.now = realNow;
    }
    const r = await verify(t, s.p);
    expect(r.first_break).toBeNull();
    expect(r.purged_events).toBe(5);
    // ...while deleting without the chained purge would have been named.
    const [purge] = await db().rows<{ seq: string }>(sql`SELECT seq FROM audit_chain_entries WHERE tenant_id = ${s.p.tenantId}::uuid AND kind = 'events.purged' AND content LIKE '%"deleted_count":5%'`);
    await db().rows(sql`DELETE FROM audit_chain_entries WHERE tenant_id = ${s.p.tenantId}::uuid AND seq = ${Number(purge!.seq)}`);
    const broken = await verify(t, s.p);
    expect(broken.problems).toContainEqual(expect.objectContaining({ problem: 'deletion', table: 'events' }));
  });

  it('approvals expired by the timeout worker are chained as decisions, in one batch per tenant', async () => {
    const s = await fresh();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await createApproval(t, s.key, {}, `agent-exp-${i}`);
      await expire(t, a.id);
      ids.push(a.id);
    }
    await timeoutJob(t).run();
    const rows = await db().rows<{ ref_id: string; content: string }>(
      sql`SELECT ref_id, content FROM audit_chain_entries WHERE tenant_id = ${s.p.tenantId}::uuid AND kind = 'approval.decided' AND ref_id IN (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`,
    );
    expect(rows.map((r) => r.ref_id).sort()).toEqual([...ids].sort());
    expect(rows.every((r) => (JSON.parse(r.content) as { status: string; decided_via: string }).status === 'timeout')).toBe(true);
    const r = await verify(t, s.p);
    expect(r.first_break).toBeNull();
  });

  it('names from/until when they are not date-times or out of order', async () => {
    const s = await fresh();
    const bad = await t.request({ method: 'GET', url: '/api/v1/audit/verify?from=yesterday', cookie: s.p.cookie });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('from');
    const order = await t.request({ method: 'GET', url: '/api/v1/audit/verify?from=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z', cookie: s.p.cookie });
    expect(order.statusCode).toBe(422);
    expect(order.body).toContain('until');
  });
});

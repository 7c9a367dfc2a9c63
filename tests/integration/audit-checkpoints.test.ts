import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointMessage } from '../../src/modules/audit-chain/chain.hash.js';
import { fromHex, verifyDetached } from '../../src/platform/crypto.js';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { postEvents, tsEvent } from '../helpers/events-fixtures.js';
import { verify } from '../helpers/audit-fixtures.js';

interface Cp {
  seq: number;
  head_hash: string;
  signed_at: string;
  public_key: string;
  signature: string;
  reason: string;
}

describe('audit chain: signed checkpoints', () => {
  let t: TestApp;
  let admin: Principal;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { EDICTUM_AUDIT_CHECKPOINT_MINUTES: '5' } });
    admin = await t.admin();
    key = await t.apiKey(admin.cookie);
  });
  afterAll(async () => t?.close());

  const checkpoints = () =>
    t.deps.database.rows<Cp>(
      sql`SELECT seq::float8 AS seq, head_hash, to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS signed_at, public_key, signature, reason
          FROM audit_checkpoints WHERE tenant_id = ${admin.tenantId}::uuid ORDER BY seq`,
    );
  const job = () => t.jobs.find((j) => j.name === 'audit-checkpoint')!;

  it('the leader job runs every configured interval and signs the head of each chain that grew', async () => {
    expect(job()).toMatchObject({ intervalMs: 5 * 60_000, leaderOnly: true });
    await postEvents(t, key, { events: [tsEvent(), tsEvent()] });
    const before = (await checkpoints()).length;
    await job().run();
    const after = await checkpoints();
    expect(after.length).toBe(before + 1);
    const cp = after[after.length - 1]!;
    const [head] = await t.deps.database.rows<{ seq: string | number; head_hash: string }>(sql`SELECT seq, head_hash FROM audit_chain_heads WHERE tenant_id = ${admin.tenantId}::uuid`);
    expect(cp).toMatchObject({ seq: Number(head!.seq), head_hash: head!.head_hash, reason: 'periodic' });
    const message = new TextEncoder().encode(checkpointMessage({ tenantId: admin.tenantId, seq: cp.seq, headHash: cp.head_hash, signedAt: cp.signed_at }));
    expect(verifyDetached(fromHex(cp.public_key), message, new Uint8Array(Buffer.from(cp.signature, 'base64')))).toBe(true);
    // Nothing new: no second checkpoint of the same head.
    await job().run();
    expect((await checkpoints()).length).toBe(after.length);
  });

  it('after a key rotation (itself chained) old checkpoints still verify and new ones use the new key', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/settings/rotate-signing-key', cookie: admin.cookie });
    expect(res.statusCode, res.body).toBe(201);
    const newKey = (res.json() as { public_key: string }).public_key;
    const [entry] = await t.deps.database.rows<{ content: string }>(
      sql`SELECT content FROM audit_chain_entries WHERE tenant_id = ${admin.tenantId}::uuid AND kind = 'signing_key.installed' ORDER BY seq DESC LIMIT 1`,
    );
    expect(JSON.parse(entry!.content)).toMatchObject({ public_key: newKey });
    await job().run();
    const cps = await checkpoints();
    expect(cps[cps.length - 1]!.public_key).toBe(newKey);
    expect(new Set(cps.map((c) => c.public_key)).size).toBe(2);
    const r = await verify(t, admin);
    expect(r.first_break).toBeNull();
    expect(r.checked.checkpoints).toBe(cps.length);
  });
});

import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { TestApp, Principal } from './test-app.js';
import { postEvents, pyEvent, tsEvent } from './events-fixtures.js';
import { createApproval } from './approvals-fixtures.js';
import { bundleYaml, deploy, upload } from '../routes/bundles-helpers.js';

/** A tenant with a chain holding events (both SDK shapes, awkward payloads), approvals and a deploy. */
export interface Seeded {
  p: Principal;
  key: string;
  eventIds: string[];
  approvalIds: string[];
  deployId: string;
  bundle: string;
}

let n = 0;

export async function seedTenant(t: TestApp, p: Principal): Promise<Seeded> {
  const key = await t.apiKey(p.cookie, 'production');
  const weird = { num: 1.0, big: 1e21, neg: -0, tiny: 0.1 + 0.2, 'ключ': 'значение', nested: { b: [1, 'two', null, true], a: 'x' }, emoji: '😀' };
  const batch1 = [tsEvent({ agent_id: 'agent-a' }), pyEvent({ agent_id: 'agent-b' }), tsEvent({ agent_id: 'agent-a', verdict: 'call_denied', payload: { ...tsEvent().payload!, decision_name: 'no-prod-writes', extra: weird } })];
  const batch2 = [pyEvent({ agent_id: 'agent-b', payload: null }), tsEvent({ agent_id: 'agent-a' })];
  for (const b of [batch1, batch2]) {
    const res = await postEvents(t, key, { events: b });
    expect(res.statusCode, res.body).toBe(200);
  }
  const a1 = await createApproval(t, key, { contract_name: 'needs-review' }, 'agent-a');
  const a2 = await createApproval(t, key, { contract_name: 'needs-review' }, 'agent-b');
  await createApproval(t, key, {}, 'agent-a'); // left pending
  for (const [id, approved] of [[a1.id, true], [a2.id, false]] as const) {
    const res = await t.request({ method: 'PUT', url: `/api/v1/approvals/${id}`, cookie: p.cookie, payload: { approved, reason: approved ? 'ok <b>fine</b>' : 'not on a Friday' } });
    expect(res.statusCode, res.body).toBe(200);
  }
  const bundle = `audit-${process.pid}-${++n}`;
  await upload(t, p.cookie, bundleYaml(bundle));
  const d = await deploy(t, p.cookie, bundle, 1, 'production');
  const ids = await t.deps.database.rows<{ id: string }>(sql`SELECT id FROM events WHERE tenant_id = ${p.tenantId}::uuid ORDER BY created_at, id`);
  return { p, key, eventIds: ids.map((r) => r.id), approvalIds: [a1.id, a2.id], deployId: d.id, bundle };
}

export interface Report {
  ok: boolean;
  checked: { entries: number; events: number; source_rows: number; checkpoints: number };
  purged_events: number;
  first_break: { problem: string; seq: number | null; table: string; row_id: string | null; entry_kind: string | null; detail: string; fields?: string[] } | null;
  problems: { problem: string; table: string; row_id: string | null }[];
  last_checkpoint: { seq: number } | null;
}

export async function verify(t: TestApp, p: Principal, qs = ''): Promise<Report> {
  const res = await t.request({ method: 'GET', url: `/api/v1/audit/verify${qs}`, cookie: p.cookie });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Report;
}

export async function entrySeq(t: TestApp, tenantId: string, kind: string, refId = ''): Promise<number> {
  const [r] = await t.deps.database.rows<{ seq: string | number }>(
    sql`SELECT seq FROM audit_chain_entries WHERE tenant_id = ${tenantId}::uuid AND kind = ${kind} AND (${refId} = '' OR ref_id = ${refId}) ORDER BY seq LIMIT 1`,
  );
  return Number(r!.seq);
}

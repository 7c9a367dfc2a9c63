import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { seedTenant, type Seeded } from '../helpers/audit-fixtures.js';
import { postEvents, tsEvent } from '../helpers/events-fixtures.js';

const run = promisify(execFile);

async function unzip(buf: Buffer): Promise<Map<string, string>> {
  const zip = await new Promise<yauzl.ZipFile>((res, rej) => yauzl.fromBuffer(buf, { lazyEntries: true }, (e, z) => (e ? rej(e) : res(z))));
  const files = new Map<string, string>();
  await new Promise<void>((res, rej) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (e, stream) => {
        if (e) return rej(e);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          files.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
          zip.readEntry();
        });
      });
    });
    zip.on('end', () => res());
    zip.on('error', rej);
    zip.readEntry();
  });
  return files;
}

async function rezip(files: Map<string, string>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, text] of files) z.addBuffer(Buffer.from(text, 'utf8'), name);
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

interface OfflineReport {
  ok: boolean;
  checked: { entries: number; checkpoints: number; events: number; approvals: number; deploys: number; bundles: number };
  signed_to_end: boolean;
  first_break: { problem: string; file: string; row: string | null; detail: string } | null;
}

describe('evidence pack and the offline verifier', () => {
  let t: TestApp;
  let s: Seeded;
  let dir: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { EDICTUM_RATE_LIMIT_MAX_ATTEMPTS: '1000' } });
    s = await seedTenant(t, await t.admin());
    // A contract name that would be markup if the summary did not escape it.
    const ev = tsEvent({ agent_id: 'agent-a', verdict: 'call_denied' });
    ev.payload = { ...ev.payload!, decision_name: '<img src=x onerror=alert(1)>' };
    expect((await postEvents(t, s.key, { events: [ev] })).statusCode).toBe(200);
    dir = mkdtempSync(join(tmpdir(), 'edictum-pack-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const pack = async (p: Principal, qs = '') => t.request({ method: 'GET', url: `/api/v1/audit/evidence${qs}`, cookie: p.cookie });
  let n = 0;
  const offline = async (buf: Buffer, ...args: string[]): Promise<{ code: number; report: OfflineReport; text: string }> => {
    const file = join(dir, `pack-${++n}.zip`);
    writeFileSync(file, buf);
    const json = await run(process.execPath, ['scripts/verify-evidence.mjs', file, '--json', ...args]).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    const text = await run(process.execPath, ['scripts/verify-evidence.mjs', file, ...args]).then(
      (r) => r.stdout,
      (e: { stdout: string }) => e.stdout,
    );
    return { code: json.code, report: JSON.parse(json.out) as OfflineReport, text };
  };

  it('only an admin session may download a pack', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v1/audit/evidence' })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v1/audit/evidence', apiKey: s.key })).statusCode).toBe(403);
    const member = await t.member();
    expect((await pack(member)).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/v1/audit/verify', cookie: member.cookie })).statusCode).toBe(403);
  });

  it('streams one zip with every part, which verifies offline with only the public key', async () => {
    const res = await pack(s.p);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(String(res.headers['content-disposition'])).toMatch(/^attachment; filename="evidence-.*\.zip"$/);
    const files = await unzip(res.rawPayload);
    expect([...files.keys()].sort()).toEqual(
      ['admin_activity.jsonl', 'approvals.jsonl', 'bundles.jsonl', 'chain.jsonl', 'checkpoints.json', 'deploys.jsonl', 'events.jsonl', 'manifest.json', 'public_keys.json', 'rollout_steps.jsonl', 'summary.html', 'verification.json'].sort(),
    );
    expect(files.get('events.jsonl')!.trim().split('\n')).toHaveLength(6);
    // Admin actions, each as the chain committed to it, with its entry in chain.jsonl.
    const activity = files.get('admin_activity.jsonl')!.trim().split('\n').map((l) => JSON.parse(l) as { activity: { id: string; action: string; actor: string }; seq: number | null });
    const deployRow = activity.find((a) => a.activity.action === 'bundle.deploy');
    expect(deployRow?.activity.actor).toBe(s.p.email);
    const chained = files.get('chain.jsonl')!.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; kind: string; ref_id: string; content: string });
    const entry = chained.find((e) => e.seq === deployRow?.seq);
    expect(entry).toMatchObject({ kind: 'admin.activity', ref_id: deployRow!.activity.id });
    expect(JSON.parse(entry!.content)).toEqual(deployRow!.activity);
    const approvals = files.get('approvals.jsonl')!.trim().split('\n').map((l) => JSON.parse(l) as { requested: { id: string }; decided: { decided_by: string; decided_via: string; decision_reason: string } | null });
    const denied = approvals.find((a) => a.requested.id === s.approvalIds[1]);
    expect(denied?.decided).toMatchObject({ decided_by: s.p.email, decided_via: 'console', decision_reason: 'not on a Friday' });
    expect(JSON.parse(files.get('verification.json')!)).toMatchObject({ ok: true });
    const bundles = files.get('bundles.jsonl')!.trim().split('\n').map((l) => JSON.parse(l) as { name: string });
    expect(bundles.map((b) => b.name)).toEqual([s.bundle]);

    const key = (await t.request({ method: 'GET', url: '/api/v1/settings/signing-key', cookie: s.p.cookie })).json() as { public_key: string };
    const good = await offline(res.rawPayload, '--key', key.public_key);
    expect(good.report.first_break).toBeNull();
    expect(good.code).toBe(0);
    expect(good.report.signed_to_end).toBe(true);
    expect(good.report.checked).toMatchObject({ events: 6, approvals: 3, deploys: 1, bundles: 1 });
    expect(good.text).toMatch(/^INTACT: /);
    // Pinned to a key that is not the tenant's: nothing is signed by it.
    const wrong = await offline(res.rawPayload, '--key', 'ab'.repeat(32));
    expect(wrong.code).toBe(1);
    expect(wrong.report.first_break?.problem).toBe('signature');
  });

  it('the summary counts the oversight record and escapes what agents sent', async () => {
    const files = await unzip((await pack(s.p)).rawPayload);
    const html = files.get('summary.html')!;
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).toMatch(/Calls that needed human approval<\/td><td class="n">3</);
    expect(html).toMatch(/Tool calls recorded \(events\)<\/td><td class="n">6</);
    expect(html).toContain(s.p.email.replace('@', '@'));
    expect(html).toContain('no-prod-writes');
  });

  it('a tampered event in the pack is named by the offline verifier', async () => {
    const files = await unzip((await pack(s.p)).rawPayload);
    const lines = files.get('events.jsonl')!.trim().split('\n');
    const ev = JSON.parse(lines[0]!) as { id: string; verdict: string };
    ev.verdict = 'call_allowed_after_all';
    lines[0] = JSON.stringify(ev);
    files.set('events.jsonl', `${lines.join('\n')}\n`);
    const out = await offline(await rezip(files));
    expect(out.code).toBe(1);
    expect(out.report.first_break).toMatchObject({ problem: 'content', file: 'events.jsonl', row: ev.id });
    expect(out.text).toContain(`BROKEN: content in events.jsonl row ${ev.id}`);
  });

  it('an event dropped from the pack, or a chain entry removed, is named', async () => {
    const files = await unzip((await pack(s.p)).rawPayload);
    const lines = files.get('events.jsonl')!.trim().split('\n');
    const dropped = (JSON.parse(lines[1]!) as { id: string }).id;
    const missingEvent = new Map(files);
    missingEvent.set('events.jsonl', `${lines.filter((_, i) => i !== 1).join('\n')}\n`);
    expect((await offline(await rezip(missingEvent))).report.first_break).toMatchObject({ problem: 'deletion', file: 'events.jsonl', row: dropped });

    const chain = files.get('chain.jsonl')!.trim().split('\n');
    const removed = (JSON.parse(chain[3]!) as { seq: number }).seq;
    const missingEntry = new Map(files);
    missingEntry.set('chain.jsonl', `${chain.filter((_, i) => i !== 3).join('\n')}\n`);
    const out = await offline(await rezip(missingEntry));
    expect(out.report.first_break).toMatchObject({ problem: 'deletion', file: 'chain.jsonl', row: String(removed) });
  });

  it('an approval decision edited in the pack is named', async () => {
    const files = await unzip((await pack(s.p)).rawPayload);
    const lines = files.get('approvals.jsonl')!.trim().split('\n').map((l) => JSON.parse(l) as { requested: { id: string }; decided: Record<string, unknown> | null });
    const i = lines.findIndex((a) => a.decided !== null);
    lines[i]!.decided!.decided_by = 'someone-else@example.com';
    files.set('approvals.jsonl', `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    expect((await offline(await rezip(files))).report.first_break).toMatchObject({ problem: 'content', file: 'approvals.jsonl', row: lines[i]!.requested.id });
  });

  it('filters by agent and by bundle; the export itself is on the chain, with who and when', async () => {
    const res = await pack(s.p, '?agent=agent-b');
    const files = await unzip(res.rawPayload);
    const events = files.get('events.jsonl')!.trim().split('\n').map((l) => JSON.parse(l) as { agent_id: string });
    expect(events.length).toBe(2);
    expect(events.every((e) => e.agent_id === 'agent-b')).toBe(true);
    expect((await offline(res.rawPayload)).report.ok).toBe(true);
    const byBundle = await unzip((await pack(s.p, `?bundle=${s.bundle}`)).rawPayload);
    expect(byBundle.get('deploys.jsonl')!.trim().split('\n')).toHaveLength(1);
    const logged = await t.deps.database.rows<{ content: string }>(
      sql`SELECT content FROM audit_chain_entries WHERE tenant_id = ${s.p.tenantId}::uuid AND kind = 'evidence.exported' ORDER BY seq DESC LIMIT 1`,
    );
    expect(JSON.parse(logged[0]!.content)).toMatchObject({ bundle: s.bundle, exported_by: s.p.email });
  });

  it("another tenant's pack holds none of this tenant's rows", async () => {
    const other = await t.otherTenant();
    const files = await unzip((await pack(other)).rawPayload);
    expect(files.get('events.jsonl')).toBe('');
    expect(files.get('approvals.jsonl')).toBe('');
    expect(files.get('chain.jsonl')).not.toContain(s.p.tenantId);
    for (const id of s.eventIds) expect(files.get('chain.jsonl')).not.toContain(id);
    const v = (await t.request({ method: 'GET', url: '/api/v1/audit/verify', cookie: other.cookie })).json() as { checked: { events: number } };
    expect(v.checked.events).toBe(0);
  });

  it('names agent and bundle when they are empty or too long', async () => {
    const r1 = await pack(s.p, '?agent=');
    expect(r1.statusCode).toBe(422);
    expect(r1.body).toContain('agent');
    const r2 = await pack(s.p, `?bundle=${'b'.repeat(200)}`);
    expect(r2.statusCode).toBe(422);
    expect(r2.body).toContain('bundle');
  });
});

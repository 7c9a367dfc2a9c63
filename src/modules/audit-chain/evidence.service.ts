import { PassThrough, type Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import yazl from 'yazl';
import type { AppContext } from '../../context.js';
import type { Principal } from '../../platform/auth.js';
import { fieldError, tooManyRequests } from '../../platform/errors.js';
import { appendChain, approvalDecidedContent, approvalRequestedContent, deployContent } from './chain.append.js';
import { chainRepository } from './chain.repository.js';
import type { Checkpointer } from './checkpoint.service.js';
import { activityPage, approvalsPage, bundlesInForce, countEvents, deploysInRange, eventsPage, rolloutStepsInRange, type PackScope } from './evidence.queries.js';
import { activityContent } from '../activity/activity.service.js';
import { summaryHtml, SummaryTally } from './evidence.summary.js';
import type { Verifier } from './verify.service.js';

/** Largest number of events one pack may hold; a wider range is a 422 naming `from`. */
export const MAX_PACK_EVENTS = 1_000_000;
/** Packs built at once per process: each holds a database connection busy for its duration. */
const MAX_PACKS_IN_FLIGHT = 2;
const PAGE = 1000;
export const PACK_FORMAT = 'edictum-evidence/v1';

type Session = Extract<Principal, { kind: 'session' }>;

/**
 * The evidence pack: one zip, streamed. Files (docs/audit.md "Evidence pack"):
 * manifest.json, events.jsonl, approvals.jsonl, deploys.jsonl, bundles.jsonl, admin_activity.jsonl,
 * rollout_steps.jsonl, chain.jsonl,
 * checkpoints.json, public_keys.json, verification.json, summary.html.
 * Each file is produced page by page into its zip entry (yazl compresses entries one after the
 * other, so a file is written only while it is the one being read): memory stays flat.
 */
export function createEvidenceService(ctx: AppContext, checkpointer: Checkpointer, verifier: Verifier) {
  const { database } = ctx.deps;
  const { db } = database;
  let inFlight = 0;

  return {
    async open(p: Session, opts: { from: string; until: string; agent: string | null; bundle: string | null }): Promise<Readable> {
      const scope: PackScope = { tenantId: p.tenantId, ...opts };
      const n = await countEvents(db, scope);
      if (n > MAX_PACK_EVENTS) throw fieldError(['query', 'from'], `the range holds ${n} events, more than the ${MAX_PACK_EVENTS} one pack may hold; choose a shorter range`);
      if (inFlight >= MAX_PACKS_IN_FLIGHT) throw tooManyRequests('Evidence packs are being built; try again shortly.', 5, 'audit.busy');
      inFlight++;
      try {
        const generatedAt = ctx.deps.now().toISOString();
        // The export is itself on the chain (who, when, what range), before the checkpoint below.
        await db.transaction((tx) =>
          appendChain(tx, p.tenantId, {
            kind: 'evidence.exported',
            refId: '',
            content: { from: opts.from, until: opts.until, agent: opts.agent, bundle: opts.bundle, exported_by: p.email, exported_at: generatedAt },
          }),
        );
        const range = await chainRepository.seqRange(db, p.tenantId, opts.from, opts.until);
        // The segment ends at a signed checkpoint: the first one at or after the range's last
        // entry, or one made now (which also signs the export's own entry).
        let end = range ? (await chainRepository.checkpoints(db, p.tenantId, range.last, Number.MAX_SAFE_INTEGER))[0]?.seq : undefined;
        if (range && end === undefined) end = (await checkpointer.checkpoint(p.tenantId, 'manual'))?.seq;
        const report = await verifier.verify(p.tenantId, opts.from, opts.until);
        const out = new PassThrough();
        void build(out, p, scope, range ? { first: range.first, end: end ?? range.last } : null, report, generatedAt)
          .catch((err: unknown) => {
            ctx.deps.logger.error({ err, tenantId: p.tenantId }, 'evidence pack failed mid-stream');
            out.destroy(err instanceof Error ? err : new Error(String(err)));
          })
          .finally(() => inFlight--);
        return out;
      } catch (err) {
        inFlight--;
        throw err;
      }
    },
  };

  async function build(out: PassThrough, p: Session, s: PackScope, seg: { first: number; end: number } | null, report: unknown, generatedAt: string): Promise<void> {
    const zip = new yazl.ZipFile();
    zip.outputStream.pipe(out);
    let closed = false;
    out.on('close', () => (closed = true));
    const mtime = new Date(generatedAt);

    async function file(name: string, chunks: AsyncIterable<string> | Iterable<string>): Promise<void> {
      const entry = new PassThrough();
      zip.addReadStream(entry, name, { mtime });
      for await (const c of chunks) {
        if (closed) throw new Error('client went away');
        if (!entry.write(c)) await new Promise<void>((resolve) => {
          entry.once('drain', resolve);
          out.once('close', resolve);
        });
      }
      entry.end();
    }

    const tally = new SummaryTally();
    const [tenant] = await database.rows<{ name: string }>(sqlTenant(p.tenantId));
    const manifest = {
      format: PACK_FORMAT,
      tenant_id: p.tenantId,
      tenant_name: tenant?.name ?? '',
      from: s.from,
      until: s.until,
      filters: { agent: s.agent, bundle: s.bundle },
      // Without filters every event the chain lists in range is in events.jsonl (or was purged).
      complete: s.agent === null && s.bundle === null,
      generated_at: generatedAt,
      generated_by: p.email,
      chain: seg ? { first_seq: seg.first, last_seq: seg.end } : null,
    };
    await file('manifest.json', [JSON.stringify(manifest, null, 2)]);

    await file('events.jsonl', (async function* () {
      for (let after: string | null = null; ; ) {
        const rows = await eventsPage(db, s, after, PAGE);
        if (rows.length === 0) return;
        let chunk = '';
        for (const r of rows) {
          tally.event(r.verdict, r.decisionName);
          chunk += `${JSON.stringify({ id: r.id, env: r.env, call_id: r.callId, agent_id: r.agentId, tool_name: r.toolName, verdict: r.verdict, mode: r.mode, timestamp: r.timestamp, payload: r.payload ?? null, created_at: r.createdAt })}\n`;
        }
        yield chunk;
        after = rows[rows.length - 1]!.id;
      }
    })());

    await file('approvals.jsonl', (async function* () {
      for (let after: string | null = null; ; ) {
        const rows = await approvalsPage(db, s, after, PAGE);
        if (rows.length === 0) return;
        let chunk = '';
        for (const { row, requestSeq, decisionSeq } of rows) {
          tally.approval({ status: row.status, decidedBy: row.decidedBy, decidedVia: row.decidedVia, contractName: row.contractName, createdAt: row.createdAt, decidedAt: row.decidedAt });
          const decided = row.status === 'pending' ? null : approvalDecidedContent(row);
          chunk += `${JSON.stringify({ requested: approvalRequestedContent(row), decided, request_seq: requestSeq === null ? null : Number(requestSeq), decision_seq: decisionSeq === null ? null : Number(decisionSeq) })}\n`;
        }
        yield chunk;
        after = rows[rows.length - 1]!.row.id;
      }
    })());

    const deploys = await deploysInRange(db, s);
    tally.deploys = deploys.length;
    await file('deploys.jsonl', deploys.map((d) => `${JSON.stringify({ deploy: deployContent(d.row, d.revisionHash ?? ''), seq: d.seq === null ? null : Number(d.seq) })}\n`));
    await file('bundles.jsonl', (await bundlesInForce(db, s)).map((b) => `${JSON.stringify(b)}\n`));
    // Who changed what (logins, keys, uploads, deploys, rules, channels, library edits, break-glass,
    // canary steps): each row as the chain committed to it (activityContent) and its entry's seq.
    await file('admin_activity.jsonl', (async function* () {
      for (let after: { at: Date; id: string } | null = null; ; ) {
        const rows = await activityPage(db, s, after, PAGE);
        if (rows.length === 0) return;
        yield rows.map((r) => `${JSON.stringify({ activity: activityContent(r.row), seq: r.seq === null ? null : Number(r.seq) })}\n`).join('');
        const last = rows[rows.length - 1]!.row;
        after = { at: last.at, id: last.id };
      }
    })());
    await file(
      'rollout_steps.jsonl',
      (await rolloutStepsInRange(db, s)).map(
        (r) =>
          `${JSON.stringify({ rollout: r.rollout, step: { action: r.step.action, percent: r.step.percent, actor: r.step.actor, reason: r.step.reason, metrics: r.step.metrics, at: r.step.createdAt.toISOString() } })}\n`,
      ),
    );

    await file('chain.jsonl', (async function* () {
      if (!seg) return;
      // One entry before the range anchors its first link.
      for (let after = Math.max(0, seg.first - 2); after < seg.end; ) {
        const rows = await chainRepository.page(db, s.tenantId, after, seg.end, 500);
        if (rows.length === 0) return;
        yield rows
          .map((e) => `${JSON.stringify({ seq: e.seq, kind: e.kind, ref_id: e.refId, content: e.content, content_hash: e.contentHash, prev_hash: e.prevHash, entry_hash: e.entryHash, recorded_at: e.recordedAt, event_ids: e.eventIds, leaf_hashes: e.leafHashes })}\n`)
          .join('');
        after = rows[rows.length - 1]!.seq;
      }
    })());
    const cps = seg ? await chainRepository.checkpoints(db, s.tenantId, Math.max(0, seg.first - 1), seg.end) : [];
    await file('checkpoints.json', [JSON.stringify(cps.map((c) => ({ seq: c.seq, head_hash: c.headHash, signed_at: c.signedAt, reason: c.reason, key_id: c.keyId, public_key: c.publicKey, signature: c.signature })), null, 2)]);
    await file('public_keys.json', [JSON.stringify(await chainRepository.publicKeys(db, s.tenantId), null, 2)]);
    await file('verification.json', [JSON.stringify(report, null, 2)]);
    const verdict = report as { ok: boolean; first_break: { detail: string } | null };
    await file('summary.html', [
      summaryHtml(tally, {
        tenant: manifest.tenant_name,
        from: s.from,
        until: s.until,
        agent: s.agent,
        bundle: s.bundle,
        generatedAt,
        generatedBy: p.email,
        chain: seg ? `entries ${seg.first} to ${seg.end}, ${cps.length} signed checkpoint(s)` : 'no entries in range',
        verification: verdict.ok ? 'intact' : `BROKEN: ${verdict.first_break?.detail ?? ''}`,
      }),
    ]);
    zip.end();
  }
}

function sqlTenant(tenantId: string) {
  return sql`SELECT name FROM tenants WHERE id = ${tenantId}::uuid`;
}

export type EvidenceService = ReturnType<typeof createEvidenceService>;

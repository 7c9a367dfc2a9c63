import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { createSafeFetch, type OutboundRequestInit, type OutboundResponse } from '../../platform/ssrf-safe-fetch.js';
import type { Job } from '../../workers/scheduler.js';
import { VERSION } from '../health/health.routes.js';
import { chainRepository, type ChainEntryRow } from './chain.repository.js';
import { eventsByIds, type EventRecord } from './verify.sources.js';

/** Log records per OTLP request (collectors commonly cap a request at a few MB). */
export const OTLP_MAX_RECORDS = 1000;
const SINK = 'otlp';

type Attr = { key: string; value: { stringValue: string } | { intValue: string } };
const str = (key: string, v: string | null): Attr[] => (v === null ? [] : [{ key, value: { stringValue: v } }]);
const int = (key: string, v: number): Attr => ({ key, value: { intValue: String(v) } });
const nanos = (iso: string) => `${BigInt(Date.parse(iso)) * 1_000_000n + BigInt(Number(iso.slice(23, 26) || '0')) * 1000n}`;

/** One OTLP LogRecord per event, and one per other chain entry (approvals, deploys, keys, purges...). */
export function toLogRecords(entry: ChainEntryRow, events: Map<string, EventRecord>): unknown[] {
  const common = [int('edictum.chain.seq', entry.seq), ...str('edictum.chain.entry_hash', entry.entryHash), ...str('edictum.kind', entry.kind)];
  if (entry.kind !== 'events') {
    return [
      {
        timeUnixNano: nanos(entry.recordedAt),
        observedTimeUnixNano: nanos(entry.recordedAt),
        severityNumber: 9,
        severityText: 'INFO',
        eventName: `edictum.${entry.kind}`,
        body: { stringValue: entry.content },
        attributes: [...common, ...str('edictum.ref_id', entry.refId), ...str('edictum.record_id', `${entry.seq}`)],
      },
    ];
  }
  const out: unknown[] = [];
  (entry.eventIds ?? []).forEach((id, i) => {
    const e = events.get(id);
    if (!e) return; // purged since: its leaf stays in the chain, its content is gone
    out.push({
      timeUnixNano: nanos(e.timestamp),
      observedTimeUnixNano: nanos(entry.recordedAt),
      severityNumber: e.verdict === 'call_denied' ? 13 : 9,
      severityText: e.verdict === 'call_denied' ? 'WARN' : 'INFO',
      eventName: 'edictum.audit_event',
      body: { stringValue: JSON.stringify({ id: e.id, call_id: e.callId, agent_id: e.agentId, tool_name: e.toolName, verdict: e.verdict, mode: e.mode, env: e.env, timestamp: e.timestamp, payload: e.payload ?? null }) },
      attributes: [
        ...common,
        ...str('edictum.record_id', `${entry.seq}:${i}`),
        ...str('edictum.event.id', e.id),
        ...str('edictum.agent_id', e.agentId),
        ...str('edictum.tool_name', e.toolName),
        ...str('edictum.verdict', e.verdict),
        ...str('edictum.env', e.env),
        ...str('edictum.decision_name', e.decisionName),
      ],
    });
  });
  return out;
}

/**
 * Continuous export of each tenant's audit log to an OpenTelemetry collector (OTLP/HTTP, JSON
 * encoding, POST {url} with `resourceLogs`), through the SSRF-checked outbound client. The
 * cursor is the chain seq last delivered, stored per tenant: it advances only after the
 * collector answered 2xx, and chain order is commit order, so nothing is skipped. A crash
 * between the 2xx and the cursor update resends that one request: every record carries
 * `edictum.record_id` (seq[:index]) so a collector can drop the repeat.
 */
export function createOtlpExporter(ctx: AppContext, url: string, fetch?: (url: string, init?: OutboundRequestInit) => Promise<OutboundResponse>) {
  const { database, config, logger } = ctx.deps;
  const send = fetch ?? createSafeFetch({ allow: config.outbound.allow, timeoutMs: config.outbound.timeoutMs, maxResponseBytes: 64 * 1024 });

  async function cursor(tenantId: string): Promise<number> {
    const [r] = await database.rows<{ last_seq: string | number }>(
      sql`SELECT last_seq FROM audit_export_cursors WHERE tenant_id = ${tenantId}::uuid AND sink = ${SINK}`,
    );
    return r ? Number(r.last_seq) : 0;
  }

  /** One request for one tenant; returns how many entries it delivered (0: caught up). */
  async function step(tenantId: string): Promise<number> {
    const after = await cursor(tenantId);
    const head = await chainRepository.head(database.db, tenantId);
    if (!head || head.seq <= after) return 0;
    const entries = await chainRepository.page(database.db, tenantId, after, head.seq, 200);
    const batch: ChainEntryRow[] = [];
    let records = 0;
    for (const e of entries) {
      const n = e.kind === 'events' ? (e.eventIds?.length ?? 0) : 1;
      if (batch.length > 0 && records + n > OTLP_MAX_RECORDS) break;
      batch.push(e);
      records += n;
    }
    const ids = batch.flatMap((e) => e.eventIds ?? []);
    const events = new Map((await eventsByIds(database.db, tenantId, ids)).map((r) => [r.id, r]));
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [...str('service.name', 'edictum-console'), ...str('service.version', VERSION), ...str('edictum.tenant_id', tenantId)] },
          scopeLogs: [{ scope: { name: 'edictum.audit', version: '1' }, logRecords: batch.flatMap((e) => toLogRecords(e, events)) }],
        },
      ],
    };
    const res = await send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status < 200 || res.status >= 300) throw new Error(`OTLP collector answered ${res.status}`);
    const last = batch[batch.length - 1]!.seq;
    await database.rows(
      sql`INSERT INTO audit_export_cursors (tenant_id, sink, last_seq, updated_at) VALUES (${tenantId}::uuid, ${SINK}, ${last}, now())
          ON CONFLICT (tenant_id, sink) DO UPDATE SET last_seq = GREATEST(audit_export_cursors.last_seq, EXCLUDED.last_seq), updated_at = now()`,
    );
    return batch.length;
  }

  return {
    step,
    cursor,
    /** Deliver everything pending, tenant by tenant; a failing collector stops the pass (retried next run). */
    async runOnce(): Promise<void> {
      const tenants = await database.rows<{ tenant_id: string }>(sql`SELECT tenant_id FROM audit_chain_heads ORDER BY tenant_id`);
      for (const { tenant_id } of tenants) {
        try {
          while ((await step(tenant_id)) > 0) {
            /* next page */
          }
        } catch (err) {
          logger.warn({ err, tenantId: tenant_id }, 'OTLP audit export failed; will retry');
          throw err;
        }
      }
    },
  };
}

export function otlpExportJob(ctx: AppContext): Job | null {
  const url = ctx.deps.config.auditOtlp.url;
  if (!url) return null;
  const exporter = createOtlpExporter(ctx, url);
  return { name: 'audit-otlp-export', intervalMs: ctx.deps.config.auditOtlp.intervalSeconds * 1000, leaderOnly: true, runAtStart: true, run: () => exporter.runOnce() };
}

import type { AppContext } from '../../context.js';
import type { Principal } from '../../platform/auth.js';
import { tooManyRequests, unprocessable, type Problem } from '../../platform/errors.js';
import {
  canonicalJson,
  dedupHash,
  liftDecisionName,
  liftPolicyVersion,
  MAX_PAYLOAD_BYTES,
  MAX_PAYLOAD_DEPTH,
  PayloadTooDeep,
} from './events.canonical.js';
import { appendChain, appendEvents } from '../audit-chain/chain.append.js';
import { createPartitionGuard } from './events.partitions.js';
import { eventsRepository, type PreparedEvent } from './events.repository.js';
import type { AgentManifestT, EventInT, IngestBodyT } from './events.schemas.js';

/** The reference's per-tenant limit: 10,000 ingest requests per 60 s (console-api.md 1.8). */
export const INGEST_RATE_MAX = 10_000;
export const INGEST_RATE_WINDOW_SECONDS = 60;
/**
 * Batches allowed in flight in one process. Past this the console answers 429 + Retry-After 1
 * at once, before reading the body: the SDK keeps the events and retries at its next flush,
 * instead of queueing behind a busy database until its 30 s request timeout (a timeout is
 * retried too, but only after the whole wait, and it resends the batch we may have stored).
 */
export const MAX_INGESTS_IN_FLIGHT = 8;
const MAX_MANIFEST_BYTES = 1024 * 1024;

/** Counts ingests in flight; `tryEnter` refuses past the limit. */
export class InFlightGate {
  private n = 0;
  constructor(readonly limit: number) {}
  get inFlight(): number {
    return this.n;
  }
  tryEnter(): boolean {
    if (this.n >= this.limit) return false;
    this.n++;
    return true;
  }
  leave(): void {
    if (this.n > 0) this.n--;
  }
}

/** Canonical payloads, hashes and decision names; 422 naming each event that cannot be stored. */
export function prepareEvents(events: EventInT[]): PreparedEvent[] {
  const problems: Problem[] = [];
  const out: PreparedEvent[] = new Array<PreparedEvent>(events.length);
  events.forEach((e, i) => {
    let payloadJson: string | null = null;
    if (e.payload != null) {
      try {
        payloadJson = canonicalJson(e.payload);
      } catch (err) {
        if (!(err instanceof PayloadTooDeep)) throw err;
        problems.push({ loc: ['body', 'events', i, 'payload'], msg: `must nest at most ${MAX_PAYLOAD_DEPTH} levels` });
        return;
      }
      // UTF-8 takes at most 3 bytes per UTF-16 unit: most payloads skip the byte count.
      if (payloadJson.length * 3 > MAX_PAYLOAD_BYTES && Buffer.byteLength(payloadJson, 'utf8') > MAX_PAYLOAD_BYTES) {
        problems.push({ loc: ['body', 'events', i, 'payload'], msg: `must be at most ${MAX_PAYLOAD_BYTES} bytes as JSON` });
        return;
      }
    }
    const base = { agentId: e.agent_id, toolName: e.tool_name, verdict: e.verdict, mode: e.mode, timestamp: e.timestamp, payloadJson };
    out[i] = {
      ...base,
      callId: e.call_id,
      decisionName: liftDecisionName(e.payload ?? null),
      policyVersion: liftPolicyVersion(e.payload ?? null),
      dedupHash: dedupHash(base),
    };
  });
  if (problems.length > 0) throw unprocessable(problems.slice(0, 50));
  return out;
}

function manifestDocument(m: AgentManifestT, at: Date): Record<string, unknown> {
  const doc = { policy_version: m.policy_version, contracts: m.contracts, updated_at: at.toISOString() };
  if (Buffer.byteLength(JSON.stringify(doc), 'utf8') > MAX_MANIFEST_BYTES) {
    throw unprocessable([{ loc: ['body', 'agent_manifest'], msg: `must be at most ${MAX_MANIFEST_BYTES} bytes as JSON` }]);
  }
  return doc;
}

export function createIngestService(ctx: AppContext) {
  const { database } = ctx.deps;
  const gate = new InFlightGate(MAX_INGESTS_IN_FLIGHT);
  const partitions = createPartitionGuard(database, ctx.deps.now);
  return {
    gate,
    /** Back-pressure before the body is read: in-flight cap first (no I/O), then the tenant's rate. */
    async admit(p: Extract<Principal, { kind: 'apiKey' }>): Promise<void> {
      if (!gate.tryEnter()) {
        throw tooManyRequests('Too many event batches in flight. Please try again shortly.', 1, 'events.busy');
      }
      let decision;
      try {
        decision = await ctx.deps.rateLimiter.hit(`events:${p.tenantId}`, INGEST_RATE_MAX, INGEST_RATE_WINDOW_SECONDS);
      } catch (err) {
        gate.leave();
        throw err;
      }
      if (!decision.allowed) {
        gate.leave();
        throw tooManyRequests('Event ingestion rate limit exceeded. Please try again later.', decision.retryAfterSeconds);
      }
    },

    /** Stores the batch (and the manifest) atomically, then pushes one dashboard event. */
    async ingest(p: Extract<Principal, { kind: 'apiKey' }>, body: IngestBodyT): Promise<{ accepted: number; duplicates: number }> {
      const rows = prepareEvents(body.events);
      const manifest = body.agent_manifest ?? null;
      const now = ctx.deps.now();
      const doc = manifest ? manifestDocument(manifest, now) : null;
      // A month seen for the first time gets its partition before its rows arrive (backfill).
      await partitions.ensureMonths(rows);
      const chained = ctx.deps.config.auditChain;
      // One transaction: the rows, the manifest, and (last, as it holds the tenant's chain head
      // until commit) one audit-chain entry listing every event stored.
      const accepted = await database.db.transaction(async (tx) => {
        const inserted = await eventsRepository.insertBatchReturning(database, tx, p.tenantId, p.env, rows);
        if (manifest && doc) await eventsRepository.upsertManifest(tx, p.tenantId, manifest.agent_id, doc, now);
        if (chained && inserted.length > 0) await appendEvents(tx, p.tenantId, p.env, inserted);
        return inserted.length;
      });
      if (accepted > 0) await ctx.publish.dashboard(p.tenantId, 'event_created', { accepted });
      return { accepted, duplicates: rows.length - accepted };
    },

    /**
     * Deletes the tenant's events stored more than `days` ago (created_at, as the reference). The
     * purge is itself chained, in the same transaction: verification then reads the events it
     * removed as purged (their leaf hashes stay in the chain), not as deleted.
     */
    async purge(tenantId: string, days: number): Promise<{ deleted_count: number; cutoff: string }> {
      const cutoff = new Date(ctx.deps.now().getTime() - days * 86_400_000).toISOString();
      const deleted = await database.db.transaction(async (tx) => {
        const n = await eventsRepository.purge(database, tenantId, cutoff, tx);
        await appendChain(tx, tenantId, { kind: 'events.purged', refId: '', content: { cutoff, deleted_count: n, older_than_days: days } });
        return n;
      });
      return { deleted_count: deleted, cutoff };
    },
  };
}

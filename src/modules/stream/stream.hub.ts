import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { unavailable } from '../../platform/errors.js';
import type { BusMessage } from '../../platform/push-bus.js';
import type { BundlesApi, FleetApi, LiveAgentConnection } from '../protocol-types.js';
import { AgentConnection } from './agent-connection.js';
import { createAssignmentTracker } from './assignment-tracker.js';
import { createDashboardStreams } from './dashboard-streams.js';
import { liveConnectionsRepository as repo } from './live-connections.repository.js';
import { createLiveRegistry } from './live-registry.js';
import { openEventStream } from './open-stream.js';
import { KEEPALIVE_FRAME, sseFrame } from './stream.sse.js';
import { excludesAgent, updateFrameFor, wantsEveryBundle, type DialectFrame, type StreamDialect } from './stream-dialect.js';

/** Process heartbeat; the live-connections table trusts rows of processes seen within a minute. */
const HEARTBEAT_MS = 20_000;
/** Dashboard sessions are re-checked this often (or every 4 keepalives when that is sooner). */
const SESSION_RECHECK_MS = 60_000;

export interface AgentConnectInput {
  tenantId: string;
  keyId: string;
  agentId: string;
  env: string;
  /** From the query: the agent named its bundle (no assignment lookup). */
  bundleName: string | null;
  policyVersion: string | null;
  queryTags: Record<string, unknown>;
  /** The stream's convention (default: the pre-rename SDKs on /api/v1). */
  dialect?: StreamDialect;
  /** The revision the agent reports in the rendering it loads, when that differs from policyVersion (/v1). */
  knownRevision?: string | null;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * A connect in progress. From before the registration is written until the stream joins the
 * in-memory set, the bus messages that would have retargeted it are kept here and replayed on
 * join, so an assignment made at any moment of the connect reaches the agent (issue 10).
 */
interface Joining {
  agentId: string;
  missed: BusMessage[];
  /** The bus had a gap meanwhile: the stream catches up from the database once it joins. */
  gap: boolean;
}

/**
 * The streams this process holds, fed by the push bus (every process receives every message and
 * delivers it to its own sockets), plus this process's rows in the live-connections table.
 */
export function createStreamHub(opts: { ctx: AppContext; bundles: BundlesApi; fleet: FleetApi }) {
  const { deps, publish } = opts.ctx;
  const db = deps.database.db;
  const log = deps.logger;
  const agents = new Map<string, Set<AgentConnection>>();
  const joining = new Map<string, Set<Joining>>();
  const registry = createLiveRegistry({ db, log, publish });
  const tracker = createAssignmentTracker({ db, bundles: opts.bundles, fleet: opts.fleet, log });
  const dashboards = createDashboardStreams({ sessions: deps.sessions, log });
  const timers: NodeJS.Timeout[] = [];
  let agentCount = 0;
  let closing: Promise<void> | null = null;
  let started: Promise<void> | null = null;

  const every = (ms: number, fn: () => unknown) => {
    const t = setInterval(fn, ms);
    t.unref();
    timers.push(t);
  };

  function forEachAgent(tenantId: string, fn: (c: AgentConnection) => void): void {
    const set = agents.get(tenantId);
    if (set) for (const c of set) fn(c);
  }

  function forJoining(tenantId: string, fn: (j: Joining) => void): void {
    const set = joining.get(tenantId);
    if (set) for (const j of set) fn(j);
  }

  function routeAgents(m: BusMessage): void {
    // A deploy needs no replay for a joining stream: its push on join reads the current bundle
    // after this invalidation, so it sees the deploy.
    if (m.type === 'contract_update') tracker.invalidate(m.tenantId);
    if (m.late && (m.type === 'assignment_changed' || m.type === 'contract_update')) return routeLate(m);
    if (m.type === 'assignment_changed' && m.agentId) {
      forJoining(m.tenantId, (j) => j.agentId === m.agentId && j.missed.push(m));
      forEachAgent(m.tenantId, (c) => c.agentId === m.agentId && tracker.assignmentChanged(c, m.id, m.data));
      return;
    }
    const isUpdate = m.type === 'contract_update';
    const bundle = m.bundleName ?? (isUpdate ? str(m.data.bundle_name) : undefined);
    // Connections with no bundle get no contract updates (console-api.md 2.1).
    if (isUpdate && !bundle) return;
    let frame: Buffer | null = null;
    // contract_update is rendered per generation and convention, once per message each.
    const updates = new Map<StreamDialect, DialectFrame | null>();
    forEachAgent(m.tenantId, (c) => {
      if (m.env !== undefined && c.env !== m.env) return;
      if (m.agentId !== undefined && c.agentId !== m.agentId) return;
      if (isUpdate && excludesAgent(m.data, c.agentId)) return;
      const every = isUpdate && wantsEveryBundle(c.dialect);
      if (bundle !== undefined && !every && !c.targets(bundle)) return;
      if (!isUpdate) {
        frame ??= sseFrame(m.id, m.type, m.data);
        c.deliver(frame, { bundle });
        return;
      }
      if (!updates.has(c.dialect)) updates.set(c.dialect, updateFrameFor(c.dialect, m.id, m.data));
      const out = updates.get(c.dialect);
      if (!out) return;
      c.deliver(out.frame, { bundle: every ? undefined : bundle, revision: out.revision });
    });
  }

  /**
   * A deploy or assignment sent late from an outbox (after an outage) may have been overtaken by
   * a newer one, so its payload is not trusted: the streams it concerns re-read their target and
   * current bundle, and get only what differs from what they run.
   */
  function routeLate(m: BusMessage): void {
    forJoining(m.tenantId, (j) => (m.agentId === undefined || j.agentId === m.agentId) && (j.gap = true));
    forEachAgent(m.tenantId, (c) => {
      if (m.env !== undefined && c.env !== m.env) return;
      if (m.agentId !== undefined && c.agentId !== m.agentId) return;
      tracker.catchUp(c);
    });
  }

  function controlFor(c: AgentConnection, m: BusMessage): void {
    if (m.type === 'api_key_revoked' || m.type === 'agent_quarantined') {
      // A revoked key's streams, or a quarantined agent's (break-glass), end at once, in every process.
      if (m.type === 'api_key_revoked' ? c.keyId !== m.data.key_id : c.agentId !== m.data.agent_id) return;
      c.sink.end();
      dropAgent(c);
    } else if (m.type === 'assignment_rules_changed') {
      tracker.rulesChanged(c);
    } else if (m.type === 'agent_tags_changed' && c.agentId === m.data.agent_id) {
      c.tags = { ...((m.data.tags ?? {}) as Record<string, unknown>), ...c.queryTags };
      tracker.rulesChanged(c);
    }
  }

  function routeControl(m: BusMessage): void {
    forJoining(m.tenantId, (j) => j.missed.push(m));
    forEachAgent(m.tenantId, (c) => controlFor(c, m));
  }

  function onMessage(m: BusMessage): void {
    if (closing) return;
    try {
      if (m.topic === 'agents') routeAgents(m);
      else if (m.topic === 'control') routeControl(m);
      else {
        if (m.type === 'signing_key_rotated' || m.type === 'contract_update') tracker.invalidate(m.tenantId);
        dashboards.deliver(m);
      }
    } catch (err) {
      log.error({ err, type: m.type }, 'stream delivery failed');
    }
  }
  const unsubscribe = deps.bus.subscribe(onMessage);

  /**
   * The bus is back after a gap (docs/operations.md): whatever other processes published
   * meanwhile never arrived here. Every stream re-reads its target and current bundle from the
   * database, dashboards refetch, and streams of keys revoked meanwhile end.
   */
  function onResume(): void {
    if (closing) return;
    log.info({ agents: agentCount }, 'push bus resumed: streams catch up');
    tracker.invalidateAll();
    dashboards.resync();
    for (const set of joining.values()) for (const j of set) j.gap = true;
    for (const set of agents.values()) for (const c of set) tracker.catchUp(c);
    void endRevoked();
  }
  const unsubscribeResume = deps.bus.onResume(onResume);

  async function endRevoked(): Promise<void> {
    const all = [...agents.values()].flatMap((set) => [...set]);
    try {
      const revoked = await repo.revokedKeyIds(db, [...new Set(all.map((c) => c.keyId))]);
      for (const c of all) {
        if (!revoked.has(c.keyId)) continue;
        c.sink.end();
        dropAgent(c);
      }
    } catch (err) {
      log.warn({ err }, 'could not re-check stream keys after a bus gap');
    }
  }

  /** The database part of a connect. A failure is a 503 (the SDK retries), never a half-open stream. */
  async function prepareAgent(input: AgentConnectInput) {
    const { tenantId, agentId, env } = input;
    try {
      const { tags: stored } = await opts.fleet.onConnect({ tenantId, agentId, env, policyVersion: input.policyVersion });
      const tags = { ...stored, ...input.queryTags };
      const r = input.bundleName
        ? { bundle_name: input.bundleName, source: 'agent_provided' as const }
        : await opts.fleet.resolve({ tenantId, agentId, env, tags });
      const bundleSource = input.bundleName ? ('agent' as const) : r.bundle_name ? ('assignment' as const) : ('none' as const);
      const row = {
        id: randomUUID(),
        tenantId,
        agentId,
        env,
        bundleName: r.bundle_name,
        bundleSource,
        policyVersion: input.policyVersion,
        keyId: input.keyId,
        connectedAt: deps.now(),
      };
      await registry.add(row);
      return { row, target: { bundleName: r.bundle_name, bundleSource, resolution: r.source, tags } };
    } catch (err) {
      log.error({ err, agent_id: agentId }, 'agent stream setup failed');
      throw unavailable('The stream could not be opened; try again.', 'stream.setup_failed');
    }
  }

  function dropAgent(c: AgentConnection): void {
    const set = agents.get(c.tenantId);
    if (!set?.delete(c)) return;
    if (set.size === 0) agents.delete(c.tenantId);
    agentCount--;
    if (!closing) registry.remove(c);
  }

  return {
    processId: registry.processId,

    /** Heartbeat and timers; called once the app is ready. */
    start(): Promise<void> {
      started ??= (async () => {
        await registry.heartbeat();
        const keepaliveMs = deps.config.sseKeepaliveSeconds * 1000;
        every(keepaliveMs, () => {
          for (const set of agents.values()) for (const c of set) c.sink.write(KEEPALIVE_FRAME);
          dashboards.keepalive();
        });
        every(Math.min(SESSION_RECHECK_MS, keepaliveMs * 4), () => void dashboards.recheckSessions());
        every(HEARTBEAT_MS, () => void registry.heartbeat());
      })();
      return started;
    },

    /**
     * Connect sequence (console-api.md 2.1, decisions 4-5): the connect is marked as joining (bus
     * messages for it are kept from here on), registration upsert, bundle resolution, the live
     * row, then in one synchronous block the in-memory registration and the headers; what was kept
     * is replayed, and the current bundle follows if the agent runs another revision. Any
     * assignment committed before the mark is read by the resolution; any later one was kept.
     */
    async connectAgent(request: FastifyRequest, reply: FastifyReply, input: AgentConnectInput): Promise<void> {
      if (closing) throw unavailable('The console is shutting down.', 'stream.closing');
      if (started) await started;
      const join: Joining = { agentId: input.agentId, missed: [], gap: false };
      let js = joining.get(input.tenantId);
      if (!js) {
        js = new Set();
        joining.set(input.tenantId, js);
      }
      js.add(join);
      const leave = () => {
        const set = joining.get(input.tenantId);
        if (set?.delete(join) && set.size === 0) joining.delete(input.tenantId);
      };
      let prepared: Awaited<ReturnType<typeof prepareAgent>>;
      try {
        prepared = await prepareAgent(input);
      } catch (err) {
        leave();
        throw err;
      }
      if (closing || request.raw.socket.destroyed) {
        leave();
        registry.settled(prepared.row.id);
        await repo.remove(db, [prepared.row.id]).catch((err: unknown) => log.warn({ err }, 'could not remove live connection'));
        if (closing) throw unavailable('The console is shutting down.', 'stream.closing');
        reply.hijack();
        return;
      }
      const { row, target } = prepared;
      const sink = openEventStream(request, reply);
      const conn = new AgentConnection(
        row.id,
        row.tenantId,
        row.agentId,
        row.env,
        row.keyId,
        row.policyVersion,
        input.queryTags,
        row.connectedAt,
        sink,
        target,
      );
      conn.onRevision = (c) => {
        if (c.knownRevision) registry.revisionDelivered(c.connectionId, c.knownRevision);
      };
      conn.dialect = input.dialect ?? 'contract_bundle';
      if (input.knownRevision !== undefined) conn.knownRevision = input.knownRevision;
      let set = agents.get(row.tenantId);
      if (!set) {
        set = new Set();
        agents.set(row.tenantId, set);
      }
      set.add(conn);
      leave();
      agentCount++;
      registry.settled(row.id);
      sink.res.once('close', () => dropAgent(conn));
      // What arrived for this agent while it was connecting, in order, then the connect push.
      for (const m of join.missed) {
        if (m.topic === 'control') controlFor(conn, m);
        else tracker.assignmentChanged(conn, m.id, m.data);
      }
      if (join.gap) tracker.catchUp(conn);
      else tracker.pushOnConnect(conn);
      await publish.dashboard(row.tenantId, 'agent_connected', {
        agent_id: row.agentId,
        env: row.env,
        bundle_name: row.bundleName,
      });
    },

    connectDashboard: dashboards.connect,

    live: {
      list: (tenantId: string): LiveAgentConnection[] => [...(agents.get(tenantId) ?? [])],
      count: () => agentCount,
    },

    /** Streams on this process (exact) plus those other live processes hold (docs/scaling.md). */
    connectedAgents: () => agentCount + registry.remoteCount(),

    /** The connection-cleanup job: forgotten sockets, orphaned rows, dead processes, idle rings. */
    async cleanup(): Promise<void> {
      for (const set of agents.values()) for (const c of set) if (c.closed) dropAgent(c);
      dashboards.sweep();
      await registry.sweep([...agents.values()].flatMap((set) => [...set].map((c) => c.connectionId)));
    },

    /** Graceful shutdown: end every stream cleanly (the SDKs reconnect elsewhere), drop our rows. */
    closeAll(): Promise<void> {
      closing ??= (async () => {
        unsubscribe();
        unsubscribeResume();
        for (const t of timers) clearInterval(t);
        for (const set of agents.values()) for (const c of set) c.sink.end();
        agents.clear();
        agentCount = 0;
        dashboards.closeAll();
        if (started) await started;
        await registry.stop();
      })();
      return closing;
    },
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;

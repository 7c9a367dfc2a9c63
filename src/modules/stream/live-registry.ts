import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.js';
import type { Publisher } from '../../platform/publisher.js';
import { groupCommit } from './group-commit.js';
import { liveConnectionsRepository as repo, type LiveRow } from './live-connections.repository.js';

/** Disconnects are deleted from the live table in batches (a mass disconnect is one statement). */
const REMOVE_BATCH_MS = 25;
const REMOVE_CHUNK = 1000;
/** A read of the other processes' count triggers a refresh when the figure is older than this. */
const REMOTE_FRESH_MS = 1_000;

interface Removal {
  connectionId: string;
  tenantId: string;
  agentId: string;
  env: string;
}

/**
 * This process's side of the live-connections table (docs/scaling.md): its heartbeat, a row per
 * stream it holds (inserted before the stream answers, deleted in batches when it closes), the
 * count of other processes' streams for health, and the sweep the cleanup job runs.
 */
export function createLiveRegistry(opts: { db: Db; log: FastifyBaseLogger; publish: Publisher }) {
  const { db, log, publish } = opts;
  const processId = randomUUID();
  /** Rows inserted (or being inserted) whose stream is not registered in memory yet. */
  const pending = new Set<string>();
  const insert = groupCommit((rows: LiveRow[]) => repo.insert(db, rows));
  let removals: Removal[] = [];
  let removeTimer: NodeJS.Timeout | null = null;
  /** Revisions delivered on this process's streams, written in batches (one UPDATE per revision). */
  let revisions = new Map<string, string>();
  let revisionTimer: NodeJS.Timeout | null = null;
  let remoteCount = 0;
  let remoteAt = 0;
  let refreshing = false;
  let stopped = false;

  async function refreshNow(): Promise<void> {
    remoteCount = await repo.countOthers(db, processId);
    remoteAt = Date.now();
  }

  async function flushRemovals(): Promise<void> {
    removeTimer = null;
    const batch = removals;
    removals = [];
    for (let i = 0; i < batch.length; i += REMOVE_CHUNK) {
      const ids = batch.slice(i, i + REMOVE_CHUNK).map((r) => r.connectionId);
      try {
        await repo.remove(db, ids);
      } catch (err) {
        log.warn({ err }, 'could not remove live connections; the cleanup job will');
      }
    }
    // After the delete commits, so a page that refetches on this event no longer lists the agent.
    for (const r of batch) await publish.dashboard(r.tenantId, 'agent_disconnected', { agent_id: r.agentId, env: r.env });
  }

  async function flushRevisions(): Promise<void> {
    revisionTimer = null;
    const byRevision = new Map<string, string[]>();
    for (const [id, rev] of revisions) (byRevision.get(rev) ?? byRevision.set(rev, []).get(rev)!).push(id);
    revisions = new Map();
    for (const [rev, ids] of byRevision) {
      for (let i = 0; i < ids.length; i += REMOVE_CHUNK) {
        await repo.setRevision(db, ids.slice(i, i + REMOVE_CHUNK), rev).catch((err: unknown) => log.warn({ err }, 'could not record delivered revisions'));
      }
    }
  }

  return {
    processId,

    /**
     * A stream was sent `revision`: its live row says so (drift reads it from any process, so a
     * deploy's fan-out does not leave connected agents looking drifted). Batched like removals.
     */
    revisionDelivered(connectionId: string, revision: string): void {
      if (stopped) return;
      revisions.set(connectionId, revision);
      if (!revisionTimer) {
        revisionTimer = setTimeout(() => void flushRevisions(), REMOVE_BATCH_MS);
        revisionTimer.unref();
      }
    },

    async heartbeat(): Promise<void> {
      try {
        await repo.heartbeat(db, processId);
        await refreshNow();
      } catch (err) {
        log.warn({ err }, 'stream heartbeat failed');
      }
    },

    /** The row for a new stream; concurrent connects share one INSERT. */
    async add(row: Omit<LiveRow, 'processId'>): Promise<void> {
      pending.add(row.id);
      try {
        await insert({ ...row, processId });
      } catch (err) {
        pending.delete(row.id);
        throw err;
      }
    },

    /** The stream is now registered in memory (or abandoned): the row is no longer pending. */
    settled(id: string): void {
      pending.delete(id);
    },

    remove(r: Removal): void {
      if (stopped) return;
      removals.push(r);
      if (!removeTimer) {
        removeTimer = setTimeout(() => void flushRemovals(), REMOVE_BATCH_MS);
        removeTimer.unref();
      }
    },

    /** Other live processes' streams; a stale figure is refreshed in the background. */
    remoteCount(): number {
      if (!refreshing && !stopped && Date.now() - remoteAt >= REMOTE_FRESH_MS) {
        refreshing = true;
        refreshNow()
          .catch((err: unknown) => log.warn({ err }, 'live count refresh failed'))
          .finally(() => (refreshing = false));
      }
      return remoteCount;
    },

    /** Cleanup job: own rows no stream backs, dead processes' rows; then a fresh remote count. */
    async sweep(liveIds: Iterable<string>): Promise<void> {
      const own = await repo.ownIds(db, processId);
      // Read the live set after the query: anything inserted before it is registered or pending now.
      const live = new Set(pending);
      for (const id of liveIds) live.add(id);
      const orphans = own.filter((id) => !live.has(id));
      for (let i = 0; i < orphans.length; i += REMOVE_CHUNK) await repo.remove(db, orphans.slice(i, i + REMOVE_CHUNK));
      await repo.sweepDead(db, processId);
      await refreshNow();
    },

    /** Shutdown: this process's rows and heartbeat go in one go. */
    async stop(): Promise<void> {
      stopped = true;
      if (removeTimer) clearTimeout(removeTimer);
      if (revisionTimer) clearTimeout(revisionTimer);
      await repo.removeProcess(db, processId).catch((err: unknown) => log.warn({ err }, 'could not remove live connections'));
    },
  };
}

export type LiveRegistry = ReturnType<typeof createLiveRegistry>;

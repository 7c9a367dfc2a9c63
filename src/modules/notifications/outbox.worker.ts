import type { ApprovalRow, Notifier } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';
import { approvalView, clip } from './approval-view.js';
import { channelsRepository } from './channels.repository.js';
import type { NotificationsRuntime } from './notifications.runtime.js';
import { outboxRepository, type ClaimedDelivery } from './outbox.repository.js';
import { DeliveryError, type ExternalRef } from './providers/driver.js';
import { DRIVERS } from './providers/drivers.js';
import { matchesFilters, storedFilters } from './routing.js';

export const DELIVERY_JOB = 'notification-delivery';
/** Delay before attempt n+1 after n failures; attempt 8 failing gives up (~1 h 45 min in all). */
const BACKOFF_SECONDS = [5, 30, 120, 600, 1800, 1800, 1800];
export const MAX_ATTEMPTS = BACKOFF_SECONDS.length + 1;
const BATCH = 20;

type Attempt = { status: 'sent'; ref: ExternalRef | null } | { status: 'skipped' };

/**
 * The delivery worker and the notifier that feeds it. Every process runs the worker
 * (`leaderOnly: false`): claims are `FOR UPDATE SKIP LOCKED` with a lease, so two processes
 * never post the same row. Enqueueing kicks a pass in this process right away.
 */
export function createOutbox(rt: NotificationsRuntime) {
  const { db } = rt.ctx.deps.database;
  const now = () => rt.ctx.deps.now();
  const leaseMs = Math.max(60_000, 3 * rt.policy.timeoutMs);
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;

  /** Run passes until nothing is due; a trigger during a pass makes one more. */
  function trigger(): Promise<void> {
    again = true;
    running ??= (async () => {
      try {
        while (again && !closed) {
          again = false;
          await drain();
        }
      } finally {
        running = null;
      }
    })();
    return running;
  }

  function kick(): void {
    trigger().catch((err: unknown) => rt.log.error({ err }, 'notification delivery pass failed'));
  }

  async function drain(): Promise<void> {
    for (;;) {
      const lease = new Date(now().getTime() + leaseMs);
      const claimed = await outboxRepository.claimDue(db, now(), lease, BATCH);
      if (claimed.length === 0) return;
      await Promise.all(claimed.map((c) => deliverOne(c, lease)));
    }
  }

  async function deliverOne(claim: ClaimedDelivery, lease: Date): Promise<void> {
    const attempts = claim.attempts + 1;
    try {
      const result = await attempt(claim);
      const ref = result.status === 'sent' ? { externalRef: result.ref } : {};
      await outboxRepository.finish(db, claim.id, lease, { status: result.status, attempts: result.status === 'sent' ? attempts : claim.attempts, lastError: null, now: now(), ...ref });
    } catch (err) {
      const message = err instanceof DeliveryError ? err.message : 'unexpected error (see the server log)';
      if (!(err instanceof DeliveryError)) rt.log.error({ err, delivery: claim.id }, 'notification delivery crashed');
      const giveUp = attempts >= MAX_ATTEMPTS;
      const delay = BACKOFF_SECONDS[Math.min(attempts, BACKOFF_SECONDS.length) - 1] ?? 1800;
      rt.log.warn({ delivery: claim.id, channel: claim.channel_id, kind: claim.kind, attempts, error: message }, giveUp ? 'notification delivery failed; giving up' : 'notification delivery failed; will retry');
      await outboxRepository.finish(db, claim.id, lease, {
        status: giveUp ? 'failed' : 'pending',
        attempts,
        lastError: clip(message, 480),
        now: now(),
        ...(giveUp ? {} : { nextAttemptAt: new Date(now().getTime() + delay * 1000) }),
      });
    }
  }

  async function attempt(claim: ClaimedDelivery): Promise<Attempt> {
    const channel = await channelsRepository.getById(db, claim.channel_id);
    if (!channel || !channel.enabled) return { status: 'skipped' };
    const approval = await outboxRepository.approval(db, claim.approval_id);
    if (!approval || approval.tenantId !== channel.tenantId) return { status: 'skipped' };
    const read = rt.readConfig(channel);
    if (!read) throw new DeliveryError('The channel configuration cannot be read — save the channel again with its secrets');
    const driver = DRIVERS[read.type];
    const view = approvalView(approval, rt.ctx.deps.config.baseUrl);
    const io = rt.io(channel.id, claim.id);
    if (claim.kind === 'request') {
      // Decided before we got to it: the outcome logic posts nothing for it either.
      if (approval.status !== 'pending') return { status: 'skipped' };
      return { status: 'sent', ref: await driver.sendRequest(read.config, view, io) };
    }
    const request = await outboxRepository.requestOf(db, claim.approval_id, claim.channel_id);
    if (approval.status === 'pending' || request?.status !== 'sent') return { status: 'skipped' };
    const ref = (request.externalRef ?? null) as ExternalRef | null;
    return { status: 'sent', ref: await driver.sendOutcome(read.config, view, ref, io) };
  }

  async function settled(approval: ApprovalRow): Promise<void> {
    await outboxRepository.skipUndeliveredRequests(db, approval.id, now());
    await outboxRepository.enqueueOutcomes(db, approval.id, now());
  }

  /** Never throws: notification trouble must not reach the agent or the deciding user. */
  const guard = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
      kick();
    } catch (err) {
      rt.log.error({ err }, `could not queue notifications (${what})`);
    }
  };

  const notifier: Notifier = {
    approvalCreated: (approval) =>
      guard('approval created', async () => {
        const channels = await channelsRepository.listEnabled(db, approval.tenantId);
        const ids = channels.filter((c) => matchesFilters(storedFilters(c.filters), approval)).map((c) => c.id);
        await outboxRepository.enqueueRequests(db, approval.tenantId, approval.id, ids, now());
      }),
    approvalDecided: (approval) => guard('approval decided', () => settled(approval)),
    approvalsTimedOut: (approvals) =>
      guard('approvals timed out', async () => {
        for (const a of approvals) await settled(a);
      }),
  };

  const job: Job = { name: DELIVERY_JOB, intervalMs: 2_000, leaderOnly: false, runAtStart: true, run: () => trigger() };

  return {
    notifier,
    job,
    async close(): Promise<void> {
      closed = true;
      await running?.catch(() => undefined);
    },
    failingChannels: async (tenantId: string) => outboxRepository.failingChannels(db, tenantId, now()),
  };
}

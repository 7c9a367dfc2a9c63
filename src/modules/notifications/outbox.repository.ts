import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { rowsOf, type DbOrTx } from '../../db/client.js';
import { approvals, notificationChannels, notificationDeliveries as d } from '../../db/schema.js';
import type { ApprovalRow } from '../../context.js';

/**
 * The outbox (`notification_deliveries`): one row per (approval, channel, kind), kind `request`
 * (the message with buttons) or `outcome` (the edit, or a follow-up on one-way channels).
 * Times come from the app clock (`deps.now`), passed in, so a test can move time forward.
 */
export type DeliveryKind = 'request' | 'outcome';

export interface ClaimedDelivery {
  id: string;
  tenant_id: string;
  approval_id: string;
  channel_id: string;
  kind: DeliveryKind;
  attempts: number;
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

export const outboxRepository = {
  async enqueueRequests(db: DbOrTx, tenantId: string, approvalId: string, channelIds: string[], now: Date): Promise<number> {
    if (channelIds.length === 0) return 0;
    const rows = await db
      .insert(d)
      .values(channelIds.map((channelId) => ({ tenantId, approvalId, channelId, kind: 'request', nextAttemptAt: now, createdAt: now, updatedAt: now })))
      .onConflictDoNothing()
      .returning({ id: d.id });
    return rows.length;
  },

  /** Requests not yet posted (and not in flight) for a decided approval: nobody needs them now. */
  async skipUndeliveredRequests(db: DbOrTx, approvalId: string, now: Date): Promise<void> {
    await db
      .update(d)
      .set({ status: 'skipped', lastError: null, updatedAt: now })
      .where(and(eq(d.approvalId, approvalId), eq(d.kind, 'request'), eq(d.status, 'pending'), or(isNull(d.lockedUntil), lt(d.lockedUntil, now))));
  },

  /** An outcome for every channel whose request was posted or is being posted right now. */
  async enqueueOutcomes(db: DbOrTx, approvalId: string, now: Date): Promise<number> {
    const rows = await rowsOf<{ id: string }>(
      db,
      sql`INSERT INTO notification_deliveries (tenant_id, approval_id, channel_id, kind, next_attempt_at, created_at, updated_at)
          SELECT tenant_id, approval_id, channel_id, 'outcome', ${ts(now)}, ${ts(now)}, ${ts(now)}
            FROM notification_deliveries
           WHERE approval_id = ${approvalId} AND kind = 'request'
             AND (status = 'sent' OR (status = 'pending' AND locked_until > ${ts(now)}))
          ON CONFLICT DO NOTHING
          RETURNING id`,
    );
    return rows.length;
  },

  /**
   * Claim due rows: one statement, `FOR UPDATE SKIP LOCKED` so concurrent processes never take
   * the same row, and a lease (`locked_until`) that a crashed process gives up by expiry. An
   * outcome waits until its request is no longer pending (an edit needs the posted message id).
   */
  claimDue(db: DbOrTx, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    return rowsOf<ClaimedDelivery>(
      db,
      sql`UPDATE notification_deliveries SET locked_until = ${ts(leaseUntil)}
           WHERE id IN (
             SELECT o.id FROM notification_deliveries o
              WHERE o.status = 'pending' AND o.next_attempt_at <= ${ts(now)}
                AND (o.locked_until IS NULL OR o.locked_until < ${ts(now)})
                AND (o.kind = 'request' OR NOT EXISTS (
                      SELECT 1 FROM notification_deliveries r
                       WHERE r.approval_id = o.approval_id AND r.channel_id = o.channel_id
                         AND r.kind = 'request' AND r.status = 'pending'))
              ORDER BY o.next_attempt_at
              LIMIT ${limit}
              FOR UPDATE OF o SKIP LOCKED)
          RETURNING id, tenant_id, approval_id, channel_id, kind, attempts`,
    );
  },

  async requestOf(db: DbOrTx, approvalId: string, channelId: string): Promise<{ status: string; externalRef: unknown } | null> {
    const [row] = await db
      .select({ status: d.status, externalRef: d.externalRef })
      .from(d)
      .where(and(eq(d.approvalId, approvalId), eq(d.channelId, channelId), eq(d.kind, 'request')))
      .limit(1);
    return row ?? null;
  },

  /** Record the result of a claimed attempt; the lease fences off a process whose lease expired. */
  async finish(
    db: DbOrTx,
    id: string,
    lease: Date,
    result: { status: 'pending' | 'sent' | 'failed' | 'skipped'; attempts: number; lastError: string | null; nextAttemptAt?: Date; externalRef?: unknown; now: Date },
  ): Promise<boolean> {
    const rows = await db
      .update(d)
      .set({
        status: result.status,
        attempts: result.attempts,
        lastError: result.lastError,
        lockedUntil: null,
        updatedAt: result.now,
        ...(result.nextAttemptAt ? { nextAttemptAt: result.nextAttemptAt } : {}),
        ...(result.externalRef !== undefined ? { externalRef: result.externalRef } : {}),
      })
      .where(and(eq(d.id, id), eq(d.lockedUntil, lease)))
      .returning({ id: d.id });
    return rows.length > 0;
  },

  async approval(db: DbOrTx, id: string): Promise<ApprovalRow | null> {
    const [row] = await db.select().from(approvals).where(eq(approvals.id, id)).limit(1);
    return row ?? null;
  },

  async approvalExists(db: DbOrTx, tenantId: string, id: string): Promise<boolean> {
    const rows = await db.select({ id: approvals.id }).from(approvals).where(and(eq(approvals.tenantId, tenantId), eq(approvals.id, id))).limit(1);
    return rows.length > 0;
  },

  listForApproval(db: DbOrTx, tenantId: string, approvalId: string) {
    return db
      .select({
        channelId: d.channelId,
        channelName: notificationChannels.name,
        channelType: notificationChannels.channelType,
        kind: d.kind,
        status: d.status,
        attempts: d.attempts,
        lastError: d.lastError,
        updatedAt: d.updatedAt,
      })
      .from(d)
      .innerJoin(notificationChannels, eq(notificationChannels.id, d.channelId))
      .where(and(eq(d.tenantId, tenantId), eq(d.approvalId, approvalId)))
      .orderBy(asc(notificationChannels.name), asc(d.channelId), asc(d.kind));
  },

  /**
   * Enabled channels with at least `threshold` failed attempts in the last hour since their last
   * successful delivery (so a channel that recovered drops off at once).
   */
  failingChannels(db: DbOrTx, tenantId: string, now: Date, threshold = 3) {
    const hourAgo = new Date(now.getTime() - 3600_000);
    return rowsOf<{ id: string; name: string; channel_type: string; last_error: string | null }>(
      db,
      sql`SELECT c.id, c.name, c.channel_type,
                 (SELECT x.last_error FROM notification_deliveries x
                   WHERE x.channel_id = c.id AND x.last_error IS NOT NULL AND x.status IN ('pending', 'failed')
                   ORDER BY x.updated_at DESC LIMIT 1) AS last_error
            FROM notification_channels c
           WHERE c.tenant_id = ${tenantId} AND c.enabled
             AND (SELECT coalesce(sum(f.attempts), 0) FROM notification_deliveries f
                   WHERE f.channel_id = c.id AND f.status IN ('pending', 'failed') AND f.last_error IS NOT NULL
                     AND f.updated_at > ${ts(hourAgo)}
                     AND f.updated_at > coalesce((SELECT max(s.updated_at) FROM notification_deliveries s
                                                   WHERE s.channel_id = c.id AND s.status = 'sent'), '-infinity'::timestamptz)
                 ) >= ${threshold}
           ORDER BY c.name`,
    );
  },
};

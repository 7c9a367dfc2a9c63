import { sql } from 'drizzle-orm';
import { pgTable, uuid, varchar, text, timestamp, jsonb, index, integer } from 'drizzle-orm/pg-core';
import { tenants } from './schema.js';

/**
 * The admin activity log (issue 15, "Audit of changes"): one row per admin action, written in the
 * same transaction as the change it records (modules/activity/activity.service.ts `recordActivity`).
 * Rows are never updated; the id is time-ordered by `at` then `id` for keyset paging.
 */
export const adminActivity = pgTable(
  'admin_activity',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** Who: an e-mail (dashboard session), `key:<prefix>` (API key), `slack:<user>` etc. (chat), `system`. */
    actor: varchar('actor', { length: 255 }).notNull(),
    /** `user`, `api_key`, `chat`, `system`. */
    actorType: varchar('actor_type', { length: 16 }).notNull(),
    /** The user id or API key id behind `actor`, when there is one. */
    actorId: varchar('actor_id', { length: 255 }),
    /** Dotted name: `bundle.upload`, `api_key.revoke`, `breakglass.arm`, ... */
    action: varchar('action', { length: 64 }).notNull(),
    /** What it acted on: `bundle:<name>@<version>`, `api_key:<id>`, `agent:<id>`, ... */
    target: varchar('target', { length: 512 }),
    detail: jsonb('detail')
      .notNull()
      .default(sql`'{}'::jsonb`),
    /** `dashboard`, `api`, `chat`, `system`. */
    source: varchar('source', { length: 16 }).notNull(),
    ip: varchar('ip', { length: 64 }),
    userAgent: varchar('user_agent', { length: 512 }),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('ix_admin_activity_tenant_at').on(t.tenantId, t.at, t.id),
    index('ix_admin_activity_tenant_action').on(t.tenantId, t.action, t.at),
    index('ix_admin_activity_tenant_actor').on(t.tenantId, t.actor, t.at),
  ],
);

/**
 * Break-glass switches (issue 15): time-boxed deny overlays pushed to agents as signed bundles.
 * status: pending (awaiting a second admin) -> active -> disarmed | expired; pending -> lapsed
 * (never confirmed) | disarmed (withdrawn).
 */
export const breakGlassSwitches = pgTable(
  'break_glass_switches',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** `freeze_tool`, `stop_side_effects`, `quarantine_agent`. */
    kind: varchar('kind', { length: 32 }).notNull(),
    /** The tool glob (freeze_tool). */
    tool: varchar('tool', { length: 255 }),
    /** One agent (freeze_tool for one agent, quarantine_agent); null: fleet-wide. */
    agentId: varchar('agent_id', { length: 255 }),
    reason: text('reason').notNull(),
    status: varchar('status', { length: 16 }).notNull(),
    durationSeconds: integer('duration_seconds').notNull(),
    armedBy: varchar('armed_by', { length: 255 }).notNull(),
    armedByUserId: varchar('armed_by_user_id', { length: 255 }),
    confirmedBy: varchar('confirmed_by', { length: 255 }),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    /** Active: when it ends by itself. Pending: when the request lapses unconfirmed. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    endedBy: varchar('ended_by', { length: 255 }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** What arming did that disarming cannot undo (quarantine: the revoked API key ids). */
    effects: jsonb('effects')
      .notNull()
      .default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('ix_break_glass_tenant_status').on(t.tenantId, t.status, t.expiresAt),
    index('ix_break_glass_live_expiry')
      .on(t.expiresAt)
      .where(sql`${t.status} in ('pending', 'active')`),
  ],
);

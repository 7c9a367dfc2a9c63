import { index, integer, pgTable, primaryKey, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { deployments, tenants } from './schema.js';

/**
 * Rollouts (issue 15, docs/rollouts.md): every deploy becomes a rollout record with the agents
 * it targeted at that moment, and per agent when the bundle was pushed to it, when the agent was
 * seen running it, or why not. State lives here (not in a process's memory) so any process can
 * answer the API and the leader's tracking job can move on after a failover.
 */
export const rollouts = pgTable(
  'rollouts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    env: varchar('env', { length: 64 }).notNull(),
    bundleName: varchar('bundle_name', { length: 128 }).notNull(),
    bundleVersion: integer('bundle_version').notNull(),
    /** The ContractBundle revision (what old SDKs report, and what events carry after mapping). */
    revisionHash: varchar('revision_hash', { length: 128 }).notNull(),
    /** The Ruleset rendering's revision (what current SDKs report on connect); null when none. */
    rulesetRevisionHash: varchar('ruleset_revision_hash', { length: 128 }),
    /** The version current before this deploy (null: first deploy of the bundle in the env). */
    previousVersion: integer('previous_version'),
    deployedBy: varchar('deployed_by', { length: 255 }).notNull(),
    /** `tracking` until every target runs it (`complete`), a newer deploy (`superseded`) or the tracking window ends (`closed`). */
    status: varchar('status', { length: 16 }).notNull().default('tracking'),
    /** An agent still on the old revision this long after its push is a straggler. */
    stragglerAfterSeconds: integer('straggler_after_seconds').notNull(),
    /** When the straggler alert went to the notification channels (sent once per rollout). */
    alertedAt: timestamp('alerted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    index('ix_rollouts_tenant_created').on(t.tenantId, t.createdAt),
    index('ix_rollouts_deployment').on(t.deploymentId),
    index('ix_rollouts_status').on(t.status),
    index('ix_rollouts_target').on(t.tenantId, t.env, t.bundleName, t.createdAt),
  ],
);

/** One target agent of a rollout. */
export const rolloutAgents = pgTable(
  'rollout_agents',
  {
    rolloutId: uuid('rollout_id')
      .notNull()
      .references(() => rollouts.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    agentId: varchar('agent_id', { length: 255 }).notNull(),
    /** `pending`, `activated`, `straggler`. */
    state: varchar('state', { length: 16 }).notNull(),
    /** Why a straggler has not activated: `offline`, `old_revision`, `refused`. */
    reason: varchar('reason', { length: 32 }),
    /** How it was seen running the revision: `connect` (reported on reconnect) or `event` (policy_version). */
    activatedVia: varchar('activated_via', { length: 16 }),
    pushedAt: timestamp('pushed_at', { withTimezone: true }),
    activatedAt: timestamp('activated_at', { withTimezone: true }),
    /** The revision the agent last reported (connect or event), and when it was last heard from. */
    lastRevision: varchar('last_revision', { length: 128 }),
    lastContactAt: timestamp('last_contact_at', { withTimezone: true }),
    detail: text('detail'),
  },
  (t) => [
    primaryKey({ columns: [t.rolloutId, t.agentId] }),
    index('ix_rollout_agents_tenant').on(t.tenantId),
    index('ix_rollout_agents_state').on(t.rolloutId, t.state),
  ],
);

import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { assignmentRules, deployments, tenants } from './schema.js';

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
    /** `deploy`, or `canary` (a slice first; docs/rollouts.md "Canaries"). */
    kind: varchar('kind', { length: 16 }).notNull().default('deploy'),
    /** The deployment (a canary has one only once promoted to the whole target). */
    deploymentId: uuid('deployment_id').references(() => deployments.id, { onDelete: 'cascade' }),
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
    /**
     * Deploy: `tracking` until every target runs it (`complete`), a newer deploy (`superseded`) or
     * the tracking window ends (`closed`). Canary: `canary` while it runs, then `promoted`,
     * `rolled_back`, `stopped` or `superseded`.
     */
    status: varchar('status', { length: 16 }).notNull().default('tracking'),
    /** An agent still on the old revision this long after its push is a straggler. */
    stragglerAfterSeconds: integer('straggler_after_seconds').notNull(),
    /** When the straggler alert went to the notification channels (sent once per rollout). */
    alertedAt: timestamp('alerted_at', { withTimezone: true }),
    /** Canary: the slice's share of the target now (percent), the step it is on, since when. */
    canaryPercent: integer('canary_percent'),
    canaryStep: integer('canary_step'),
    stepStartedAt: timestamp('step_started_at', { withTimezone: true }),
    /** Canary: label, steps, bake time and thresholds as created (rollouts.schemas.ts CanaryConfig). */
    canaryConfig: jsonb('canary_config'),
    /** Why it ended the way it did (a breach names the metric and both values). */
    outcomeReason: text('outcome_reason'),
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
    /** Canary: the agent is in the slice (receives the canary version). */
    inSlice: boolean('in_slice').notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.rolloutId, t.agentId] }),
    index('ix_rollout_agents_tenant').on(t.tenantId),
    index('ix_rollout_agents_state').on(t.rolloutId, t.state),
  ],
);

/** Every step of a rollout: start, widen, promote, rollback, stop, with who and why. */
export const rolloutSteps = pgTable(
  'rollout_steps',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    rolloutId: uuid('rollout_id')
      .notNull()
      .references(() => rollouts.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    action: varchar('action', { length: 16 }).notNull(),
    percent: integer('percent'),
    /** `auto` for the leader's job, else the admin's e-mail. */
    actor: varchar('actor', { length: 255 }).notNull(),
    reason: text('reason'),
    /** The comparison the decision was made on (slice vs rest), when there was one. */
    metrics: jsonb('metrics'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('ix_rollout_steps_rollout').on(t.rolloutId, t.createdAt), index('ix_rollout_steps_tenant').on(t.tenantId)],
);

/** Agent labels set by an admin (API or dashboard); canaries can target a label. */
export const agentLabels = pgTable(
  'agent_labels',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    agentId: varchar('agent_id', { length: 255 }).notNull(),
    label: varchar('label', { length: 64 }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.agentId, t.label] }), index('ix_agent_labels_label').on(t.tenantId, t.label)],
);

/** Labels an assignment rule gives every agent it matches (pattern and tags, in the rule's env). */
export const assignmentRuleLabels = pgTable(
  'assignment_rule_labels',
  {
    ruleId: uuid('rule_id')
      .notNull()
      .references(() => assignmentRules.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    label: varchar('label', { length: 64 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.label] }), index('ix_assignment_rule_labels_tenant').on(t.tenantId)],
);

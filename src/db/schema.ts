import { sql } from 'drizzle-orm';
import {
  pgTable,
  uuid,
  varchar,
  text,
  boolean,
  integer,
  timestamp,
  jsonb,
  customType,
  index,
  uniqueIndex,
  unique,
  foreignKey,
  numeric,
  doublePrecision,
  primaryKey,
  bigint,
} from 'drizzle-orm/pg-core';

/**
 * The data model: every table of the reference console (console-api.md section 3), tenant-scoped,
 * plus what our decisions add (keyed-hash API keys, database sessions and key-value for the
 * embedded mode, the notification outbox). The partitioned `events` table is in
 * events-schema.ts: drizzle-kit cannot express partitioning, so it has a hand-written migration.
 */

export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array | Buffer }>({
  dataType: () => 'bytea',
  toDriver: (v) => Buffer.from(v),
  fromDriver: (v) => new Uint8Array(v),
});

const id = () => uuid('id').primaryKey().defaultRandom();
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const tenantId = () =>
  uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });

export const tenants = pgTable(
  'tenants',
  {
    id: id(),
    name: varchar('name', { length: 255 }).notNull(),
    externalAuthId: varchar('external_auth_id', { length: 255 }),
    createdAt: createdAt(),
  },
  (t) => [unique('uq_tenants_name').on(t.name), unique('uq_tenants_external_auth_id').on(t.externalAuthId)],
);

export const users = pgTable(
  'users',
  {
    id: id(),
    tenantId: tenantId(),
    email: varchar('email', { length: 255 }).notNull(),
    passwordHash: varchar('password_hash', { length: 255 }).notNull(),
    isAdmin: boolean('is_admin').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [unique('uq_users_email').on(t.email), index('ix_users_tenant').on(t.tenantId)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    tenantId: tenantId(),
    keyPrefix: varchar('key_prefix', { length: 96 }).notNull(),
    /** HMAC-SHA256 of the whole key under a key derived from EDICTUM_SECRET_KEY (decision 8). */
    keyHash: varchar('key_hash', { length: 64 }).notNull(),
    env: varchar('env', { length: 64 }).notNull(),
    label: varchar('label', { length: 255 }),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('uq_api_keys_key_hash').on(t.keyHash),
    index('ix_api_keys_tenant').on(t.tenantId, t.createdAt),
    index('ix_api_keys_key_prefix').on(t.keyPrefix),
  ],
);

export const signingKeys = pgTable(
  'signing_keys',
  {
    id: id(),
    tenantId: tenantId(),
    publicKey: bytea('public_key').notNull(),
    privateKeyEncrypted: bytea('private_key_encrypted').notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [
    index('ix_signing_keys_tenant').on(t.tenantId),
    uniqueIndex('uq_signing_keys_one_active').on(t.tenantId).where(sql`${t.active}`),
  ],
);

export const contracts = pgTable(
  'contracts',
  {
    id: id(),
    tenantId: tenantId(),
    contractId: varchar('contract_id', { length: 128 }).notNull(),
    version: integer('version').notNull(),
    type: varchar('type', { length: 32 }).notNull(),
    name: varchar('name', { length: 255 }).notNull(),
    description: text('description'),
    definition: jsonb('definition').notNull(),
    tags: jsonb('tags').notNull().default(sql`'[]'::jsonb`),
    isLatest: boolean('is_latest').notNull().default(true),
    createdBy: varchar('created_by', { length: 255 }).notNull(),
    createdAt: createdAt(),
    /** sha256 of the canonical JSON of {type, definition}: import and templates find duplicates by content (issue 13). */
    contentHash: varchar('content_hash', { length: 64 }),
  },
  (t) => [
    unique('uq_contract_tenant_id_version').on(t.tenantId, t.contractId, t.version),
    unique('uq_contract_tenant_pk').on(t.tenantId, t.id),
    index('ix_contracts_contract_id').on(t.contractId),
    index('ix_contracts_tenant_latest').on(t.tenantId, t.isLatest, t.createdAt),
    index('ix_contracts_tenant_hash').on(t.tenantId, t.contentHash),
  ],
);

export const bundleCompositions = pgTable(
  'bundle_compositions',
  {
    id: id(),
    tenantId: tenantId(),
    name: varchar('name', { length: 128 }).notNull(),
    description: text('description'),
    defaultsMode: varchar('defaults_mode', { length: 16 }).notNull().default('enforce'),
    updateStrategy: varchar('update_strategy', { length: 32 }).notNull().default('manual'),
    toolsConfig: jsonb('tools_config'),
    observability: jsonb('observability'),
    createdBy: varchar('created_by', { length: 255 }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    /** A library contract it uses changed since its last deploy (strategy `manual`; issue 13). */
    updateAvailable: boolean('update_available').notNull().default(false),
  },
  (t) => [
    unique('uq_composition_tenant_name').on(t.tenantId, t.name),
    unique('uq_composition_tenant_pk').on(t.tenantId, t.id),
    index('ix_bundle_compositions_name').on(t.name),
  ],
);

export const bundles = pgTable(
  'bundles',
  {
    id: id(),
    tenantId: tenantId(),
    name: varchar('name', { length: 128 }).notNull(),
    version: integer('version').notNull(),
    revisionHash: varchar('revision_hash', { length: 64 }).notNull(),
    yamlBytes: bytea('yaml_bytes').notNull(),
    signature: bytea('signature'),
    /** Which signing key made `signature`, so a deploy can tell whether to re-sign (decision 2). */
    signingKeyId: uuid('signing_key_id'),
    sourceHubSlug: varchar('source_hub_slug', { length: 255 }),
    sourceHubRevision: varchar('source_hub_revision', { length: 255 }),
    uploadedBy: varchar('uploaded_by', { length: 255 }).notNull(),
    compositionId: uuid('composition_id'),
    compositionSnapshot: jsonb('composition_snapshot'),
    contractCount: integer('contract_count'),
    createdAt: createdAt(),
    /** Which format the admin uploaded (`contract_bundle` | `ruleset`); `yaml_bytes` is always the ContractBundle form. */
    uploadedFormat: varchar('uploaded_format', { length: 16 }).notNull().default('contract_bundle'),
    /** The `kind: Ruleset` rendering served on /v1 (decision 16); null until rendered (older rows). */
    rulesetBytes: bytea('ruleset_bytes'),
    rulesetRevisionHash: varchar('ruleset_revision_hash', { length: 64 }),
    rulesetSignature: bytea('ruleset_signature'),
    rulesetSigningKeyId: uuid('ruleset_signing_key_id'),
  },
  (t) => [
    unique('uq_bundle_tenant_name_version').on(t.tenantId, t.name, t.version),
    index('ix_bundles_ruleset_revision_hash').on(t.rulesetRevisionHash),
    foreignKey({
      name: 'fk_bundle_tenant_composition',
      columns: [t.tenantId, t.compositionId],
      foreignColumns: [bundleCompositions.tenantId, bundleCompositions.id],
    }).onDelete('set null'),
    index('ix_bundles_name').on(t.tenantId, t.name),
    index('ix_bundles_revision_hash').on(t.revisionHash),
    index('ix_bundles_composition').on(t.compositionId),
    index('ix_bundles_signing_key').on(t.signingKeyId),
  ],
);

export const bundleCompositionItems = pgTable(
  'bundle_composition_items',
  {
    id: id(),
    tenantId: tenantId(),
    compositionId: uuid('composition_id').notNull(),
    contractId: uuid('contract_id').notNull(),
    position: integer('position').notNull(),
    modeOverride: varchar('mode_override', { length: 16 }),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    /** Moves to each new version of the contract (otherwise pinned to `contract_id`'s version). */
    followLatest: boolean('follow_latest').notNull().default(false),
    /**
     * Strategy `observe_first`: the version that keeps enforcing while `contract_id` (the changed
     * one) ships in observe mode beside it; null once promoted or when nothing is pending.
     */
    observeFromContractId: uuid('observe_from_contract_id'),
  },
  (t) => [
    unique('uq_composition_item').on(t.compositionId, t.contractId),
    foreignKey({
      name: 'fk_item_tenant_observe_from',
      columns: [t.tenantId, t.observeFromContractId],
      foreignColumns: [contracts.tenantId, contracts.id],
    }),
    index('ix_items_observe_from').on(t.tenantId, t.observeFromContractId),
    index('ix_items_composition').on(t.compositionId, t.position),
    foreignKey({
      name: 'fk_item_tenant_composition',
      columns: [t.tenantId, t.compositionId],
      foreignColumns: [bundleCompositions.tenantId, bundleCompositions.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'fk_item_tenant_contract',
      columns: [t.tenantId, t.contractId],
      foreignColumns: [contracts.tenantId, contracts.id],
    }),
    index('ix_items_tenant').on(t.tenantId),
    index('ix_items_contract').on(t.tenantId, t.contractId),
  ],
);

export const deployments = pgTable(
  'deployments',
  {
    id: id(),
    tenantId: tenantId(),
    env: varchar('env', { length: 64 }).notNull(),
    bundleName: varchar('bundle_name', { length: 128 }).notNull(),
    bundleVersion: integer('bundle_version').notNull(),
    deployedBy: varchar('deployed_by', { length: 255 }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('ix_deployments_current').on(t.tenantId, t.env, t.bundleName, t.createdAt),
    index('ix_deployments_tenant_created').on(t.tenantId, t.createdAt),
    index('ix_deployments_bundle_name').on(t.tenantId, t.bundleName),
  ],
);

export const approvals = pgTable(
  'approvals',
  {
    id: id(),
    tenantId: tenantId(),
    agentId: varchar('agent_id', { length: 255 }).notNull(),
    toolName: varchar('tool_name', { length: 255 }).notNull(),
    toolArgs: jsonb('tool_args'),
    message: text('message').notNull(),
    status: varchar('status', { length: 16 }).notNull().default('pending'),
    env: varchar('env', { length: 64 }).notNull().default('production'),
    timeoutSeconds: integer('timeout_seconds').notNull().default(300),
    timeoutEffect: varchar('timeout_effect', { length: 16 }).notNull().default('deny'),
    decisionSource: varchar('decision_source', { length: 255 }),
    contractName: varchar('contract_name', { length: 255 }),
    decidedBy: varchar('decided_by', { length: 255 }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionReason: text('decision_reason'),
    decidedVia: varchar('decided_via', { length: 64 }),
    /** The agent's session (current SDKs send it, sdk-contract-v2.md 2.4). */
    sessionId: varchar('session_id', { length: 255 }),
    /** created_at + timeout_seconds, stored so the timeout worker and list queries use an index. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('ix_approvals_tenant_created').on(t.tenantId, t.createdAt),
    index('ix_approvals_tenant_status').on(t.tenantId, t.status, t.createdAt),
    index('ix_approvals_pending_expiry').on(t.expiresAt).where(sql`${t.status} = 'pending'`),
  ],
);

export const notificationChannels = pgTable(
  'notification_channels',
  {
    id: id(),
    tenantId: tenantId(),
    name: varchar('name', { length: 100 }).notNull(),
    channelType: varchar('channel_type', { length: 32 }).notNull(),
    /** Legacy plaintext column of the reference; always null here. */
    config: jsonb('config'),
    configEncrypted: bytea('config_encrypted'),
    enabled: boolean('enabled').notNull().default(true),
    lastTestAt: timestamp('last_test_at', { withTimezone: true }),
    lastTestOk: boolean('last_test_ok'),
    filters: jsonb('filters'),
    createdAt: createdAt(),
  },
  (t) => [index('ix_notification_channels_tenant').on(t.tenantId, t.createdAt)],
);

/**
 * One row per (approval, channel, kind) message to deliver: the outbox. Workers claim rows with
 * `FOR UPDATE SKIP LOCKED`, so several processes never post the same message twice.
 */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: id(),
    tenantId: tenantId(),
    approvalId: uuid('approval_id')
      .notNull()
      .references(() => approvals.id, { onDelete: 'cascade' }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => notificationChannels.id, { onDelete: 'cascade' }),
    kind: varchar('kind', { length: 16 }).notNull(),
    status: varchar('status', { length: 16 }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastError: varchar('last_error', { length: 500 }),
    /** Provider ids of the posted message (chat id + message id, Slack ts...) for later edits. */
    externalRef: jsonb('external_ref'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('uq_delivery_approval_channel_kind').on(t.approvalId, t.channelId, t.kind),
    index('ix_deliveries_due').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('ix_deliveries_tenant_approval').on(t.tenantId, t.approvalId),
    index('ix_deliveries_channel').on(t.channelId, t.updatedAt),
  ],
);

export const agentRegistrations = pgTable(
  'agent_registrations',
  {
    id: id(),
    tenantId: tenantId(),
    agentId: varchar('agent_id', { length: 255 }).notNull(),
    displayName: varchar('display_name', { length: 255 }),
    tags: jsonb('tags').notNull().default(sql`'{}'::jsonb`),
    bundleName: varchar('bundle_name', { length: 128 }),
    manifest: jsonb('manifest'),
    lastEnv: varchar('last_env', { length: 64 }),
    lastPolicyVersion: varchar('last_policy_version', { length: 128 }),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('uq_agent_reg_tenant_agent').on(t.tenantId, t.agentId),
    index('ix_agent_registrations_agent_id').on(t.agentId),
  ],
);

export const assignmentRules = pgTable(
  'assignment_rules',
  {
    id: id(),
    tenantId: tenantId(),
    priority: integer('priority').notNull(),
    pattern: varchar('pattern', { length: 200 }).notNull(),
    tagMatch: jsonb('tag_match'),
    bundleName: varchar('bundle_name', { length: 128 }).notNull(),
    env: varchar('env', { length: 64 }).notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('uq_assignment_rule_tenant_priority').on(t.tenantId, t.priority)],
);

export const tenantAiConfigs = pgTable(
  'tenant_ai_configs',
  {
    id: id(),
    tenantId: tenantId(),
    provider: varchar('provider', { length: 32 }).notNull(),
    apiKeyEncrypted: bytea('api_key_encrypted'),
    model: varchar('model', { length: 200 }),
    baseUrl: varchar('base_url', { length: 500 }),
    /** Tokens the tenant's assistant may use per calendar month (UTC); null = no limit (issue 14). */
    monthlyTokenBudget: integer('monthly_token_budget'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    updatedBy: varchar('updated_by', { length: 255 }),
    createdAt: createdAt(),
  },
  (t) => [unique('uq_tenant_ai_config_tenant').on(t.tenantId)],
);

export const aiUsageLogs = pgTable(
  'ai_usage_logs',
  {
    id: id(),
    tenantId: tenantId(),
    provider: varchar('provider', { length: 32 }).notNull(),
    model: varchar('model', { length: 200 }).notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    totalTokens: integer('total_tokens').notNull(),
    durationMs: integer('duration_ms').notNull(),
    estimatedCostUsd: numeric('estimated_cost_usd', { precision: 10, scale: 6 }),
    requestType: varchar('request_type', { length: 32 }).notNull().default('assist'),
    createdAt: createdAt(),
  },
  (t) => [index('ix_ai_usage_logs_tenant_created').on(t.tenantId, t.createdAt)],
);

/** Dashboard sessions when no Redis is configured (embedded and Redis-less server mode). */
export const authSessions = pgTable(
  'auth_sessions',
  {
    tokenHash: varchar('token_hash', { length: 64 }).primaryKey(),
    value: text('value').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('ix_auth_sessions_expires').on(t.expiresAt)],
);

/** The agent session key-value store (sdk-contract.md section 7) when no Redis is configured. */
export const agentKv = pgTable(
  'agent_kv',
  {
    tenantId: tenantId(),
    key: varchar('key', { length: 256 }).notNull(),
    value: text('value').notNull(),
    /** Set for counters so increments stay numeric without parsing `value`. */
    numeric: doublePrecision('numeric'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'pk_agent_kv', columns: [t.tenantId, t.key] }),
    index('ix_agent_kv_expires').on(t.expiresAt),
  ],
);

/**
 * Console processes that hold agent streams, with a heartbeat (docs/scaling.md). A process whose
 * heartbeat is older than a minute is presumed dead: its live connections are ignored and swept.
 */
export const streamProcesses = pgTable(
  'stream_processes',
  {
    id: uuid('id').primaryKey(),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('ix_stream_processes_heartbeat').on(t.heartbeatAt)],
);

/**
 * One row per open agent stream, written by the process holding the socket on connect and deleted
 * on disconnect, so `/agents/status` and health see agents connected to any process.
 */
export const liveAgentConnections = pgTable(
  'live_agent_connections',
  {
    id: uuid('id').primaryKey(),
    processId: uuid('process_id').notNull(),
    tenantId: tenantId(),
    agentId: varchar('agent_id', { length: 255 }).notNull(),
    env: varchar('env', { length: 64 }).notNull(),
    bundleName: varchar('bundle_name', { length: 128 }),
    bundleSource: varchar('bundle_source', { length: 16 }).notNull(),
    policyVersion: varchar('policy_version', { length: 128 }),
    keyId: uuid('key_id').notNull(),
    connectedAt: timestamp('connected_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('ix_live_agent_connections_tenant').on(t.tenantId, t.agentId),
    index('ix_live_agent_connections_process').on(t.processId),
  ],
);

/**
 * Exact event counts per (tenant, UTC minute, env, verdict, mode): what the histogram reads
 * instead of one index entry per event (docs/events.md, "Per-minute counts").
 *
 * Append-only, no unique key: every ingest statement appends one row per group of the events it
 * actually inserted (in the same statement as the insert, from its RETURNING rows), every delete
 * of events appends the negative counts (same statement, from DELETE ... RETURNING). Concurrent
 * writers never touch the same row, so there is no hot counter row to wait on. The compaction job
 * (events.rollup.ts) merges each minute's rows into one row per key (`merged`), so the table stays
 * near one row per populated key and minute. The count of a key is sum(n) over its rows.
 */
export const eventMinuteCounts = pgTable(
  'event_minute_counts',
  {
    tenantId: tenantId(),
    /** date_bin('1 minute', events.timestamp, epoch): the UTC minute the counted events fall in. */
    minute: timestamp('minute', { withTimezone: true }).notNull(),
    env: varchar('env', { length: 64 }),
    verdict: varchar('verdict', { length: 64 }).notNull(),
    mode: varchar('mode', { length: 64 }).notNull(),
    /** Events added (ingest) or removed (negative: purge) by one statement, or a merged sum. */
    n: bigint('n', { mode: 'number' }).notNull(),
    /** True for the rows the compaction wrote; only unmerged rows are work for it. */
    merged: boolean('merged').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    // Every column a histogram read needs, so the read is an index-only scan of its window.
    index('ix_event_minute_counts_read').on(t.tenantId, t.minute, t.env, t.verdict, t.mode, t.n),
    // The compaction's queue: rows not merged yet, oldest first.
    index('ix_event_minute_counts_unmerged').on(t.createdAt).where(sql`NOT ${t.merged}`),
  ],
);

/**
 * Replay jobs (issue 9, docs/contracts.md "Replay"). The job runs in the process that started it;
 * its state lives here so a poll or a cancel reaching any process of several is answered, and a
 * process that dies leaves a row whose `heartbeat_at` goes stale (read as failed).
 */
export const replayJobs = pgTable(
  'replay_jobs',
  {
    id: id(),
    tenantId: tenantId(),
    /** running | done | failed | cancelled */
    status: varchar('status', { length: 16 }).notNull(),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    /** The request as accepted (candidate, baseline, window, filters), for the panel to show. */
    request: jsonb('request').notNull(),
    /** Calls evaluated so far, and the estimate of all calls in the window. */
    processed: integer('processed').notNull().default(0),
    total: integer('total').notNull().default(0),
    /** The change summary so far (final once status is done). */
    result: jsonb('result'),
    error: text('error'),
    createdBy: varchar('created_by', { length: 255 }).notNull(),
    createdAt: createdAt(),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('ix_replay_jobs_tenant_created').on(t.tenantId, t.createdAt)],
);

import type { AppDeps } from './deps.js';
import type { Publisher } from './platform/publisher.js';
import type { approvals } from './db/schema.js';
import type { Actor } from './modules/activity/activity.service.js';
import type { Tx } from './db/client.js';
import type { SwitchResponseT } from './modules/breakglass/breakglass.schemas.js';

export type ApprovalRow = typeof approvals.$inferSelect;

/** What approvals tell the notification module; the default does nothing. */
export interface Notifier {
  approvalCreated(approval: ApprovalRow): Promise<void>;
  approvalDecided(approval: ApprovalRow): Promise<void>;
  approvalsTimedOut(approvals: ApprovalRow[]): Promise<void>;
}

export const noopNotifier: Notifier = {
  approvalCreated: async () => undefined,
  approvalDecided: async () => undefined,
  approvalsTimedOut: async () => undefined,
};

export interface ApprovalDecision {
  approved: boolean;
  reason: string | null;
  /** Server-side identity: the session e-mail, or `slack:<user>`, `telegram:<user>`, `discord:<user>`. */
  decidedBy: string;
  /** `console`, `slack`, `telegram`, `discord`. */
  decidedVia: string;
  /** Who, for the admin activity log (address and client); derived from decidedBy/decidedVia when absent. */
  actor?: Actor;
}

export type DecideResult =
  | { ok: true; approval: ApprovalRow }
  | { ok: false; reason: 'not_found' | 'already_decided' | 'expired'; approval: ApprovalRow | null };

/**
 * Deciding an approval: one conditional update (`status = 'pending' AND expires_at > now()`),
 * then push + notifications after commit. Used by the dashboard route and by chat callbacks.
 * Implemented by modules/approvals; set on the context when that module registers.
 */
export interface ApprovalsApi {
  decide(tenantId: string, approvalId: string, decision: ApprovalDecision): Promise<DecideResult>;
  get(tenantId: string, approvalId: string): Promise<ApprovalRow | null>;
}

/** A deploy as the rollouts module records it (inside the deploy's transaction). */
export interface DeployRecord {
  tenantId: string;
  deploymentId: string;
  env: string;
  bundleName: string;
  bundleVersion: number;
  revisionHash: string;
  rulesetRevisionHash: string | null;
  deployedBy: string;
  createdAt: Date;
  stragglerAfterSeconds?: number | undefined;
}

/**
 * Deploy tracking (modules/rollouts): `record` runs in the deploy's transaction (a deploy and its
 * rollout commit together), `recorded` after commit. The default records nothing.
 */
export interface DeployTracker {
  record(tx: Tx, d: DeployRecord): Promise<string | null>;
  recorded(tenantId: string, rolloutId: string): Promise<void>;
}

export const noopDeployTracker: DeployTracker = { record: async () => null, recorded: async () => undefined };

/** A one-way notice to a tenant's notification channels (rollout alerts and steps). */
export interface Notice {
  title: string;
  lines: string[];
  /** Channels filtered to environments only get notices of theirs; null goes to all. */
  env: string | null;
  /** A dashboard path (joined to the base URL), or null. */
  link: string | null;
}

/** A break-glass step: `arm`, `confirm`, `extend`, `disarm`, `expire`, `lapse`. */
export type BreakGlassStep = 'arm' | 'confirm' | 'extend' | 'disarm' | 'expire' | 'lapse';

export interface Announcer {
  /** Never throws; delivery failures are logged. */
  announce(tenantId: string, notice: Notice): Promise<void>;
  /**
   * A break-glass switch changed (after commit): interactive chat channels get a message with its
   * buttons (Confirm/Cancel while pending, Disarm/Extend while active), the others a notice. The
   * channel a chat actor pressed in is skipped: its callback edits the pressed message instead.
   * Never throws.
   */
  breakGlass(sw: SwitchResponseT, step: BreakGlassStep, actor: Actor): Promise<void>;
}

export const noopAnnouncer: Announcer = { announce: async () => undefined, breakGlass: async () => undefined };

/**
 * Break-glass steps for verified chat callbacks (modules/breakglass sets it): the very service
 * functions the dashboard routes call, so every rule (two admins, tenant scope) holds.
 */
export interface BreakGlassApi {
  /** The tenant's admin with this e-mail (case-insensitive), or null. */
  adminByEmail(tenantId: string, email: string): Promise<{ id: string; email: string } | null>;
  confirm(actor: Actor & { actorId: string }, id: string): Promise<SwitchResponseT>;
  extend(actor: Actor & { actorId: string }, id: string, minutes: number): Promise<SwitchResponseT>;
  disarm(actor: Actor & { actorId: string }, id: string, reason: string | null): Promise<SwitchResponseT>;
}

const notRegistered = () => Promise.reject(new Error('break-glass module not registered'));
export const noBreakGlass: BreakGlassApi = {
  adminByEmail: notRegistered,
  confirm: notRegistered,
  extend: notRegistered,
  disarm: notRegistered,
};

/**
 * Per-agent delivery overrides (canary slices, modules/rollouts): the bundle version agent
 * `agentId` of `env` receives for `bundleName` instead of the current deployment, or null.
 */
export interface DeliveryOverrides {
  versionFor(tenantId: string, env: string, bundleName: string, agentId: string): Promise<number | null>;
}

export const noDeliveryOverrides: DeliveryOverrides = { versionFor: async () => null };

/** Live stream bookkeeping the rest of the app needs (implemented in modules/stream). */
export interface StreamHubView {
  connectedAgents(): number;
  /** Close every stream (graceful shutdown). */
  closeAll(): Promise<void>;
}

/** The audit chain's post-commit operations other modules call (implemented in modules/audit-chain). */
export interface AuditApi {
  /** Sign the tenant's chain head now (after a deploy; the periodic job does the rest). */
  checkpoint(tenantId: string, reason: 'periodic' | 'deploy' | 'manual'): Promise<unknown>;
}

/** Shared by route modules and workers: dependencies plus the app-wide services. */
export interface AppContext {
  deps: AppDeps;
  publish: Publisher;
  /** Replaced by the notifications module when it registers. */
  notifier: Notifier;
  /** Replaced by the notifications module when it registers. */
  announcer: Announcer;
  /** Replaced by the rollouts module when it registers. */
  deployTracker: DeployTracker;
  /** Replaced by the rollouts module when it registers (canary slices). */
  delivery: DeliveryOverrides;
  /** Set by the approvals module when it registers (routes call it at request time). */
  approvals: ApprovalsApi;
  /** Set by the break-glass module when it registers (chat callbacks call it at request time). */
  breakGlass: BreakGlassApi;
  hub: StreamHubView;
  audit: AuditApi;
  isLeader: () => boolean;
}

import type { AppDeps } from './deps.js';
import type { Publisher } from './platform/publisher.js';
import type { approvals } from './db/schema.js';
import type { Actor } from './modules/activity/activity.service.js';

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
  /** Set by the approvals module when it registers (routes call it at request time). */
  approvals: ApprovalsApi;
  hub: StreamHubView;
  audit: AuditApi;
  isLeader: () => boolean;
}

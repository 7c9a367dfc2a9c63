import type { AppDeps } from './deps.js';
import type { Publisher } from './platform/publisher.js';
import type { approvals } from './db/schema.js';

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

/** Live stream bookkeeping the rest of the app needs (implemented in modules/stream). */
export interface StreamHubView {
  connectedAgents(): number;
  /** Close every stream (graceful shutdown). */
  closeAll(): Promise<void>;
}

/** Shared by route modules and workers: dependencies plus the app-wide services. */
export interface AppContext {
  deps: AppDeps;
  publish: Publisher;
  notifier: Notifier;
  hub: StreamHubView;
  isLeader: () => boolean;
}

import type { Config } from '../../config.js';
import type { Job } from '../../workers/scheduler.js';
import type { ApprovalsService } from './approvals.service.js';

/**
 * Marks overdue pending approvals `timeout` (one conditional UPDATE per batch), then pushes
 * `approval_timeout` and tells the notifier. Leader only: in scale-out mode one process runs it,
 * though running it twice at once would be harmless (SKIP LOCKED + the re-checked condition).
 */
export function approvalTimeoutJob(
  config: Pick<Config, 'approvalTimeoutIntervalSeconds'>,
  service: Pick<ApprovalsService, 'expireOverdue'>,
): Job {
  return {
    name: 'approval_timeout',
    leaderOnly: true,
    intervalMs: config.approvalTimeoutIntervalSeconds * 1000,
    run: async () => {
      await service.expireOverdue();
    },
  };
}

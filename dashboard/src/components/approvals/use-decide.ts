import { useCallback } from 'react';
import { PENDING_KEY, decideApproval } from '../../api/approvals';
import { ApiError, errorMessage } from '../../api/client';
import { useQueryClient } from '../../api/query';
import type { Approval } from '../../api/types';
import { useToast } from '../ui/Toast';

/**
 * Approve/deny with an optimistic removal from the pending list. A 409 (someone else, or a chat
 * button, answered first; or it expired) is not an error for the user: we say so and refresh.
 */
export function useDecide() {
  const client = useQueryClient();
  const toast = useToast();
  return useCallback(
    async (a: Approval, approved: boolean, reason?: string, opts: { quiet?: boolean } = {}): Promise<boolean> => {
      const prev = client.snapshot<Approval[]>(PENDING_KEY).data;
      client.setData<Approval[]>(PENDING_KEY, (old) => old?.filter((x) => x.id !== a.id));
      try {
        await decideApproval(a.id, { approved, ...(reason ? { reason } : {}) });
        if (!opts.quiet) toast.success(`${approved ? 'Approved' : 'Denied'} ${a.tool_name} for ${a.agent_id}`);
        return true;
      } catch (e) {
        if (e instanceof ApiError && e.status === 409) {
          if (!opts.quiet) toast.info(`${a.tool_name} for ${a.agent_id} was already decided or has expired.`);
        } else {
          if (prev) client.setData(PENDING_KEY, () => prev);
          if (!opts.quiet) toast.error(`Could not ${approved ? 'approve' : 'deny'}: ${errorMessage(e)}`);
          throw e;
        }
        return false;
      } finally {
        client.invalidate('approvals:');
        client.invalidate('stats:');
      }
    },
    [client, toast],
  );
}

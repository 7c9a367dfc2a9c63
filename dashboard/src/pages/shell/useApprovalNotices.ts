import { useLocation } from 'react-router';
import { useToast } from '../../components/ui/Toast';
import { useLiveEvent } from '../../live/LiveProvider';

/** A toast for each new approval request, except on the pages that already show the queue. */
export function useApprovalNotices() {
  const toast = useToast();
  const location = useLocation();
  useLiveEvent('approval_created', (d) => {
    if (location.pathname === '/approvals' || location.pathname === '/') return;
    toast.info(`${d.agent_id} asks to run ${d.tool_name}: waiting for approval`);
  });
}

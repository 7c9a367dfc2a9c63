import { EmptyState } from '../../../components/ui/Feedback';

export default function NotificationsTab() {
  return <EmptyState title="Notification channels">Coming next.</EmptyState>;
}

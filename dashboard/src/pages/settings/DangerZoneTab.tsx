import { EmptyState } from '../../components/ui/Feedback';

export default function DangerZoneTab() {
  return <EmptyState title="Danger zone">Coming next.</EmptyState>;
}

import { PageHeader } from '../../components/ui/Card';

export default function AgentsPage() {
  return <PageHeader title="AgentsPage" />;
}

import { PageHeader } from '../../components/ui/Card';

export default function AgentPage() {
  return <PageHeader title="AgentPage" />;
}

import { PageHeader } from '../../components/ui/Card';

export default function ContractsPage() {
  return <PageHeader title="ContractsPage" />;
}

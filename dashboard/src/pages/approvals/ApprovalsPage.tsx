import { PageHeader } from '../../components/ui/Card';

export default function ApprovalsPage() {
  return <PageHeader title="ApprovalsPage" />;
}

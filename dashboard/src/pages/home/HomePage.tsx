import { PageHeader } from '../../components/ui/Card';

export default function HomePage() {
  return <PageHeader title="Overview" />;
}

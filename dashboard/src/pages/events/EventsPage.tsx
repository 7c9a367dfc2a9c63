import { PageHeader } from '../../components/ui/Card';

export default function EventsPage() {
  return <PageHeader title="EventsPage" />;
}

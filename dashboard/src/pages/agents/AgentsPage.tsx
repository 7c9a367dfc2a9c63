import { useSearchParams } from 'react-router';
import { PageHeader } from '../../components/ui/Card';
import { Tabs, tabId } from '../../components/ui/Tabs';
import { FleetTab } from './FleetTab';
import { RulesTab } from './rules/RulesTab';

export default function AgentsPage() {
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'rules' ? 'rules' : 'fleet';
  return (
    <div className="mx-auto max-w-7xl">
      <PageHeader title="Agents" description="Every agent that has reported, how much of what it does is governed, and which bundle it gets." />
      <Tabs
        idBase="agents"
        label="Agents views"
        value={tab}
        onChange={(t) => setParams(t === 'rules' ? { tab: 'rules' } : {}, { replace: true })}
        items={[
          { key: 'fleet', label: 'Fleet' },
          { key: 'rules', label: 'Assignment rules' },
        ]}
        className="mb-5"
      />
      <div role="tabpanel" id="agents-panel" aria-labelledby={tabId('agents', tab)}>
        {tab === 'rules' ? <RulesTab /> : <FleetTab />}
      </div>
    </div>
  );
}

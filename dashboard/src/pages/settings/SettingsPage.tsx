import { lazy, Suspense } from 'react';
import { useSearchParams } from 'react-router';
import { PageHeader } from '../../components/ui/Card';
import { SkeletonRows } from '../../components/ui/Feedback';
import { Tabs, tabId } from '../../components/ui/Tabs';
import { SystemTab } from './SystemTab';

const NotificationsTab = lazy(() => import('./notifications/NotificationsTab'));
const DangerZoneTab = lazy(() => import('./DangerZoneTab'));
const AiTab = lazy(() => import('./AiTab'));

type Tab = 'system' | 'notifications' | 'ai' | 'danger';
const TABS: { key: Tab; label: string }[] = [
  { key: 'system', label: 'System' },
  { key: 'notifications', label: 'Notifications' },
  { key: 'ai', label: 'AI' },
  { key: 'danger', label: 'Danger zone' },
];

export default function SettingsPage() {
  const [params, setParams] = useSearchParams();
  const raw = params.get('tab');
  const tab: Tab = TABS.some((t) => t.key === raw) ? (raw as Tab) : 'system';
  return (
    <div className="mx-auto max-w-6xl">
      <PageHeader title="Settings" description="Health of this console, where approval requests are sent, and maintenance." />
      <Tabs idBase="settings" label="Settings sections" items={TABS} value={tab} onChange={(t) => setParams(t === 'system' ? {} : { tab: t }, { replace: true })} className="mb-5" />
      <div role="tabpanel" id="settings-panel" aria-labelledby={tabId('settings', tab)}>
        <Suspense fallback={<SkeletonRows rows={4} />}>
          {tab === 'system' && <SystemTab />}
          {tab === 'notifications' && <NotificationsTab />}
          {tab === 'ai' && <AiTab />}
          {tab === 'danger' && <DangerZoneTab />}
        </Suspense>
      </div>
    </div>
  );
}

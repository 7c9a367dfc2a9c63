import { useEffect, useState } from 'react';
import { useStatsOverview } from '../../api/stats';
import { PageHeader } from '../../components/ui/Card';
import { useStoredState } from '../../lib/theme';
import { GettingStarted, WIZARD_FLAG } from './GettingStarted';
import { RecentActivity } from './RecentActivity';
import { StatsBar } from './StatsBar';
import { TriageColumn } from './TriageColumn';

export default function HomePage() {
  const stats = useStatsOverview();
  const [wizardDone, setWizardDone] = useStoredState<boolean>(WIZARD_FLAG, false);
  const empty = !!stats.data && stats.data.total_agents === 0 && stats.data.events_24h === 0;
  // Once shown, the card stays until dismissed, so the final "agent connected" step is seen
  // instead of the card vanishing when the stats refresh.
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (empty) setShown(true);
  }, [empty]);

  return (
    <div className="mx-auto max-w-7xl">
      {/* The header brings its own bottom margin; the gap applies below it only. */}
      <PageHeader title="Overview" description="What your agents did in the last 24 hours, and what needs you now." />
      <div className="flex flex-col gap-5">
        {shown && !wizardDone && <GettingStarted onDismiss={() => setWizardDone(true)} stats={stats.data} />}
        <StatsBar />
        <div className="grid gap-5 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
          <TriageColumn />
          <RecentActivity />
        </div>
      </div>
    </div>
  );
}

import { useAgentHistory } from '../../../api/agents';
import { ApiError } from '../../../api/client';
import type { AgentHistoryEvent } from '../../../api/types';
import { Badge, type Tone } from '../../../components/ui/Badge';
import { EmptyState, ErrorState, SkeletonRows } from '../../../components/ui/Feedback';
import { formatDateTime, formatDuration, formatRelative } from '../../../lib/format';

const META: Record<AgentHistoryEvent['type'], { label: string; tone: Tone }> = {
  deployment: { label: 'Deployment', tone: 'amber' },
  drift_detected: { label: 'Drift detected', tone: 'red' },
  drift_resolved: { label: 'Drift resolved', tone: 'emerald' },
  first_seen: { label: 'First seen', tone: 'blue' },
};

/** Deployments that reached this agent's environment, and when it drifted from them. */
export function HistoryTab({ agentId }: { agentId: string }) {
  const q = useAgentHistory(agentId);
  if (q.error instanceof ApiError && q.error.status === 404) return <EmptyState title="No history yet">Deployments and drift show up once the agent has sent events.</EmptyState>;
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} title="Could not load history" />;
  if (!q.data) return <SkeletonRows rows={5} />;
  if (q.data.events.length === 0) return <EmptyState title="No history yet">Nothing has been deployed to this agent's environment.</EmptyState>;
  return (
    <ol className="relative ml-3 border-l border-slate-200 dark:border-slate-800" aria-label="Agent history">
      {q.data.events.map((e, i) => {
        const m = META[e.type] ?? { label: e.type, tone: 'slate' as Tone };
        return (
          <li key={i} className="mb-4 ml-5">
            <span aria-hidden="true" className="absolute -left-1.5 mt-1.5 size-3 rounded-full border-2 border-white bg-amber-500 dark:border-slate-950" />
            <div className="flex flex-wrap items-center gap-2">
              <Badge tone={m.tone}>{m.label}</Badge>
              <time dateTime={e.timestamp} title={formatDateTime(e.timestamp)} className="text-xs text-slate-500">
                {formatRelative(e.timestamp)}
              </time>
            </div>
            <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
              {e.type === 'deployment' && (
                <>
                  <code className="font-mono">{e.bundle_name}</code> v{e.bundle_version} by {e.deployed_by ?? 'unknown'}
                </>
              )}
              {e.type === 'drift_detected' && (
                <>
                  Expected <code className="font-mono">{e.expected_version?.slice(0, 12)}</code>, agent runs <code className="font-mono">{e.actual_version?.slice(0, 12) ?? 'unknown'}</code>
                </>
              )}
              {e.type === 'drift_resolved' && <>Back on the deployed version{e.drift_duration_seconds ? ` after ${formatDuration(e.drift_duration_seconds)}` : ''}</>}
              {e.type === 'first_seen' && <>First event from this agent</>}
            </p>
          </li>
        );
      })}
    </ol>
  );
}

import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useHealthDetails } from '../../api/health';
import { Badge } from '../../components/ui/Badge';
import { Card } from '../../components/ui/Card';
import { ErrorState, LoadingBlock, Skeleton } from '../../components/ui/Feedback';
import { IconBot, IconDatabase, IconLock, IconServer, IconShield, IconZap } from '../../components/ui/icons';
import { cn } from '../../lib/cn';
import { formatTime } from '../../lib/format';

export function SystemTab() {
  const health = useHealthDetails();
  const h = health.data;

  if (health.error && !h) return <ErrorState error={health.error} onRetry={() => void health.refetch()} title="Could not load system health" />;
  if (!h) {
    return (
      <LoadingBlock label="Loading system health" className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} className="h-28" />
        ))}
      </LoadingBlock>
    );
  }

  const workers = Object.entries(h.workers ?? {});
  const redisUnused = !h.redis || h.redis.configured === false || (h.redis.configured === undefined && h.redis.connected && h.redis.latency_ms === null);
  const failing = h.failing_channels ?? [];
  const degraded = h.status !== 'ok';
  return (
    <div className="flex flex-col gap-4">
      <div
        role="status"
        className={cn(
          'flex flex-wrap items-center justify-between gap-2 rounded-lg border px-4 py-3 text-sm',
          degraded
            ? 'border-amber-400/60 bg-amber-50 text-amber-900 dark:bg-amber-500/10 dark:text-amber-200'
            : 'border-emerald-400/50 bg-emerald-50 text-emerald-900 dark:bg-emerald-500/10 dark:text-emerald-200',
        )}
      >
        <span className="font-medium">{degraded ? 'Degraded: some components need attention' : 'All systems operational'}</span>
        <span className="text-xs opacity-80">
          Version {h.version} · checked {formatTime(new Date(health.updatedAt).toISOString())} · refreshes every 30 s
        </span>
      </div>

      {failing.length > 0 && (
        <div role="alert" className="rounded-lg border border-red-400/60 bg-red-50 px-4 py-3 text-sm text-red-800 dark:bg-red-950/30 dark:text-red-300">
          <p className="font-medium">
            {failing.length} notification {failing.length === 1 ? 'channel is' : 'channels are'} failing to deliver.{' '}
            <Link to="/settings?tab=notifications" className="underline">
              Check the channels
            </Link>
          </p>
          <ul className="mt-1 list-inside list-disc text-xs">
            {failing.map((c) => (
              <li key={c.id}>
                {c.name} ({c.channel_type}){c.last_error ? `: ${c.last_error}` : ''}
              </li>
            ))}
          </ul>
        </div>
      )}

      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <HealthCard
          icon={<IconDatabase size={18} />}
          title="Database"
          ok={h.database.connected}
          value={h.database.connected ? latency(h.database.latency_ms) : 'Disconnected'}
          note={`Round trip of a trivial query${h.database.kind ? ` · ${h.database.kind}` : ''}${h.storage_mode ? ` · ${h.storage_mode} mode` : ''}`}
        />
        <HealthCard
          icon={<IconServer size={18} />}
          title="Redis"
          ok={redisUnused ? null : h.redis!.connected}
          value={redisUnused ? 'Not used' : h.redis!.connected ? latency(h.redis!.latency_ms) : 'Disconnected'}
          note={redisUnused ? 'Sessions and rate limits live in the database' : h.redis!.connected ? 'Sessions, rate limits, fan-out' : 'Ping failed: logins and rate limits may be refused'}
        />
        <HealthCard
          icon={<IconBot size={18} />}
          title="Connected agents"
          ok={null}
          value={String(h.connected_agents)}
          note={`Live agent streams${h.push_bus ? ` · push bus ${h.push_bus.kind}${h.push_bus.healthy ? '' : ' (unhealthy)'}` : ''}${h.leader !== undefined ? ` · ${h.leader ? 'leader' : 'follower'}` : ''}`}
        />
        <Card className="p-4">
          <CardTitle icon={<IconZap size={18} />} title="Workers" />
          {workers.length === 0 ? (
            <p className="mt-3 text-sm text-slate-500">No workers reported.</p>
          ) : (
            <ul className="mt-3 flex flex-col gap-1.5 text-sm">
              {workers.map(([name, state]) => (
                <li key={name} className="flex items-center justify-between gap-2">
                  <span className="truncate">{name.replace(/_/g, ' ')}</span>
                  <Badge tone={state === 'running' ? 'emerald' : state === 'stopped' ? 'zinc' : 'red'} dot>
                    {state}
                  </Badge>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <HealthCard icon={<IconShield size={18} />} title="Auth provider" ok={null} value={h.auth_provider} note={h.bootstrap_complete ? 'Bootstrap complete' : 'Not bootstrapped'} />
        <HealthCard
          icon={<IconLock size={18} />}
          title="HTTPS"
          ok={h.base_url_https}
          okLabels={['On', 'Off']}
          value={h.base_url_https ? 'Enabled' : 'Not configured'}
          note={h.base_url_https ? 'Secure cookies; chat callbacks can reach this console' : 'Set an https base URL for secure cookies and interactive chat approvals'}
        />
      </div>
    </div>
  );
}

function latency(ms: number | null) {
  return ms === null ? 'Connected' : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

function CardTitle({ icon, title }: { icon: ReactNode; title: string }) {
  return (
    <h3 className="flex items-center gap-2 text-sm font-medium text-slate-600 dark:text-slate-400">
      <span className="text-amber-500">{icon}</span>
      {title}
    </h3>
  );
}

function HealthCard({ icon, title, value, note, ok, okLabels = ['OK', 'Down'] }: { icon: ReactNode; title: string; value: string; note: string; ok: boolean | null; okLabels?: [string, string] }) {
  return (
    <Card className="p-4">
      <div className="flex items-start justify-between gap-2">
        <CardTitle icon={icon} title={title} />
        {ok !== null && (
          <Badge tone={ok ? 'emerald' : okLabels[1] === 'Down' ? 'red' : 'amber'} dot>
            {ok ? okLabels[0] : okLabels[1]}
          </Badge>
        )}
      </div>
      <p className="mt-3 text-2xl font-semibold tabular-nums">{value}</p>
      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">{note}</p>
    </Card>
  );
}

import { Link } from 'react-router';
import { useAgentStatus } from '../../api/agents';
import type { Deployment } from '../../api/types';
import { EnvBadge } from '../../components/EnvBadge';
import { Badge } from '../../components/ui/Badge';
import { Button } from '../../components/ui/Button';
import { formatRelative } from '../../lib/format';

/** Which version runs in each environment, and which connected agents have it. */
export function EnvStatus({ bundle, current, latest, onDeploy }: { bundle: string; current: Map<string, Deployment>; latest: number; onDeploy: (env: string) => void }) {
  const agents = useAgentStatus();
  if (current.size === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 p-4 text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
        Not deployed anywhere yet. Deploy a version to an environment and agents there that use <code className="font-mono">{bundle}</code> receive it immediately.
      </div>
    );
  }
  return (
    <ul className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3" aria-label="Environments">
      {[...current.values()]
        .sort((a, b) => a.env.localeCompare(b.env))
        .map((d) => {
          const here = (agents.data?.agents ?? []).filter((a) => a.env === d.env && a.bundle_name === bundle);
          const drift = here.filter((a) => a.status === 'drift').length;
          const onCanary = here.filter((a) => a.status === 'canary').length;
          return (
            <li key={d.env} className="flex flex-col gap-2 rounded-lg border border-slate-200 p-3 dark:border-slate-800">
              <div className="flex items-center justify-between gap-2">
                <EnvBadge env={d.env} />
                <span className="text-lg font-semibold">v{d.bundle_version}</span>
              </div>
              <p className="text-xs text-slate-500">
                {formatRelative(d.created_at)} by {d.deployed_by}
              </p>
              <p className="text-xs">
                {agents.isLoading ? (
                  '…'
                ) : here.length === 0 ? (
                  <span className="text-slate-500">No agent connected with this bundle</span>
                ) : (
                  <>
                    <Link to={`/agents?env=${encodeURIComponent(d.env)}`} className="hover:underline">
                      {here.length} connected {here.length === 1 ? 'agent' : 'agents'}
                    </Link>
                    {onCanary > 0 && (
                      <Badge tone="violet" className="ml-2">
                        {onCanary} on canary
                      </Badge>
                    )}
                    {drift > 0 && (
                      <Badge tone="amber" className="ml-2">
                        {drift} drifted
                      </Badge>
                    )}
                  </>
                )}
              </p>
              {d.bundle_version < latest && (
                <Button size="xs" variant="outline" onClick={() => onDeploy(d.env)} className="self-start">
                  Update to v{latest}
                </Button>
              )}
            </li>
          );
        })}
    </ul>
  );
}

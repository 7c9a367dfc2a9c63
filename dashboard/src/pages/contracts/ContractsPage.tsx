import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useMe } from '../../api/auth';
import { useBundles, useBundleVersions } from '../../api/bundles';
import type { Bundle } from '../../api/types';
import { EnvBadge } from '../../components/EnvBadge';
import { Badge } from '../../components/ui/Badge';
import { Button } from '../../components/ui/Button';
import { PageHeader } from '../../components/ui/Card';
import { EmptyState, ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { IconFile, IconUpload } from '../../components/ui/icons';
import { useToast } from '../../components/ui/Toast';
import { useLiveEvent } from '../../live/LiveProvider';
import { cn } from '../../lib/cn';
import { formatRelative } from '../../lib/format';
import { STARTER_BUNDLE_YAML } from '../../lib/starter-bundle';
import { BundleDetail } from './BundleDetail';
import { DeployDialog } from './DeployDialog';
import { SigningKeyCard } from './SigningKeyCard';
import { UploadDialog } from './UploadDialog';

export default function ContractsPage() {
  const bundles = useBundles();
  const [params, setParams] = useSearchParams();
  const [uploading, setUploading] = useState<string | null>(null);
  const [deploying, setDeploying] = useState<{ bundle: string; version: number } | null>(null);
  const toast = useToast();
  const selectedName = params.get('bundle') ?? bundles.data?.[0]?.name ?? null;

  const set = (patch: Record<string, string | null>) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        for (const [k, v] of Object.entries(patch)) {
          if (v === null) n.delete(k);
          else n.set(k, v);
        }
        return n;
      },
      { replace: true },
    );

  // Other people's uploads and deploys (ours already toasted where they happened).
  const me = useMe();
  useLiveEvent('bundle_deployed', (d) => {
    if (d.deployed_by !== me.data?.email) toast.info(`${d.bundle_name} v${d.version} deployed to ${d.env} by ${d.deployed_by}`);
  });
  useLiveEvent('bundle_uploaded', (d) => {
    if (d.uploaded_by !== me.data?.email) toast.info(`${d.bundle_name} v${d.version} uploaded by ${d.uploaded_by}`);
  });

  return (
    <div className="mx-auto max-w-7xl">
      <PageHeader
        title="Contracts"
        description={bundles.data ? `${bundles.data.length} ${bundles.data.length === 1 ? 'bundle' : 'bundles'} · ${bundles.data.reduce((n, b) => n + (b.contract_count ?? 0), 0)} contracts in their latest versions` : 'Contract bundles, their versions, and where each runs.'}
        actions={
          <Button variant="primary" onClick={() => setUploading('')}>
            <IconUpload size={16} /> Upload bundle
          </Button>
        }
      />
      {bundles.error && !bundles.data ? (
        <ErrorState error={bundles.error} onRetry={() => void bundles.refetch()} title="Could not load bundles" />
      ) : bundles.isLoading ? (
        <div className="grid gap-5 lg:grid-cols-[16rem_1fr]">
          <SkeletonRows rows={4} />
          <SkeletonRows rows={8} />
        </div>
      ) : bundles.data!.length === 0 ? (
        <div className="flex flex-col gap-5">
          <EmptyState
            icon={<IconFile size={24} />}
            title="No contract bundles yet"
            action={
              <div className="flex flex-wrap justify-center gap-2">
                <Button variant="primary" onClick={() => setUploading('')}>
                  <IconUpload size={16} /> Upload bundle
                </Button>
                <Button variant="outline" onClick={() => setUploading(STARTER_BUNDLE_YAML)}>
                  Start from the starter bundle
                </Button>
              </div>
            }
          >
            A bundle is a YAML file of contracts (edictum/v1). Upload one, deploy it to an environment, and every agent there enforces it within a second.
          </EmptyState>
          <SigningKeyCard />
        </div>
      ) : (
        <div className="grid gap-5 lg:grid-cols-[16rem_minmax(0,1fr)]">
          <nav aria-label="Bundles" className="flex flex-col gap-1">
            {bundles.data!.map((b) => (
              <button
                key={b.name}
                type="button"
                aria-current={b.name === selectedName ? 'true' : undefined}
                onClick={() => set({ bundle: b.name, version: null, a: null, b: null })}
                className={cn(
                  'flex flex-col items-start gap-1 rounded-lg border px-3 py-2 text-left',
                  b.name === selectedName ? 'border-amber-500/60 bg-amber-500/10' : 'border-transparent hover:bg-slate-100 dark:hover:bg-slate-900',
                )}
              >
                <span className="flex w-full items-center justify-between gap-2">
                  <span className="truncate font-mono text-sm font-semibold">{b.name}</span>
                  <span className="text-xs text-slate-500">v{b.latest_version}</span>
                </span>
                <span className="flex flex-wrap gap-1">
                  {b.deployed_envs.length === 0 ? <Badge tone="zinc">not deployed</Badge> : b.deployed_envs.map((e) => <EnvBadge key={e} env={e} />)}
                </span>
                <span className="text-xs text-slate-500">
                  {b.contract_count ?? '?'} {b.contract_count === 1 ? 'contract' : 'contracts'} · updated {formatRelative(b.last_updated)}
                </span>
              </button>
            ))}
          </nav>
          {selectedName && (
            <BundleDetail
              key={selectedName}
              name={selectedName}
              params={params}
              set={set}
              onDeploy={(version) => setDeploying({ bundle: selectedName, version })}
              onUploadNew={(yaml) => setUploading(yaml)}
            />
          )}
        </div>
      )}
      {uploading !== null && (
        <UploadDialog
          open
          initialYaml={uploading}
          onClose={() => setUploading(null)}
          onUploaded={(b: Bundle) => set({ bundle: b.name, version: String(b.version), tab: null })}
          onDeploy={(b) => setDeploying({ bundle: b.name, version: b.version })}
        />
      )}
      {deploying && <DeployDialogLoader {...deploying} onClose={() => setDeploying(null)} />}
    </div>
  );
}

function DeployDialogLoader({ bundle, version, onClose }: { bundle: string; version: number; onClose: () => void }) {
  const versions = useBundleVersions(bundle);
  if (!versions.data) return null;
  return <DeployDialog bundle={bundle} versions={versions.data.map((v) => v.version)} initialVersion={version} onClose={onClose} />;
}

import { useEffect, useMemo } from 'react';
import { useBundleVersions, useBundleYaml, useDeployments } from '../../api/bundles';
import { EnvBadge } from '../../components/EnvBadge';
import { Button } from '../../components/ui/Button';
import { Card } from '../../components/ui/Card';
import { EmptyState, ErrorState, LoadingBlock, Skeleton, SkeletonRows } from '../../components/ui/Feedback';
import { Select } from '../../components/ui/Field';
import { IconRocket } from '../../components/ui/icons';
import { Table, TBody, TD, TH, THead, TR } from '../../components/ui/Table';
import { Tabs, tabId } from '../../components/ui/Tabs';
import { formatDateTime, formatRelative } from '../../lib/format';
import { currentByEnv } from './deployments-util';
import { DiffView } from './DiffView';
import { EnvStatus } from './EnvStatus';
import { ReplayPanel } from './ReplayPanel';
import { SigningKeyCard } from './SigningKeyCard';
import { YamlView } from './YamlView';

type Tab = 'yaml' | 'versions' | 'diff' | 'deployments' | 'replay';

/** One bundle: where it runs, its YAML per version, versions, diffs and deployment history. */
export function BundleDetail({ name, params, set, onDeploy, onUploadNew }: {
  name: string;
  params: URLSearchParams;
  set: (p: Record<string, string | null>) => void;
  onDeploy: (version: number) => void;
  onUploadNew: (yaml: string) => void;
}) {
  const versions = useBundleVersions(name);
  const deps = useDeployments(name);
  const current = useMemo(() => currentByEnv(deps.data ?? []), [deps.data]);
  const list = versions.data ?? [];
  const latest = list[0]?.version ?? 0;
  const version = Number(params.get('version')) || latest;
  const tab: Tab = (['yaml', 'versions', 'diff', 'deployments', 'replay'] as const).find((t) => t === params.get('tab')) ?? 'yaml';
  const yaml = useBundleYaml(name, version || null);

  if (versions.error && !versions.data) return <ErrorState error={versions.error} onRetry={() => void versions.refetch()} title={`Could not load ${name}`} />;
  if (!versions.data) return <SkeletonRows rows={8} />;
  const selected = list.find((v) => v.version === version);

  return (
    <div className="flex min-w-0 flex-col gap-4">
      <Card className="p-4">
        <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
          <h2 className="font-mono text-lg font-semibold">{name}</h2>
          <Button variant="primary" size="sm" onClick={() => onDeploy(version)}>
            <IconRocket size={14} /> Deploy…
          </Button>
        </div>
        <EnvStatus bundle={name} current={current} latest={latest} onDeploy={() => onDeploy(latest)} />
      </Card>

      <Tabs
        idBase="bundle"
        label="Bundle views"
        value={tab}
        onChange={(t) => set({ tab: t === 'yaml' ? null : t })}
        items={[
          { key: 'yaml', label: 'YAML' },
          { key: 'versions', label: 'Versions', count: list.length },
          { key: 'diff', label: 'Diff' },
          { key: 'deployments', label: 'Deployments', count: deps.data?.length },
          { key: 'replay', label: 'Replay' },
        ]}
      />
      <div role="tabpanel" id="bundle-panel" aria-labelledby={tabId('bundle', tab)}>
        {tab === 'yaml' && (
          <div className="flex flex-col gap-3">
            <div className="flex flex-wrap items-end gap-3">
              <Select label="Version" value={version} onChange={(e) => set({ version: e.target.value })} wrapperClassName="w-60">
                {list.map((v) => (
                  <option key={v.version} value={v.version}>
                    v{v.version}
                    {v.deployed_envs.length ? ` (${v.deployed_envs.join(', ')})` : ''}
                  </option>
                ))}
              </Select>
              {selected && (
                <p className="pb-2 text-xs text-slate-500">
                  Uploaded {formatDateTime(selected.created_at)} by {selected.uploaded_by} · sha256 <code className="font-mono">{selected.revision_hash.slice(0, 12)}</code>
                  {selected.signature_hex ? ' · signed' : ' · unsigned until deployed'}
                </p>
              )}
              {yaml.data && (
                <Button size="sm" variant="outline" className="mb-0.5 ml-auto" onClick={() => onUploadNew(yaml.data!)}>
                  Edit as new version
                </Button>
              )}
            </div>
            {yaml.error && !yaml.data ? (
              <ErrorState error={yaml.error} onRetry={() => void yaml.refetch()} title="Could not load the YAML" />
            ) : !yaml.data ? (
              <LoadingBlock label="Loading YAML">
                <Skeleton className="h-96" />
              </LoadingBlock>
            ) : (
              <YamlView yaml={yaml.data} className="max-h-[65dvh]" label={`${name} v${version}`} />
            )}
          </div>
        )}
        {tab === 'versions' && (
          <Table caption={`Versions of ${name}`}>
            <THead>
              <tr>
                <TH>Version</TH>
                <TH>Running in</TH>
                <TH>Revision</TH>
                <TH>Uploaded</TH>
                <TH>
                  <span className="sr-only">Actions</span>
                </TH>
              </tr>
            </THead>
            <TBody>
              {list.map((v) => (
                <TR key={v.version}>
                  <TD className="font-semibold">v{v.version}</TD>
                  <TD>
                    <span className="flex flex-wrap gap-1">{v.deployed_envs.length ? v.deployed_envs.map((e) => <EnvBadge key={e} env={e} />) : <span className="text-xs text-slate-400">—</span>}</span>
                  </TD>
                  <TD>
                    <code className="font-mono text-xs">{v.revision_hash.slice(0, 12)}</code>
                  </TD>
                  <TD className="text-xs text-slate-500">
                    {formatRelative(v.created_at)} · {v.uploaded_by}
                  </TD>
                  <TD>
                    <div className="flex justify-end gap-1">
                      <Button size="xs" variant="ghost" onClick={() => set({ tab: null, version: String(v.version) })}>
                        View
                      </Button>
                      {v.version > 1 && (
                        <Button size="xs" variant="ghost" onClick={() => set({ tab: 'diff', a: String(list.find((x) => x.version < v.version)?.version ?? v.version - 1), b: String(v.version) })}>
                          Diff
                        </Button>
                      )}
                      <Button size="xs" variant="outline" onClick={() => onDeploy(v.version)}>
                        Deploy
                      </Button>
                    </div>
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
        )}
        {tab === 'replay' && (
          <div className="flex flex-col gap-3">
            <Select label="Version to replay" value={version} onChange={(e) => set({ version: e.target.value })} wrapperClassName="w-60">
              {list.map((v) => (
                <option key={v.version} value={v.version}>v{v.version}</option>
              ))}
            </Select>
            <ReplayPanel key={version} bundle={name} version={version} versions={list.map((v) => v.version)} />
          </div>
        )}
        {tab === 'diff' && <DiffTab name={name} versions={list.map((v) => v.version)} params={params} set={set} />}
        {tab === 'deployments' &&
          (deps.error && !deps.data ? (
            <ErrorState error={deps.error} onRetry={() => void deps.refetch()} />
          ) : !deps.data ? (
            <SkeletonRows rows={4} />
          ) : deps.data.length === 0 ? (
            <EmptyState title="Never deployed">Deploy a version and the history of who deployed what, where and when shows up here.</EmptyState>
          ) : (
            <Table caption={`Deployments of ${name}`}>
              <THead>
                <tr>
                  <TH>When</TH>
                  <TH>Environment</TH>
                  <TH>Version</TH>
                  <TH>By</TH>
                </tr>
              </THead>
              <TBody>
                {deps.data.map((d) => (
                  <TR key={d.id}>
                    <TD className="text-xs whitespace-nowrap" title={formatDateTime(d.created_at)}>
                      {formatRelative(d.created_at)}
                    </TD>
                    <TD>
                      <EnvBadge env={d.env} />
                    </TD>
                    <TD>v{d.bundle_version}</TD>
                    <TD className="text-xs">{d.deployed_by}</TD>
                  </TR>
                ))}
              </TBody>
            </Table>
          ))}
      </div>
      <SigningKeyCard />
    </div>
  );
}

function DiffTab({ name, versions, params, set }: { name: string; versions: number[]; params: URLSearchParams; set: (p: Record<string, string | null>) => void }) {
  const b = Number(params.get('b')) || versions[0] || 0;
  const a = Number(params.get('a')) || versions.find((v) => v < b) || b;
  const ya = useBundleYaml(name, a);
  const yb = useBundleYaml(name, b);
  useEffect(() => {
    if (!params.get('a') && !params.get('b') && versions.length > 1) set({ a: String(a), b: String(b) });
  }, [params, versions.length, a, b, set]);
  if (versions.length < 2) return <EmptyState title="Only one version">Upload a changed bundle to compare versions.</EmptyState>;
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-end gap-3">
        <Select label="From" value={a} onChange={(e) => set({ a: e.target.value })} wrapperClassName="w-32">
          {versions.map((v) => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </Select>
        <Select label="To" value={b} onChange={(e) => set({ b: e.target.value })} wrapperClassName="w-32">
          {versions.map((v) => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </Select>
      </div>
      {ya.error || yb.error ? (
        <ErrorState error={ya.error ?? yb.error} onRetry={() => void (ya.error ? ya.refetch() : yb.refetch())} />
      ) : ya.data === undefined || yb.data === undefined ? (
        <LoadingBlock label="Loading versions">
          <Skeleton className="h-64" />
        </LoadingBlock>
      ) : (
        <DiffView before={ya.data} after={yb.data} labelBefore={`v${a}`} labelAfter={`v${b}`} />
      )}
    </div>
  );
}

import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { createCanary } from '../../api/rollouts';
import { CANARY_DEFAULTS, canaryBody, CanaryFields } from './CanaryFields';
import { deployBundle, getBundleYaml, useBundleVersions, useDeployments } from '../../api/bundles';
import { errorMessage } from '../../api/client';
import { useQuery, useQueryClient } from '../../api/query';
import { EnvBadge } from '../../components/EnvBadge';
import { Button } from '../../components/ui/Button';
import { Dialog } from '../../components/ui/Dialog';
import { ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { Combobox, Select } from '../../components/ui/Field';
import { useToast } from '../../components/ui/Toast';
import { contractChanges, diffLines, diffStats } from '../../lib/diff';
import { envOptions, validateEnv } from '../../lib/env';
import { formatRelative } from '../../lib/format';
import { currentByEnv } from './deployments-util';
import { DiffView } from './DiffView';
import { ReplayPanel } from './ReplayPanel';

/** Pick an environment, see exactly what changes there, then deploy (signed and pushed). */
export function DeployDialog({ bundle, versions, initialVersion, onClose, onDeployed }: {
  bundle: string;
  versions: number[];
  initialVersion: number;
  onClose: () => void;
  onDeployed?: () => void;
}) {
  const deps = useDeployments(bundle);
  const current = useMemo(() => currentByEnv(deps.data ?? []), [deps.data]);
  const [version, setVersion] = useState(initialVersion);
  const [env, setEnv] = useState('production');
  const [envError, setEnvError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [showDiff, setShowDiff] = useState(false);
  const [showReplay, setShowReplay] = useState(false);
  const [canary, setCanary] = useState(false);
  const [canaryForm, setCanaryForm] = useState(CANARY_DEFAULTS);
  const navigate = useNavigate();
  const client = useQueryClient();
  const toast = useToast();

  const running = current.get(env.trim()) ?? null;
  const meta = useBundleVersions(bundle).data?.find((b) => b.version === version);
  const target = useQuery(`bundles:yaml:${bundle}:${version}`, () => getBundleYaml(bundle, version));
  const base = useQuery(`bundles:yaml:${bundle}:${running?.bundle_version ?? 0}`, () => getBundleYaml(bundle, running!.bundle_version), { enabled: !!running });

  const summary = useMemo(() => {
    if (!target.data || (running && !base.data)) return null;
    const before = running ? base.data! : '';
    return { lines: diffStats(diffLines(before, target.data)), ...contractChanges(before, target.data) };
  }, [target.data, base.data, running]);

  const confirm = async () => {
    const err = validateEnv(env.trim());
    setEnvError(err);
    if (err) return;
    if (canary) return startCanary();
    setBusy(true);
    try {
      await deployBundle(bundle, version, env.trim());
      toast.success(`${bundle} v${version} deployed to ${env.trim()}`);
      client.invalidate('bundles:');
      client.invalidate('deployments:');
      client.invalidate('agents:');
      onDeployed?.();
      onClose();
    } catch (e) {
      toast.error(`Deploy failed: ${errorMessage(e)}`);
    } finally {
      setBusy(false);
    }
  };

  /** A slice first (docs/rollouts.md): the rollout page shows it live with its controls. */
  const startCanary = async () => {
    const parsed = canaryBody(canaryForm);
    if (!parsed.ok) return toast.error(parsed.error);
    setBusy(true);
    try {
      const r = await createCanary({ bundle_name: bundle, version, env: env.trim(), ...parsed.body });
      toast.success(`Canary of ${bundle} v${version} started in ${env.trim()}`);
      client.invalidate('rollouts:');
      onClose();
      void navigate(`/rollouts/${r.id}`);
    } catch (e) {
      toast.error(`Canary failed: ${errorMessage(e)}`);
    } finally {
      setBusy(false);
    }
  };

  const same = running?.bundle_version === version;

  return (
    <Dialog
      open
      onClose={onClose}
      dismissable={!busy}
      size="lg"
      title={`Deploy ${bundle}`}
      description="The console signs the bundle and pushes it to every agent in the environment that runs this bundle."
      onSubmit={() => void confirm()}
      footer={
        <>
          <Button variant="ghost" onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" loading={busy}>
            {canary ? 'Start canary of' : 'Deploy'} v{version} {canary ? 'in' : 'to'} {env.trim() || '…'}
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-4 text-sm">
        <div className="grid gap-3 sm:grid-cols-2">
          <Select label="Version" value={version} onChange={(e) => setVersion(Number(e.target.value))}>
            {versions.map((v) => (
              <option key={v} value={v}>
                v{v}
              </option>
            ))}
          </Select>
          <Combobox label="Environment" suggestions={envOptions(current.keys())} value={env} onChange={(e) => setEnv(e.target.value)} error={envError} required />
        </div>

        <section aria-label="What changes" className="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
          <h3 className="mb-2 font-medium">What changes in {env.trim() || 'this environment'}</h3>
          {deps.isLoading || target.isLoading || (running && base.isLoading) ? (
            <SkeletonRows rows={2} />
          ) : target.error || base.error ? (
            <ErrorState error={target.error ?? base.error} onRetry={() => void (target.error ? target.refetch() : base.refetch())} title="Could not compare versions" />
          ) : (
            <div className="flex flex-col gap-2">
              <p className="flex flex-wrap items-center gap-2">
                <EnvBadge env={env.trim() || null} />
                {running ? (
                  <>
                    runs v{running.bundle_version} (deployed {formatRelative(running.created_at)} by {running.deployed_by}) → <strong>v{version}</strong>
                  </>
                ) : (
                  <>nothing from this bundle yet → <strong>v{version}</strong> (first deploy here)</>
                )}
              </p>
              {meta && (
                <p className="text-xs text-slate-500" data-testid="deploy-generations">
                  {meta.ruleset_revision_hash
                    ? 'Both SDK generations get it: kind: ContractBundle on /api/v1 and kind: Ruleset on /v1, each with its own hash and signature.'
                    : 'Pre-rename SDKs (/api/v1) get it; the kind: Ruleset rendering for current SDKs (/v1) is made at deploy if this version can be rendered (docs/agents.md).'}
                </p>
              )}
              {same ? (
                <p className="text-amber-700 dark:text-amber-400">v{version} already runs here. Deploying again re-signs and re-sends it to connected agents.</p>
              ) : summary ? (
                <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs">
                  <li>
                    <span className="text-emerald-600 dark:text-emerald-400">+{summary.lines.added}</span> / <span className="text-red-600 dark:text-red-400">−{summary.lines.removed}</span> lines
                  </li>
                  {summary.added.length > 0 && <li>Contracts added: <code className="font-mono">{summary.added.join(', ')}</code></li>}
                  {summary.changed.length > 0 && <li>Changed: <code className="font-mono">{summary.changed.join(', ')}</code></li>}
                  {summary.removed.length > 0 && <li className="text-red-600 dark:text-red-400">Removed: <code className="font-mono">{summary.removed.join(', ')}</code></li>}
                </ul>
              ) : null}
              {running && !same && target.data && base.data && (
                <div>
                  <Button size="xs" variant="ghost" aria-expanded={showDiff} onClick={() => setShowDiff(!showDiff)}>
                    {showDiff ? 'Hide' : 'Show'} full diff
                  </Button>
                  {showDiff && (
                    <div className="mt-2">
                      <DiffView before={base.data} after={target.data} labelBefore={`v${running.bundle_version}`} labelAfter={`v${version}`} />
                    </div>
                  )}
                </div>
              )}
            </div>
          )}
        </section>

        {running && !same && (
          <section aria-label="Canary" className="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
            <label className="flex items-center gap-2 font-medium">
              <input
                type="checkbox"
                checked={canary}
                onChange={(e) => {
                  setCanary(e.target.checked);
                  // What the new version would have decided is shown with every canary.
                  if (e.target.checked) setShowReplay(true);
                }}
              />
              Canary first: send v{version} to a slice, compare it with the rest, widen or roll back by itself
            </label>
            {canary && (
              <div className="mt-3">
                <CanaryFields value={canaryForm} onChange={setCanaryForm} env={env.trim()} />
              </div>
            )}
          </section>
        )}

        <section aria-label="Replay before deploying" className="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
          <div className="flex items-center justify-between gap-2">
            <h3 className="font-medium">What v{version} would have decided in {env.trim() || 'this environment'}</h3>
            <Button type="button" size="xs" variant="ghost" aria-expanded={showReplay} onClick={() => setShowReplay(!showReplay)}>
              {showReplay ? 'Hide' : 'Replay recorded calls'}
            </Button>
          </div>
          {showReplay && (
            <div className="mt-2">
              <ReplayPanel key={`${version}:${env.trim()}`} bundle={bundle} version={version} versions={versions} env={env.trim()} />
            </div>
          )}
        </section>
      </div>
    </Dialog>
  );
}

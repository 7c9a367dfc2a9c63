import { useEffect, useState } from 'react';
import { errorMessage } from '../../api/client';
import { useReplayJob } from '../../api/evaluate';
import { deployComposition, diffComposition, promoteComposition, type BundleDiff, type FieldChange } from '../../api/library';
import { useQueryClient } from '../../api/query';
import { Button } from '../../components/ui/Button';
import { Dialog } from '../../components/ui/Dialog';
import { SkeletonRows } from '../../components/ui/Feedback';
import { Combobox, Select } from '../../components/ui/Field';
import { useToast } from '../../components/ui/Toast';
import { envOptions, validateEnv } from '../../lib/env';
import { ReplayResult } from '../contracts/ReplayPanel';

const IMPACT_DAYS = [1, 7, 30];

function show(v: unknown): string {
  if (v === undefined) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function FieldTable({ fields, label }: { fields: FieldChange[]; label: string }) {
  return (
    <div className="overflow-x-auto">
      <table aria-label={label} className="w-full text-left text-xs">
        <thead className="text-slate-500">
          <tr>
            <th className="py-1 pr-3 font-medium">Field</th>
            <th className="py-1 pr-3 font-medium">Before</th>
            <th className="py-1 font-medium">After</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => (
            <tr key={f.path} className="border-t border-slate-200 align-top dark:border-slate-800">
              <td className="py-1 pr-3 font-mono">{f.path}</td>
              <td className="py-1 pr-3 font-mono break-all text-red-700 dark:text-red-300">{show(f.from)}</td>
              <td className="py-1 font-mono break-all text-emerald-700 dark:text-emerald-300">{show(f.to)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Contracts added, removed and changed field by field, as the console's diff answered. */
export function DiffSummary({ diff }: { diff: BundleDiff }) {
  const none = diff.added.length + diff.removed.length + diff.changed.length + diff.bundle_fields.length === 0;
  return (
    <section aria-label="Changes" className="flex flex-col gap-3 text-sm">
      <p className="text-xs text-slate-500">
        {diff.from.label} → {diff.to.label}
        {diff.to.revision_hash ? ` · revision ${diff.to.revision_hash.slice(0, 12)}` : ''}
      </p>
      {none && <p>No contract changes.</p>}
      {diff.added.length > 0 && (
        <div>
          <h4 className="text-xs font-semibold text-emerald-700 dark:text-emerald-400">Added</h4>
          <ul aria-label="Contracts added" className="mt-1 flex flex-wrap gap-2 text-xs">
            {diff.added.map((c) => (
              <li key={c.contract_id}><code className="font-mono">{c.contract_id}</code> <span className="text-slate-500">({c.type}, {c.mode})</span></li>
            ))}
          </ul>
        </div>
      )}
      {diff.removed.length > 0 && (
        <div>
          <h4 className="text-xs font-semibold text-red-700 dark:text-red-400">Removed</h4>
          <ul aria-label="Contracts removed" className="mt-1 flex flex-wrap gap-2 text-xs">
            {diff.removed.map((c) => (
              <li key={c.contract_id}><code className="font-mono">{c.contract_id}</code> <span className="text-slate-500">({c.type}, {c.mode})</span></li>
            ))}
          </ul>
        </div>
      )}
      {diff.changed.map((c) => (
        <div key={c.contract_id}>
          <h4 className="text-xs font-semibold text-amber-700 dark:text-amber-400">Changed: <code className="font-mono">{c.contract_id}</code></h4>
          <FieldTable fields={c.fields} label={`Changes to ${c.contract_id}`} />
        </div>
      ))}
      {diff.bundle_fields.length > 0 && (
        <div>
          <h4 className="text-xs font-semibold">Bundle settings</h4>
          <FieldTable fields={diff.bundle_fields} label="Bundle setting changes" />
        </div>
      )}
    </section>
  );
}

/** The replay of the change (the diff starts it; it is followed here until it ends). */
function Impact({ diff }: { diff: BundleDiff }) {
  const first = diff.impact;
  const { job } = useReplayJob(first && first.status === 'running' ? first.id : null);
  const current = job ?? first;
  if (!current) return <p className="text-xs text-slate-500">{diff.impact_error ?? 'No impact replay.'}</p>;
  if (current.status === 'running')
    return (
      <p className="text-xs text-slate-500" role="status">
        Replaying recorded calls… {current.processed.toLocaleString()} of ~{current.total.toLocaleString()}
      </p>
    );
  if (!current.result) return <p className="text-xs text-red-600">{current.error ?? 'The replay did not finish.'}</p>;
  return <ReplayResult summary={current.result} />;
}

/**
 * Shown before every deploy and every promote: pick the env, see what changes there (contracts
 * added, removed, changed field by field) and what the change would have done to the recorded
 * calls of the last days; then deploy (or promote).
 */
export function DiffImpactDialog({ name, action, envs, onClose }: { name: string; action: 'deploy' | 'promote'; envs: string[]; onClose: () => void }) {
  const [env, setEnv] = useState(envs[0] ?? 'production');
  const [days, setDays] = useState(7);
  const [diff, setDiff] = useState<BundleDiff | null>(null);
  const [diffError, setDiffError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const client = useQueryClient();
  const toast = useToast();
  const envError = validateEnv(env.trim());

  useEffect(() => {
    if (envError) return;
    let cancelled = false;
    setDiff(null);
    setDiffError(null);
    const t = window.setTimeout(() => {
      diffComposition(name, { from: 'deployed', to: action === 'promote' ? 'promoted' : 'draft', env: env.trim(), impact_days: days }).then(
        (d) => !cancelled && setDiff(d),
        (e: unknown) => !cancelled && setDiffError(e),
      );
    }, 300);
    return () => {
      cancelled = true;
      window.clearTimeout(t);
    };
  }, [name, action, env, days, envError]);

  const go = async () => {
    if (envError) return;
    setBusy(true);
    setFailure(null);
    try {
      if (action === 'deploy') {
        const r = await deployComposition(name, env.trim());
        toast.success(`${r.bundle_name} v${r.bundle_version} deployed to ${env.trim()}`);
      } else {
        const r = await promoteComposition(name);
        toast.success(`Promoted ${r.promoted.join(', ') || 'nothing'} to enforce`);
      }
      for (const p of ['compositions:', 'bundles:', 'deployments:', 'agents:', 'library:']) client.invalidate(p);
      onClose();
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  const verb = action === 'deploy' ? 'Deploy' : 'Promote';
  return (
    <Dialog
      open
      size="xl"
      title={`${verb} ${name}`}
      description={action === 'deploy' ? 'What changes in the environment, and what it would have done to recent calls.' : 'The observed contracts start enforcing: what changes, and what they observed.'}
      onClose={onClose}
      dismissable={!busy}
      onSubmit={() => void go()}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>Cancel</Button>
          <Button type="submit" variant="primary" loading={busy} disabled={!!envError || !diff}>
            {action === 'deploy' ? `Deploy to ${env.trim() || '…'}` : 'Promote to enforce'}
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-4">
        <div className="grid gap-3 sm:grid-cols-2">
          <Combobox label={action === 'deploy' ? 'Environment' : 'Compare in environment'} value={env} suggestions={envOptions(envs)} onChange={(e) => setEnv(e.target.value)} error={env ? envError : undefined} maxLength={64} />
          <Select label="Impact window" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {IMPACT_DAYS.map((d) => (
              <option key={d} value={d}>Last {d} day{d === 1 ? '' : 's'}</option>
            ))}
          </Select>
        </div>
        {diffError !== null ? (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">{errorMessage(diffError)}</p>
        ) : !diff ? (
          <SkeletonRows rows={3} />
        ) : (
          <>
            <DiffSummary diff={diff} />
            <section aria-label="Impact" className="flex flex-col gap-2 border-t border-slate-200 pt-3 dark:border-slate-800">
              <h3 className="text-sm font-semibold">Impact on the last {days} day{days === 1 ? '' : 's'} in {env.trim()}</h3>
              <Impact key={diff.impact?.id ?? 'none'} diff={diff} />
            </section>
          </>
        )}
        {failure !== null && <p role="alert" className="text-sm text-red-600 dark:text-red-400">{errorMessage(failure)}</p>}
      </div>
    </Dialog>
  );
}

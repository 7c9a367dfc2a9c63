import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { errorMessage, ApiError } from '../../api/client';
import { createComposition, UPDATE_STRATEGIES, useCompositions, type Mode, type UpdateStrategy } from '../../api/library';
import { useQueryClient } from '../../api/query';
import { Badge } from '../../components/ui/Badge';
import { Button } from '../../components/ui/Button';
import { PageHeader } from '../../components/ui/Card';
import { Dialog } from '../../components/ui/Dialog';
import { EmptyState, ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { Input, Select, Textarea } from '../../components/ui/Field';
import { IconPlus, IconShieldCheck } from '../../components/ui/icons';
import { formatRelative } from '../../lib/format';
import { ModeTag } from '../library/TypeBadge';

export const STRATEGY_LABEL: Record<UpdateStrategy, string> = {
  manual: 'Manual',
  auto_deploy: 'Auto deploy',
  observe_first: 'Observe first',
};
export const STRATEGY_HINT: Record<UpdateStrategy, string> = {
  manual: 'A changed library contract marks this composition "update available"; you deploy it.',
  auto_deploy: 'A changed library contract is re-composed, deployed and pushed at once.',
  observe_first: 'Changed contracts ship in observe mode first; promote them in one click after seeing what they observed.',
};

const NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;

/** Named, ordered lists of library contracts that deploy as ordinary bundles. */
export default function CompositionsPage() {
  const list = useCompositions();
  const [creating, setCreating] = useState(false);
  return (
    <div className="mx-auto max-w-6xl">
      <PageHeader
        title="Compositions"
        description="Bundles composed from the library: pick and order contracts, choose enforce or observe per contract, preview, diff and deploy."
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            <IconPlus size={16} /> New composition
          </Button>
        }
      />
      {list.error !== undefined && !list.data ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : !list.data ? (
        <SkeletonRows rows={4} />
      ) : list.data.length === 0 ? (
        <EmptyState icon={<IconShieldCheck size={22} />} title="No compositions yet" action={<Button variant="primary" onClick={() => setCreating(true)}>New composition</Button>}>
          A composition is a bundle built from library contracts. Adding a template or importing a bundle also makes one.
        </EmptyState>
      ) : (
        <ul aria-label="Compositions" className="divide-y divide-slate-200 overflow-hidden rounded-lg border border-slate-200 dark:divide-slate-800 dark:border-slate-800">
          {list.data.map((c) => (
            <li key={c.name} className="flex flex-col gap-1 px-4 py-3 sm:flex-row sm:items-center sm:gap-4">
              <div className="min-w-0 flex-1">
                <div className="flex flex-wrap items-center gap-2">
                  <Link to={`/compositions/${encodeURIComponent(c.name)}`} className="font-medium text-amber-700 hover:underline dark:text-amber-400">
                    {c.name}
                  </Link>
                  {c.update_available && <Badge tone="amber" dot>Update available</Badge>}
                </div>
                {c.description && <p className="mt-0.5 truncate text-sm text-slate-600 dark:text-slate-400">{c.description}</p>}
              </div>
              <div className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
                <ModeTag mode={c.defaults_mode} />
                <span>{STRATEGY_LABEL[c.update_strategy] ?? c.update_strategy}</span>
                <span className="tabular-nums">{c.contract_count} contract{c.contract_count === 1 ? '' : 's'}</span>
                <span>· {formatRelative(c.updated_at)}</span>
              </div>
            </li>
          ))}
        </ul>
      )}
      {creating && <CreateDialog onClose={() => setCreating(false)} />}
    </div>
  );
}

function CreateDialog({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [mode, setMode] = useState<Mode>('enforce');
  const [strategy, setStrategy] = useState<UpdateStrategy>('manual');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const navigate = useNavigate();
  const client = useQueryClient();
  const nameError = name && !NAME_RE.test(name) ? 'Lower-case letters, digits, ".", "-" and "_"' : failure instanceof ApiError ? failure.fieldMessage('name') : undefined;

  const submit = async () => {
    if (!name || !NAME_RE.test(name)) return;
    setBusy(true);
    setFailure(null);
    try {
      const c = await createComposition({ name, description: description.trim() || null, defaults_mode: mode, update_strategy: strategy, contracts: [] });
      client.invalidate('compositions:');
      void navigate(`/compositions/${encodeURIComponent(c.name)}`);
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      title="New composition"
      onClose={onClose}
      dismissable={!busy}
      onSubmit={() => void submit()}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>Cancel</Button>
          <Button type="submit" variant="primary" loading={busy} disabled={!name || !!nameError}>Create</Button>
        </>
      }
    >
      <div className="flex flex-col gap-3">
        <Input label="Name" value={name} onChange={(e) => setName(e.target.value)} maxLength={128} required error={nameError} hint="Also the name of the bundle it deploys." />
        <Textarea label="Description (optional)" rows={2} maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} />
        <div className="grid gap-3 sm:grid-cols-2">
          <Select label="Default mode" value={mode} onChange={(e) => setMode(e.target.value as Mode)}>
            <option value="enforce">enforce</option>
            <option value="observe">observe</option>
          </Select>
          <Select label="Update strategy" value={strategy} onChange={(e) => setStrategy(e.target.value as UpdateStrategy)} hint={STRATEGY_HINT[strategy]}>
            {UPDATE_STRATEGIES.map((s) => (
              <option key={s} value={s}>{STRATEGY_LABEL[s]}</option>
            ))}
          </Select>
        </div>
        {failure !== null && !(failure instanceof ApiError && failure.fieldMessage('name')) && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">{errorMessage(failure)}</p>
        )}
      </div>
    </Dialog>
  );
}

import { useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, errorMessage } from '../../api/client';
import {
  deleteComposition,
  previewComposition,
  updateComposition,
  UPDATE_STRATEGIES,
  useComposition,
  useContracts,
  type CompositionDetail,
  type CompositionItem,
  type ContractType,
  type Mode,
  type UpdateStrategy,
} from '../../api/library';
import { useQuery, useQueryClient } from '../../api/query';
import { EnvBadge } from '../../components/EnvBadge';
import { Badge } from '../../components/ui/Badge';
import { Button } from '../../components/ui/Button';
import { Card, CardHeader, PageHeader } from '../../components/ui/Card';
import { Dialog } from '../../components/ui/Dialog';
import { EmptyState, ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { Input, Select } from '../../components/ui/Field';
import { IconChevronLeft, IconPlus, IconRocket, IconTrash } from '../../components/ui/icons';
import { formatRelative } from '../../lib/format';
import { YamlEditor, type LineProblem } from '../evaluate/YamlEditor';
import { TypeBadge } from '../library/TypeBadge';
import { STRATEGY_HINT, STRATEGY_LABEL } from './CompositionsPage';
import { DiffImpactDialog } from './DiffImpactDialog';
import { SortableItems } from './SortableItems';

const noop = () => undefined;

/** The PUT body's items: pinned versions stay pinned (an omitted version would move to the latest). */
function itemsBody(items: CompositionItem[]) {
  return items.map((it, i) => ({
    contract_id: it.contract_id,
    position: i,
    mode_override: it.mode_override,
    enabled: it.enabled,
    version: it.follow_latest ? null : it.contract_version,
    follow_latest: !!it.follow_latest,
  }));
}

/**
 * Compose a bundle: pick contracts from the library, order them, toggle and override each; every
 * change saves at once (so other dashboards and the preview follow), then diff and deploy.
 */
export default function ComposerPage() {
  const { name = '' } = useParams();
  const key = `compositions:detail:${name}`;
  const detail = useComposition(name);
  const client = useQueryClient();
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const [saving, setSaving] = useState(0);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [dialog, setDialog] = useState<'deploy' | 'promote' | 'delete' | null>(null);
  const navigate = useNavigate();
  const c = detail.data;
  const preview = useQuery(`compositions:preview:${name}:${c?.updated_at ?? ''}`, () => previewComposition(name), { enabled: !!c });

  /** Optimistic: the page shows the change at once; saves run one after another. */
  const save = (patch: Partial<CompositionDetail>, body: Parameters<typeof updateComposition>[1]) => {
    client.setData<CompositionDetail>(key, (old) => (old ? { ...old, ...patch } : old));
    setSaving((n) => n + 1);
    setSaveError(null);
    queue.current = queue.current
      .then(() => updateComposition(name, body))
      .then(
        (saved) => {
          client.setData<CompositionDetail>(key, () => saved);
          client.invalidate('compositions:list');
        },
        (e: unknown) => {
          setSaveError(e);
          client.invalidate(key);
        },
      )
      .finally(() => setSaving((n) => n - 1));
  };
  const setItems = (items: CompositionItem[]) => save({ contracts: items.map((it, i) => ({ ...it, position: i })) }, { contracts: itemsBody(items) });

  if (detail.error !== undefined && !c)
    return (
      <div className="mx-auto max-w-6xl">
        <BackLink />
        <ErrorState error={detail.error} title={detail.error instanceof ApiError && detail.error.status === 404 ? 'No such composition' : undefined} onRetry={() => void detail.refetch()} />
      </div>
    );
  if (!c) return <SkeletonRows rows={6} className="mx-auto max-w-6xl" />;

  const observing = c.contracts.some((i) => i.observe_from_version != null);
  const envs = (c.deployments ?? []).map((d) => d.env);
  const problems: LineProblem[] = (preview.data?.problems ?? []).map((p) => ({ line: p.line, message: `${p.path}: ${p.msg}`, severity: 'error' }));

  return (
    <div className="mx-auto max-w-6xl">
      <BackLink />
      <PageHeader
        title={c.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            {c.description && <span>{c.description}</span>}
            {c.update_available && <Badge tone="amber" dot>Update available</Badge>}
            <span className="text-xs" role="status" aria-live="polite">
              {saving > 0 ? 'Saving…' : saveError ? '' : `Saved ${formatRelative(c.updated_at)}`}
            </span>
          </span>
        }
        actions={
          <>
            <Button variant="danger-ghost" onClick={() => setDialog('delete')} aria-label={`Delete composition ${c.name}`}>
              <IconTrash size={16} />
            </Button>
            {observing && <Button variant="outline" onClick={() => setDialog('promote')}>Promote…</Button>}
            <Button variant="primary" disabled={saving > 0} onClick={() => setDialog('deploy')}>
              <IconRocket size={16} /> Deploy…
            </Button>
          </>
        }
      />
      {saveError !== null && (
        <p role="alert" className="mb-3 text-sm text-red-600 dark:text-red-400">
          Not saved: {errorMessage(saveError)}
        </p>
      )}
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <div className="flex min-w-0 flex-col gap-4">
          <Card>
            <CardHeader title="Settings" />
            <div className="grid gap-3 p-4 sm:grid-cols-2">
              <Select label="Default mode" value={c.defaults_mode} onChange={(e) => save({ defaults_mode: e.target.value as Mode }, { defaults_mode: e.target.value as Mode })}>
                <option value="enforce">enforce</option>
                <option value="observe">observe</option>
              </Select>
              <Select
                label="Update strategy"
                value={c.update_strategy}
                hint={STRATEGY_HINT[c.update_strategy]}
                onChange={(e) => save({ update_strategy: e.target.value as UpdateStrategy }, { update_strategy: e.target.value as UpdateStrategy })}
              >
                {UPDATE_STRATEGIES.map((s) => (
                  <option key={s} value={s}>{STRATEGY_LABEL[s]}</option>
                ))}
              </Select>
            </div>
          </Card>
          <Card>
            <CardHeader title="Contracts" description="In evaluation order. Drag the handle, or focus it and use Space and the arrow keys." />
            <div className="p-4">
              {c.contracts.length === 0 ? (
                <EmptyState title="No contracts yet">Add contracts from the library below.</EmptyState>
              ) : (
                <SortableItems items={[...c.contracts].sort((a, b) => a.position - b.position)} defaultsMode={c.defaults_mode} onChange={setItems} />
              )}
            </div>
          </Card>
          <Picker
            inUse={new Set(c.contracts.map((i) => i.contract_id))}
            onAdd={(added) =>
              setItems([
                ...[...c.contracts].sort((a, b) => a.position - b.position),
                {
                  contract_id: added.contract_id,
                  contract_name: added.name,
                  contract_type: added.type,
                  contract_version: added.version,
                  latest_version: added.version,
                  position: c.contracts.length,
                  mode_override: null,
                  enabled: true,
                  has_newer_version: false,
                  follow_latest: false,
                  observe_from_version: null,
                },
              ])
            }
          />
        </div>
        <div className="flex min-w-0 flex-col gap-4">
          <Card>
            <CardHeader title="Where it runs" />
            <div className="p-4 text-sm">
              {(c.deployments ?? []).length === 0 ? (
                <p className="text-slate-500">Not deployed yet.</p>
              ) : (
                <ul aria-label="Deployments" className="flex flex-col gap-1.5">
                  {(c.deployments ?? []).map((d) => (
                    <li key={d.env} className="flex flex-wrap items-center gap-2">
                      <EnvBadge env={d.env} />
                      <span>v{d.bundle_version}</span>
                      <code className="font-mono text-xs text-slate-500">{d.revision_hash.slice(0, 12)}</code>
                      <span className="text-xs text-slate-500">{formatRelative(d.deployed_at)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </Card>
          <Card>
            <CardHeader
              title="Preview"
              description={
                preview.data ? (
                  <span data-testid="preview-summary">
                    {preview.data.contracts_count} contract{preview.data.contracts_count === 1 ? '' : 's'}
                    {preview.data.revision_hash ? ` · revision ${preview.data.revision_hash.slice(0, 12)}` : ''}
                    {preview.data.validation_errors.length === 0 ? ' · valid' : ` · ${preview.data.validation_errors.length} problem${preview.data.validation_errors.length === 1 ? '' : 's'}`}
                  </span>
                ) : (
                  'The assembled edictum/v1 bundle a deploy would sign and push.'
                )
              }
            />
            <div className="flex flex-col gap-2 p-4">
              {preview.error !== undefined && !preview.data ? (
                <ErrorState error={preview.error} onRetry={() => void preview.refetch()} />
              ) : !preview.data ? (
                <SkeletonRows rows={4} />
              ) : (
                <>
                  <YamlEditor value={preview.data.yaml_content} onChange={noop} problems={problems} label={`Assembled YAML of ${c.name}`} heightClass="h-[380px]" readOnly />
                  {preview.data.validation_errors.length > 0 && (
                    <ul role="alert" aria-label="Preview problems" className="text-xs text-red-600 dark:text-red-400">
                      {preview.data.validation_errors.map((e, i) => (
                        <li key={i}>{e}</li>
                      ))}
                    </ul>
                  )}
                </>
              )}
            </div>
          </Card>
        </div>
      </div>
      {(dialog === 'deploy' || dialog === 'promote') && <DiffImpactDialog name={c.name} action={dialog} envs={envs} onClose={() => setDialog(null)} />}
      {dialog === 'delete' && (
        <DeleteDialog
          name={c.name}
          onClose={() => setDialog(null)}
          onDeleted={() => {
            client.invalidate('compositions:');
            void navigate('/compositions');
          }}
        />
      )}
    </div>
  );
}

function BackLink() {
  return (
    <Link to="/compositions" className="mb-3 inline-flex items-center gap-1 text-sm text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100">
      <IconChevronLeft size={14} /> Compositions
    </Link>
  );
}

/** Library contracts not in the composition yet, filtered by text, each one click to add. */
function Picker({ inUse, onAdd }: { inUse: Set<string>; onAdd: (c: { contract_id: string; name: string; type: ContractType; version: number }) => void }) {
  const [search, setSearch] = useState('');
  const list = useContracts({});
  const q = search.trim().toLowerCase();
  const rows = (list.data ?? []).filter((c) => !inUse.has(c.contract_id) && (!q || `${c.name} ${c.contract_id} ${c.tags.join(' ')}`.toLowerCase().includes(q)));
  return (
    <Card>
      <CardHeader title="Add from the library" />
      <div className="flex flex-col gap-3 p-4">
        <Input label="Find a contract" hideLabel type="search" placeholder="Find a contract" value={search} onChange={(e) => setSearch(e.target.value)} maxLength={200} />
        {!list.data ? (
          <SkeletonRows rows={2} />
        ) : rows.length === 0 ? (
          <p className="text-sm text-slate-500">{list.data.length === 0 ? <>The library is empty: <Link to="/library?tab=templates" className="underline">add a template</Link>.</> : 'Nothing else to add.'}</p>
        ) : (
          <ul aria-label="Library contracts to add" className="flex max-h-72 flex-col divide-y divide-slate-200 overflow-y-auto dark:divide-slate-800">
            {rows.map((c) => (
              <li key={c.contract_id} className="flex items-center gap-2 py-1.5">
                <span className="min-w-0 flex-1 truncate text-sm">{c.name}</span>
                <TypeBadge type={c.type as ContractType} />
                <span className="text-xs text-slate-500 tabular-nums">v{c.version}</span>
                <Button size="xs" variant="outline" onClick={() => onAdd({ contract_id: c.contract_id, name: c.name, type: c.type as ContractType, version: c.version })} aria-label={`Add ${c.name}`}>
                  <IconPlus size={12} /> Add
                </Button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </Card>
  );
}

function DeleteDialog({ name, onClose, onDeleted }: { name: string; onClose: () => void; onDeleted: () => void }) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const go = async () => {
    setBusy(true);
    try {
      await deleteComposition(name);
      onDeleted();
    } catch (e) {
      setFailure(e);
      setBusy(false);
    }
  };
  return (
    <Dialog
      open
      size="sm"
      title={`Delete ${name}?`}
      description="The composition goes; bundles it deployed stay and keep running."
      onClose={onClose}
      dismissable={!busy}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>Cancel</Button>
          <Button variant="danger" loading={busy} onClick={() => void go()}>Delete</Button>
        </>
      }
    >
      {failure !== null && <p role="alert" className="text-sm text-red-600">{errorMessage(failure)}</p>}
    </Dialog>
  );
}

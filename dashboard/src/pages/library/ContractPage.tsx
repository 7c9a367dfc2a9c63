import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, errorMessage } from '../../api/client';
import { deleteContract, useContract, useContractUsage, useContractVersion, type ContractType } from '../../api/library';
import { useQueryClient } from '../../api/query';
import { EnvBadge } from '../../components/EnvBadge';
import { Button } from '../../components/ui/Button';
import { Card, CardHeader, PageHeader } from '../../components/ui/Card';
import { Dialog } from '../../components/ui/Dialog';
import { ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { Select } from '../../components/ui/Field';
import { IconChevronLeft, IconTrash } from '../../components/ui/icons';
import { useToast } from '../../components/ui/Toast';
import { definitionToYaml } from '../../lib/contract-yaml';
import { formatDateTime, formatRelative } from '../../lib/format';
import { YamlEditor } from '../evaluate/YamlEditor';
import { ContractFormDialog } from './ContractFormDialog';
import { TypeBadge } from './TypeBadge';

const noop = () => undefined;

/** One library contract: its versions (old ones readable), where it is used, edit and delete. */
export default function ContractPage() {
  const { contractId = '' } = useParams();
  const navigate = useNavigate();
  const contract = useContract(contractId);
  const usage = useContractUsage(contractId);
  const [picked, setPicked] = useState<number | null>(null);
  const latest = contract.data?.version ?? null;
  const shownVersion = picked ?? latest;
  const old = useContractVersion(contractId, picked !== null && picked !== latest ? picked : null);
  const shown = picked !== null && picked !== latest ? old.data : contract.data;
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);

  if (contract.error !== undefined && !contract.data)
    return (
      <div className="mx-auto max-w-6xl">
        <BackLink />
        <ErrorState error={contract.error} title={contract.error instanceof ApiError && contract.error.status === 404 ? 'No such contract' : undefined} onRetry={() => void contract.refetch()} />
      </div>
    );
  if (!contract.data) return <SkeletonRows rows={6} className="mx-auto max-w-6xl" />;
  const c = contract.data;
  const yaml = shown ? definitionToYaml(shown.definition) : '';

  return (
    <div className="mx-auto max-w-6xl">
      <BackLink />
      <PageHeader
        title={c.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <code className="font-mono">{c.contract_id}</code>
            <TypeBadge type={c.type as ContractType} />
            <span>latest v{c.version}</span>
            {c.tags.map((t) => (
              <Link key={t} to={`/library?tag=${encodeURIComponent(t)}`} className="rounded-full bg-slate-100 px-2 py-0.5 text-xs hover:bg-amber-100 dark:bg-slate-800">
                {t}
              </Link>
            ))}
          </span>
        }
        actions={
          <>
            <Button variant="danger-outline" onClick={() => setDeleting(true)}>
              <IconTrash size={16} /> Delete
            </Button>
            <Button variant="primary" onClick={() => setEditing(true)}>Edit</Button>
          </>
        }
      />
      {c.description && <p className="mb-4 text-sm text-slate-700 dark:text-slate-300">{c.description}</p>}
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <Card>
          <CardHeader
            title="Definition"
            description={shown ? `v${shown.version}, ${formatDateTime(shown.created_at)}${shown.created_by ? ` by ${shown.created_by}` : ''}` : undefined}
            actions={
              <Select label="Version" hideLabel value={shownVersion ?? ''} onChange={(e) => setPicked(Number(e.target.value))} className="h-8">
                {(c.versions ?? [{ version: c.version, created_at: c.created_at, created_by: c.created_by }]).map((v) => (
                  <option key={v.version} value={v.version}>v{v.version}{v.version === c.version ? ' (latest)' : ''}</option>
                ))}
              </Select>
            }
          />
          <div className="p-4">
            {shown ? <YamlEditor key={shown.version} value={yaml} onChange={noop} problems={[]} label={`Definition of ${c.contract_id} v${shown.version}`} heightClass="h-[300px]" readOnly /> : <SkeletonRows rows={3} />}
          </div>
        </Card>
        <div className="flex flex-col gap-4">
          <Card>
            <CardHeader title="Used by" description="Compositions that include this contract, and where their bundles run." />
            <div className="p-4 text-sm">
              {usage.error !== undefined && !usage.data ? (
                <ErrorState error={usage.error} />
              ) : !usage.data ? (
                <SkeletonRows rows={2} />
              ) : usage.data.length === 0 ? (
                <p className="text-slate-500">Not used by any composition.</p>
              ) : (
                <ul aria-label="Used by" className="flex flex-col gap-2">
                  {usage.data.map((u) => (
                    <li key={u.composition_id}>
                      <Link to={`/compositions/${encodeURIComponent(u.composition_name)}`} className="font-medium text-amber-700 hover:underline dark:text-amber-400">
                        {u.composition_name}
                      </Link>
                      {u.contract_version !== undefined && <span className="ml-2 text-xs text-slate-500">pins v{u.contract_version}</span>}
                      {u.follow_latest && <span className="ml-2 text-xs text-slate-500">follows latest</span>}
                      {u.deployed && u.deployed.length > 0 && (
                        <ul className="mt-1 flex flex-wrap gap-1.5 text-xs" aria-label={`Deployments of ${u.composition_name}`}>
                          {u.deployed.map((d) => (
                            <li key={`${d.env}-${d.bundle_version}`} className="flex items-center gap-1">
                              <EnvBadge env={d.env} />
                              <span>
                                {d.bundle_name} v{d.bundle_version}
                                {d.contract_version !== null ? ` (this contract v${d.contract_version})` : ''}
                              </span>
                            </li>
                          ))}
                        </ul>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </Card>
          <Card>
            <CardHeader title="Versions" />
            <ol className="flex flex-col gap-1 p-4 text-sm">
              {(c.versions ?? []).map((v) => (
                <li key={v.version} className="flex items-center justify-between gap-2">
                  <button type="button" className="text-amber-700 hover:underline dark:text-amber-400" onClick={() => setPicked(v.version)} aria-current={v.version === shownVersion ? 'true' : undefined}>
                    v{v.version}
                  </button>
                  <span className="text-xs text-slate-500">{formatRelative(v.created_at)}</span>
                </li>
              ))}
            </ol>
          </Card>
        </div>
      </div>
      {editing && (
        <ContractFormDialog
          title={`Edit ${c.contract_id}`}
          description="Saving makes a new version; compositions pinned to the old one keep it until they update."
          editing={c.contract_id}
          initial={{ contract_id: c.contract_id, name: c.name, description: c.description ?? '', type: c.type as ContractType, tags: c.tags, yaml: definitionToYaml(c.definition) }}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            setPicked(null);
          }}
        />
      )}
      {deleting && <DeleteDialog contractId={c.contract_id} onClose={() => setDeleting(false)} onDeleted={() => void navigate('/library')} />}
    </div>
  );
}

function BackLink() {
  return (
    <Link to="/library" className="mb-3 inline-flex items-center gap-1 text-sm text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100">
      <IconChevronLeft size={14} /> Library
    </Link>
  );
}

/** Deletes every version; a contract still in a composition is refused, with the list of users. */
function DeleteDialog({ contractId, onClose, onDeleted }: { contractId: string; onClose: () => void; onDeleted: () => void }) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const usage = useContractUsage(contractId);
  const client = useQueryClient();
  const toast = useToast();
  const go = async () => {
    setBusy(true);
    setFailure(null);
    try {
      await deleteContract(contractId);
      client.invalidate('library:');
      toast.success(`${contractId} deleted`);
      onDeleted();
    } catch (e) {
      setFailure(e);
      client.invalidate(`library:usage:${contractId}`);
    } finally {
      setBusy(false);
    }
  };
  const refused = failure instanceof ApiError && failure.status === 409;
  return (
    <Dialog
      open
      size="sm"
      title={`Delete ${contractId}?`}
      description="Every version is removed. Bundles already deployed keep running."
      onClose={onClose}
      dismissable={!busy}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>{refused ? 'Close' : 'Cancel'}</Button>
          {!refused && <Button variant="danger" loading={busy} onClick={() => void go()}>Delete</Button>}
        </>
      }
    >
      {failure !== null && (
        <div role="alert" className="text-sm text-red-600 dark:text-red-400">
          <p>{errorMessage(failure)}</p>
          {refused && usage.data && usage.data.length > 0 && (
            <ul aria-label="In use by" className="mt-2 list-disc pl-5">
              {usage.data.map((u) => (
                <li key={u.composition_id}>
                  <Link to={`/compositions/${encodeURIComponent(u.composition_name)}`} className="underline">{u.composition_name}</Link>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Dialog>
  );
}

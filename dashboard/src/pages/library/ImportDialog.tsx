import { useState, type ChangeEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, errorMessage } from '../../api/client';
import { importContracts, type ImportResult, type OnClash } from '../../api/library';
import { useQueryClient } from '../../api/query';
import { Button } from '../../components/ui/Button';
import { Dialog } from '../../components/ui/Dialog';
import { Select } from '../../components/ui/Field';
import { locateYamlPath } from '../../lib/yaml-locate';
import { YamlEditor, type LineProblem } from '../evaluate/YamlEditor';

/** The reference's import limit (1 MiB of YAML). */
const MAX_IMPORT_BYTES = 1024 * 1024;

function ids(list: string[] | undefined) {
  return list && list.length > 0 ? list.join(', ') : '—';
}

/**
 * Paste or pick an edictum/v1 bundle; the console splits it into library contracts (new ones
 * created, changed ones as new versions, identical ones reported as duplicates, clashing ids
 * reported) and makes a composition of the bundle. Nothing is half-imported: a problem refuses all.
 */
export function ImportDialog({ onClose }: { onClose: () => void }) {
  const [yaml, setYaml] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [problems, setProblems] = useState<LineProblem[]>([]);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [onClash, setOnClash] = useState<OnClash>('new_version');
  const client = useQueryClient();

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    if (!f) return;
    if (f.size > MAX_IMPORT_BYTES) {
      setFailure(new Error(`${f.name} is larger than 1 MiB`));
      return;
    }
    setFailure(null);
    setYaml(await f.text());
  };

  const submit = async () => {
    if (!yaml.trim()) return;
    setBusy(true);
    setFailure(null);
    setProblems([]);
    try {
      const r = await importContracts(yaml, onClash);
      setResult(r);
      client.invalidate('library:');
      client.invalidate('compositions:');
    } catch (e) {
      setFailure(e);
      if (e instanceof ApiError)
        setProblems(e.problems.map((p) => ({ line: p.line ?? locateYamlPath(yaml, p.loc.slice(2)), message: p.msg, severity: 'error' as const })));
    } finally {
      setBusy(false);
    }
  };

  if (result) {
    const clashes = result.id_clashes ?? [];
    const dups = result.duplicates ?? [];
    return (
      <Dialog
        open
        size="lg"
        title="Import finished"
        onClose={onClose}
        footer={
          <>
            {result.bundle_composition_created && (
              <Link to={`/compositions/${encodeURIComponent(result.bundle_composition_created)}`} className="mr-auto text-sm text-amber-700 hover:underline dark:text-amber-400" onClick={onClose}>
                Open composition {result.bundle_composition_created}
              </Link>
            )}
            <Button variant="primary" onClick={onClose}>Done</Button>
          </>
        }
      >
        <dl aria-label="Import result" className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-2 text-sm">
          <dt className="text-slate-500">Created</dt>
          <dd className="font-mono text-xs" data-testid="import-created">{ids(result.contracts_created)}</dd>
          <dt className="text-slate-500">New versions</dt>
          <dd className="font-mono text-xs" data-testid="import-updated">{ids(result.contracts_updated)}</dd>
          <dt className="text-slate-500">Already in the library</dt>
          <dd className="font-mono text-xs" data-testid="import-unchanged">{ids(result.contracts_unchanged)}</dd>
          <dt className="text-slate-500">Duplicates</dt>
          <dd className="text-xs" data-testid="import-duplicates">
            {dups.length === 0 ? '—' : (
              <ul>
                {dups.map((d) => (
                  <li key={d.contract_id}>
                    <code className="font-mono">{d.contract_id}</code> is the same as <code className="font-mono">{d.duplicate_of}</code>
                  </li>
                ))}
              </ul>
            )}
          </dd>
          <dt className="text-slate-500">Id clashes</dt>
          <dd className="text-xs" data-testid="import-clashes">
            {clashes.length === 0 ? '—' : (
              <ul>
                {clashes.map((c) => (
                  <li key={c.contract_id}>
                    <code className="font-mono">{c.contract_id}</code> (library v{c.library_version}):{' '}
                    {c.action === 'new_version' ? 'imported as a new version' : c.action === 'skipped' ? "kept the library's" : 'refused'}
                  </li>
                ))}
              </ul>
            )}
          </dd>
          <dt className="text-slate-500">Composition</dt>
          <dd className="font-mono text-xs">{result.bundle_composition_created ?? '—'}</dd>
        </dl>
      </Dialog>
    );
  }

  return (
    <Dialog
      open
      size="xl"
      title="Import YAML"
      description="Paste an edictum/v1 bundle or pick a file: each contract becomes a library contract, and the bundle becomes a composition."
      onClose={onClose}
      dismissable={!busy}
      onSubmit={() => void submit()}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>Cancel</Button>
          <Button type="submit" variant="primary" loading={busy} disabled={!yaml.trim()}>Import</Button>
        </>
      }
    >
      <div className="flex flex-col gap-3">
        <label className="flex flex-col gap-1.5 text-sm font-medium text-slate-700 dark:text-slate-300">
          YAML file
          <input type="file" accept=".yaml,.yml,text/yaml,application/x-yaml,text/plain" onChange={(e) => void onFile(e)} className="text-sm font-normal file:mr-3 file:rounded-md file:border-0 file:bg-slate-200 file:px-3 file:py-1.5 dark:file:bg-slate-800" />
        </label>
        <YamlEditor value={yaml} onChange={setYaml} problems={problems} label="Bundle YAML to import" heightClass="h-[320px]" />
        <Select label="When an id is already in the library with other content" value={onClash} onChange={(e) => setOnClash(e.target.value as OnClash)}>
          <option value="new_version">Import it as a new version</option>
          <option value="skip">Keep the library's version</option>
          <option value="fail">Refuse the whole import</option>
        </Select>
        {failure !== null && (
          <div role="alert" className="text-sm text-red-600 dark:text-red-400">
            {problems.length > 0 ? (
              <ul>
                {problems.map((p, i) => (
                  <li key={i}>{p.line ? `Line ${p.line}: ` : ''}{p.message}</li>
                ))}
              </ul>
            ) : (
              errorMessage(failure)
            )}
          </div>
        )}
      </div>
    </Dialog>
  );
}

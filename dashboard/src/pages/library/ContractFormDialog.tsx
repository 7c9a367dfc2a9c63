import { useState, type ReactNode } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { CONTRACT_TYPES, createContract, updateContract, type ContractCreate, type ContractDetail, type ContractType } from '../../api/library';
import { useQueryClient } from '../../api/query';
import { Button } from '../../components/ui/Button';
import { Dialog } from '../../components/ui/Dialog';
import { Input, Select, Textarea } from '../../components/ui/Field';
import { TagInput } from '../../components/ui/TagInput';
import { useToast } from '../../components/ui/Toast';
import { proposalToDefinition, slugify } from '../../lib/contract-yaml';
import { AssistantPanel } from '../../components/assistant/AssistantPanel';
import { locateYamlPath } from '../../lib/yaml-locate';
import { YamlEditor, type LineProblem } from '../evaluate/YamlEditor';
import { useDefinitionCheck, type CheckCall, type DefinitionCheck } from './use-definition-check';

export interface ContractDraft {
  contract_id: string;
  name: string;
  description: string;
  type: ContractType;
  tags: string[];
  yaml: string;
}

const ID_RE = /^[a-z0-9][a-z0-9_-]*$/;

/** Problems the save answered for the definition, at their lines (paths located in the text). */
function definitionProblems(e: unknown, yaml: string): LineProblem[] {
  if (!(e instanceof ApiError)) return [];
  return e.problems
    .filter((p) => p.loc[1] === 'definition')
    .map((p) => ({ line: p.line ?? locateYamlPath(yaml, p.loc.slice(2)), message: p.msg, severity: 'error' as const }));
}

/**
 * Create a library contract or save a new version of one: the fields, the definition in the YAML
 * editor with problems at their lines as you type, then save. `extra` renders below the editor
 * (the "from an event" check); `onSaved` gets the saved row.
 */
export function ContractFormDialog({ title, description, initial, editing, onClose, onSaved, extra, saveLabel, call, submit, lockType, canSave }: {
  title: string;
  description?: ReactNode;
  initial: ContractDraft;
  /** the id of the contract being edited; undefined = create */
  editing?: string;
  onClose: () => void;
  onSaved: (c: ContractDetail) => void | Promise<void>;
  extra?: (draft: ContractDraft, check: DefinitionCheck) => ReactNode;
  saveLabel?: string;
  /** evaluate the draft on this call as it is typed (the event it is made from) */
  call?: CheckCall;
  /** a create other than POST /contracts (from an event) */
  submit?: (body: ContractCreate) => Promise<ContractDetail>;
  lockType?: boolean;
  /** an extra condition for saving (the from-event check) */
  canSave?: (check: DefinitionCheck) => boolean;
}) {
  const [draft, setDraft] = useState(initial);
  const [idTouched, setIdTouched] = useState(!!initial.contract_id);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [saveProblems, setSaveProblems] = useState<{ yaml: string; problems: LineProblem[] } | null>(null);
  const client = useQueryClient();
  const toast = useToast();
  const check = useDefinitionCheck(draft.yaml, draft.contract_id, draft.type, call);
  const set = (patch: Partial<ContractDraft>) => setDraft((d) => ({ ...d, ...patch }));

  const idError = !editing && draft.contract_id && !ID_RE.test(draft.contract_id) ? 'Lower-case letters, digits, - and _ (starting with a letter or digit)' : undefined;
  const problems = saveProblems?.yaml === draft.yaml ? [...check.problems, ...saveProblems.problems] : check.problems;
  const fieldError = (f: string) => (failure instanceof ApiError ? failure.fieldMessage(f) : undefined);

  const save = async () => {
    if (!check.value || idError || !draft.contract_id || !draft.name.trim()) return;
    setBusy(true);
    setFailure(null);
    setSaveProblems(null);
    try {
      const body = { name: draft.name.trim(), description: draft.description.trim() || null, definition: check.value, tags: draft.tags };
      const create = submit ?? createContract;
      const saved = editing ? await updateContract(editing, body) : await create({ ...body, contract_id: draft.contract_id, type: draft.type });
      client.invalidate('library:');
      client.invalidate('compositions:');
      toast.success(editing ? `${saved.contract_id} saved as v${saved.version}` : `${saved.contract_id} added to the library`);
      await onSaved(saved);
    } catch (e) {
      setFailure(e);
      setSaveProblems({ yaml: draft.yaml, problems: definitionProblems(e, draft.yaml) });
    } finally {
      setBusy(false);
    }
  };

  const errors = problems.filter((p) => p.severity === 'error');
  return (
    <Dialog
      open
      size="xl"
      title={title}
      description={description}
      onClose={onClose}
      dismissable={!busy}
      onSubmit={() => void save()}
      footer={
        <>
          <span className="mr-auto text-xs text-slate-500" role="status" aria-live="polite">
            {check.value === null ? 'The YAML does not parse' : check.checking ? 'Checking…' : errors.length > 0 ? `${errors.length} problem${errors.length === 1 ? '' : 's'}` : 'Loads in the engine (the full validator runs on save)'}
          </span>
          <Button onClick={onClose} disabled={busy}>Cancel</Button>
          <Button type="submit" variant="primary" loading={busy} disabled={(canSave ? !canSave(check) : false) || !check.value || errors.length > 0 || !!idError || !draft.contract_id || !draft.name.trim()}>
            {saveLabel ?? (editing ? 'Save new version' : 'Add to library')}
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-3">
        <div className="grid gap-3 sm:grid-cols-3">
          <Input
            label="Name"
            value={draft.name}
            maxLength={255}
            required
            error={fieldError('name')}
            onChange={(e) => set(idTouched || editing ? { name: e.target.value } : { name: e.target.value, contract_id: slugify(e.target.value) })}
          />
          <Input
            label="Contract id"
            value={draft.contract_id}
            maxLength={128}
            required
            disabled={!!editing}
            error={idError ?? fieldError('contract_id')}
            onChange={(e) => {
              setIdTouched(true);
              set({ contract_id: e.target.value });
            }}
          />
          <Select label="Type" value={draft.type} disabled={!!editing || lockType} hint={editing ? 'The type never changes.' : undefined} onChange={(e) => set({ type: e.target.value as ContractType })}>
            {CONTRACT_TYPES.map((t) => (
              <option key={t} value={t}>{t}</option>
            ))}
          </Select>
        </div>
        <Textarea label="Description (optional)" rows={2} maxLength={2000} value={draft.description} onChange={(e) => set({ description: e.target.value })} />
        <TagInput label="Tags" value={draft.tags} onChange={(tags) => set({ tags })} placeholder="security, refunds…" validate={(s) => (s.length > 64 ? 'at most 64 characters' : undefined)} />
        <div className="flex flex-col gap-1.5">
          <span className="text-sm font-medium text-slate-700 dark:text-slate-300">Definition (YAML: tool, when, then…)</span>
          <YamlEditor value={draft.yaml} onChange={(yaml) => set({ yaml })} problems={problems} label="Contract definition YAML" heightClass="h-[260px]" />
          {problems.length > 0 && (
            <ul aria-label="Definition problems" className="flex flex-col gap-0.5 text-xs">
              {problems.map((p, i) => (
                <li key={i} className={p.severity === 'error' ? 'text-red-600 dark:text-red-400' : 'text-amber-700 dark:text-amber-400'}>
                  {p.line ? `Line ${p.line}: ` : ''}
                  {p.message}
                </li>
              ))}
            </ul>
          )}
          {/* Hidden until AI is configured; a proposal applies as this contract's definition. */}
          <AssistantPanel
            className="mt-2"
            currentYaml={draft.yaml}
            onApply={(proposal) => {
              const definition = proposalToDefinition(proposal);
              if (definition !== null) set({ yaml: definition });
            }}
          />
        </div>
        {extra?.(draft, check)}
        {failure !== null && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {errorMessage(failure)}
          </p>
        )}
      </div>
    </Dialog>
  );
}

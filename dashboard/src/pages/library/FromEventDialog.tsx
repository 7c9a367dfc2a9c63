import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { errorMessage } from '../../api/client';
import { draftFromEvent, saveFromEvent, useCompositions, type DraftFromEvent, type EventSourceRef, type Mode } from '../../api/library';
import { useQueryClient } from '../../api/query';
import { Button } from '../../components/ui/Button';
import { Dialog } from '../../components/ui/Dialog';
import { SkeletonRows } from '../../components/ui/Feedback';
import { Select } from '../../components/ui/Field';
import { definitionToYaml } from '../../lib/contract-yaml';
import { ContractFormDialog } from './ContractFormDialog';
import type { DefinitionCheck } from './use-definition-check';

/** Whether the draft, as typed now, fires on the call it is made from. */
function EventVerdict({ check, toolName }: { check: DefinitionCheck; toolName: string }) {
  if (!check.value) return null;
  const v = check.verdict;
  if (!v) return <p className="text-xs text-slate-500" role="status">Evaluating against the event…</p>;
  const fired = v.deciding_contract !== null || v.trace.some((t) => t.matched && !t.passed);
  return (
    <div
      role="status"
      aria-label="Check against the event"
      className={fired ? 'rounded-md border border-emerald-500/40 bg-emerald-500/10 p-2 text-xs' : 'rounded-md border border-amber-500/40 bg-amber-500/10 p-2 text-xs'}
    >
      {fired ? (
        <>
          Fires on this event: <strong>{v.outcome}</strong>
          {v.message ? ` — ${v.message}` : ''}
        </>
      ) : (
        <>Does not fire on this {toolName} call ({v.outcome}). Adjust the condition so it matches the event.</>
      )}
    </div>
  );
}

/**
 * "Create contract" from an event or a denied approval: a pre contract prefilled from the call
 * (its tool and the argument that made it telling), editable, evaluated against that very call
 * as you type, then added to the library and, if chosen, to a composition.
 */
export function FromEventDialog({ source, onClose }: { source: EventSourceRef; onClose: () => void }) {
  const [draft, setDraft] = useState<DraftFromEvent | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [composition, setComposition] = useState('');
  const [mode, setMode] = useState<Mode | ''>('');
  const compositions = useCompositions();
  const client = useQueryClient();
  const navigate = useNavigate();
  const sourceKey = JSON.stringify(source);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setFailure(null);
    draftFromEvent(JSON.parse(sourceKey) as EventSourceRef).then(
      (d) => !cancelled && setDraft(d),
      (e: unknown) => !cancelled && setFailure(e),
    );
    return () => {
      cancelled = true;
    };
  }, [sourceKey, attempt]);

  if (!draft)
    return (
      <Dialog
        open
        title="Create contract"
        onClose={onClose}
        footer={
          <>
            {failure !== null && <Button onClick={() => setAttempt((n) => n + 1)}>Try again</Button>}
            <Button onClick={onClose}>Close</Button>
          </>
        }
      >
        {failure !== null ? <p role="alert" className="text-sm text-red-600 dark:text-red-400">{errorMessage(failure)}</p> : <SkeletonRows rows={3} />}
      </Dialog>
    );

  const d = draft.draft;
  const call = { tool_name: draft.source.tool_name, tool_args: draft.source.tool_args };
  return (
    <ContractFormDialog
      title="Create contract from this call"
      description={
        <>
          A pre contract for <code className="font-mono">{draft.source.tool_name}</code>
          {draft.source.telling_argument ? <> keyed on <code className="font-mono">args.{draft.source.telling_argument}</code></> : null}, from agent {draft.source.agent_id}. It is checked against this call as you edit it.
        </>
      }
      initial={{ contract_id: d.contract_id, name: d.name, description: d.description, type: 'pre', tags: d.tags, yaml: definitionToYaml(d.definition) }}
      lockType
      call={call}
      canSave={(check) => !!check.verdict && (check.verdict.deciding_contract !== null || check.verdict.trace.some((t) => t.matched && !t.passed))}
      saveLabel={composition ? `Save and add to ${composition}` : 'Add to library'}
      submit={async (body) => {
        const r = await saveFromEvent({
          ...('event_id' in source ? { event_id: source.event_id } : { approval_id: source.approval_id }),
          contract: { contract_id: body.contract_id, name: body.name, description: body.description, definition: body.definition, tags: body.tags },
          composition: composition ? { name: composition, mode_override: mode || null } : null,
        });
        if (r.composition_name) client.invalidate('compositions:');
        return r.contract;
      }}
      onClose={onClose}
      onSaved={(c) => {
        onClose();
        void navigate(composition ? `/compositions/${encodeURIComponent(composition)}` : `/library/${encodeURIComponent(c.contract_id)}`);
      }}
      extra={(_, check) => (
        <>
          <EventVerdict check={check} toolName={draft.source.tool_name} />
          <div className="grid gap-3 sm:grid-cols-2">
            <Select label="Also add to a composition (optional)" value={composition} onChange={(e) => setComposition(e.target.value)}>
              <option value="">Library only</option>
              {(compositions.data ?? []).map((c) => (
                <option key={c.name} value={c.name}>{c.name}</option>
              ))}
            </Select>
            <Select label="Mode in that composition" value={mode} disabled={!composition} onChange={(e) => setMode(e.target.value as Mode | '')}>
              <option value="">The composition's default</option>
              <option value="observe">observe</option>
              <option value="enforce">enforce</option>
            </Select>
          </div>
        </>
      )}
    />
  );
}

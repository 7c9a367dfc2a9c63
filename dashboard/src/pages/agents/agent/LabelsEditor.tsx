import { useId, useState } from 'react';
import { labelNames, putAgentLabels, useFleetLabels } from '../../../api/agents';
import { useMe } from '../../../api/auth';
import { ApiError, errorMessage } from '../../../api/client';
import { useMutation, useQueryClient } from '../../../api/query';
import { Badge } from '../../../components/ui/Badge';
import { Button } from '../../../components/ui/Button';
import { controlClass } from '../../../components/ui/Field';
import { IconX } from '../../../components/ui/icons';
import { cn } from '../../../lib/cn';

/** The message of a rejected label set: the API's 422 names the label by its index. */
function labelProblem(e: unknown, labels: string[]): string {
  if (e instanceof ApiError && e.status === 422 && e.problems.length) {
    const p = e.problems[0]!;
    const i = p.loc[p.loc.length - 1];
    return typeof i === 'number' && labels[i] !== undefined ? `${labels[i]}: ${p.msg}` : p.msg;
  }
  return errorMessage(e);
}

/**
 * An agent's labels (docs/rollouts.md "Labels"): the ones set on it, as chips an admin can remove
 * or add to (each change is saved at once), and the ones labelled assignment rules give it.
 * A canary can target a label.
 */
export function LabelsEditor({ agentId, env }: { agentId: string; env: string | null }) {
  const fleet = useFleetLabels();
  const isAdmin = useMe().data?.is_admin ?? false;
  const client = useQueryClient();
  const id = useId();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>();
  const save = useMutation((labels: string[]) => putAgentLabels(agentId, labels));
  const mine = fleet.data?.agents.find((a) => a.agent_id === agentId);
  const labels = mine?.labels ?? [];
  const fromRules = (mine?.rule_labels ?? []).filter((r) => !env || r.env === env);
  const known = labelNames(fleet.data).filter((l) => !labels.includes(l));

  const put = async (next: string[]) => {
    setError(undefined);
    try {
      await save.mutate(next);
      setText('');
      client.invalidate('agents:');
      return true;
    } catch (e) {
      setError(labelProblem(e, next));
      return false;
    }
  };
  const add = () => {
    const l = text.trim();
    if (!l) return;
    if (labels.includes(l)) return setText('');
    void put([...labels, l]);
  };

  if (!fleet.data) return null;
  if (!isAdmin && labels.length === 0 && fromRules.length === 0) return null;
  return (
    <section aria-label="Labels" className="mt-2 flex flex-wrap items-center gap-1.5 text-sm">
      <span className="text-xs font-medium text-slate-500" id={`${id}-title`}>
        Labels
      </span>
      <ul aria-labelledby={`${id}-title`} className="flex flex-wrap items-center gap-1.5">
        {labels.map((l) => (
          <li key={l} className="inline-flex items-center gap-1 rounded bg-slate-200 px-1.5 py-0.5 font-mono text-xs dark:bg-slate-800">
            {l}
            {isAdmin && (
              <button type="button" aria-label={`Remove label ${l}`} disabled={save.isPending} onClick={() => void put(labels.filter((x) => x !== l))} className="text-slate-500 hover:text-red-500">
                <IconX size={12} />
              </button>
            )}
          </li>
        ))}
        {fromRules.map((r) => (
          <li key={`${r.rule_id}:${r.label}:${r.env}`}>
            <Badge tone="slate" title={`Given by an assignment rule in ${r.env}`}>
              <span className="font-mono">{r.label}</span> · rule
            </Badge>
          </li>
        ))}
      </ul>
      {isAdmin && (
        <form
          className="inline-flex items-start gap-1.5"
          onSubmit={(e) => {
            e.preventDefault();
            add();
          }}
        >
          <div className="flex flex-col gap-1">
            <label htmlFor={id} className="sr-only">
              Add a label
            </label>
            <input
              id={id}
              value={text}
              list={`${id}-list`}
              autoComplete="off"
              onChange={(e) => {
                setText(e.target.value);
                setError(undefined);
              }}
              placeholder="add label…"
              maxLength={100}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-err` : undefined}
              className={cn(controlClass, 'h-7 w-36 font-mono text-xs')}
            />
            <datalist id={`${id}-list`}>
              {known.map((l) => (
                <option key={l} value={l} />
              ))}
            </datalist>
            {error && (
              <p id={`${id}-err`} role="alert" className="max-w-xs text-xs text-red-600 dark:text-red-400">
                {error}
              </p>
            )}
          </div>
          <Button type="submit" size="xs" variant="outline" loading={save.isPending} disabled={!text.trim()}>
            Add label
          </Button>
        </form>
      )}
    </section>
  );
}

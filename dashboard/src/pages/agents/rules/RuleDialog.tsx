import { useState } from 'react';
import { createRule, labelNames, putRuleLabels, updateRule, useFleetLabels, validateLabel } from '../../../api/agents';
import { useBundles } from '../../../api/bundles';
import { ApiError, errorMessage } from '../../../api/client';
import { useQueryClient } from '../../../api/query';
import type { AssignmentRule } from '../../../api/types';
import { Button } from '../../../components/ui/Button';
import { Dialog } from '../../../components/ui/Dialog';
import { Combobox, Input } from '../../../components/ui/Field';
import { TagInput } from '../../../components/ui/TagInput';
import { useToast } from '../../../components/ui/Toast';
import { envOptions, validateEnv } from '../../../lib/env';

export function parseTags(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of items) {
    const i = s.indexOf('=');
    out[s.slice(0, i).trim()] = s.slice(i + 1).trim();
  }
  return out;
}
export function tagItems(tags: Record<string, unknown> | null | undefined): string[] {
  return Object.entries(tags ?? {}).map(([k, v]) => `${k}=${String(v)}`);
}
export const validateTag = (s: string) => (/^[^=\s]+=.+$/.test(s) ? undefined : 'use key=value');

export function RuleDialog({ rule, rules, onClose }: { rule: AssignmentRule | null; rules: AssignmentRule[]; onClose: () => void }) {
  const bundles = useBundles();
  const client = useQueryClient();
  const toast = useToast();
  const [priority, setPriority] = useState(String(rule?.priority ?? (rules.length ? Math.max(...rules.map((r) => r.priority)) + 10 : 10)));
  const [pattern, setPattern] = useState(rule?.pattern ?? '');
  const [tags, setTags] = useState<string[]>(tagItems(rule?.tag_match));
  const fleetLabels = useFleetLabels();
  const savedLabels = (rule && fleetLabels.data?.rules.find((r) => r.rule_id === rule.id)?.labels) ?? [];
  // Null until edited: the rule's saved labels may arrive after the dialog opens.
  const [labelsEdit, setLabels] = useState<string[] | null>(null);
  const labels = labelsEdit ?? savedLabels;
  const [bundle, setBundle] = useState(rule?.bundle_name ?? '');
  const [env, setEnv] = useState(rule?.env ?? 'production');
  const [created, setCreated] = useState<AssignmentRule | null>(null);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const p = Number(priority);
    const errs: Record<string, string | undefined> = {
      priority: !Number.isInteger(p) || p < 0 ? 'A whole number, 0 or more.' : rules.some((r) => r.priority === p && r.id !== (rule ?? created)?.id) ? `Priority ${p} is taken.` : undefined,
      pattern: !pattern.trim() ? 'Enter a pattern, e.g. support-* or *.' : pattern.length > 200 || /[/\\\0]/.test(pattern) ? 'Up to 200 characters, no slashes.' : undefined,
      bundle: !bundle.trim() ? 'Choose a bundle.' : undefined,
      env: validateEnv(env.trim()),
    };
    setErrors(errs);
    if (Object.values(errs).some(Boolean)) return;
    setBusy(true);
    const body = { priority: p, pattern: pattern.trim(), tag_match: tags.length ? parseTags(tags) : null, bundle_name: bundle.trim(), env: env.trim() };
    // A new rule saved whose labels were then refused is updated, not created again, on retry.
    let saved: AssignmentRule | null = rule ?? created;
    try {
      saved = saved ? await updateRule(saved.id, body) : await createRule(body);
      if (!rule) setCreated(saved);
      // Labels live beside the rule (PUT .../labels): only sent when they changed.
      if (labelsEdit !== null && labelsEdit.join('\n') !== savedLabels.join('\n')) await putRuleLabels(saved.id, labelsEdit);
      toast.success(rule ? 'Rule updated' : 'Rule added');
      client.invalidate('rules:');
      client.invalidate('agents:');
      onClose();
    } catch (e) {
      if (saved && e instanceof ApiError && e.status === 422 && e.problems.some((p) => p.loc.includes('labels'))) {
        // The rule itself was saved; only its labels were refused.
        client.invalidate('rules:');
        setErrors({ labels: errorMessage(e) });
      } else if (e instanceof ApiError && e.status === 409) setErrors({ priority: e.detail });
      else if (e instanceof ApiError && (e.status === 422 || e.status === 400)) setErrors({ pattern: e.fieldMessage('pattern'), priority: e.fieldMessage('priority'), env: e.fieldMessage('env'), bundle: e.fieldMessage('bundle_name'), form: errorMessage(e) });
      else setErrors({ form: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      onClose={onClose}
      dismissable={!busy}
      title={rule ? 'Edit rule' : 'Add assignment rule'}
      onSubmit={() => void submit()}
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" loading={busy}>
            {rule ? 'Save rule' : 'Add rule'}
          </Button>
        </>
      }
    >
      <div className="grid gap-4 sm:grid-cols-2">
        {errors.form && (
          <p role="alert" className="text-sm text-red-600 sm:col-span-2 dark:text-red-400">
            {errors.form}
          </p>
        )}
        <Input label="Priority" type="number" min={0} step={1} value={priority} onChange={(e) => setPriority(e.target.value)} error={errors.priority} hint="Lower runs first." />
        <Input label="Agent pattern" value={pattern} onChange={(e) => setPattern(e.target.value)} error={errors.pattern} placeholder="support-*" hint="Glob on the agent id: * and ?" className="font-mono" />
        <Combobox label="Bundle" suggestions={(bundles.data ?? []).map((b) => b.name)} value={bundle} onChange={(e) => setBundle(e.target.value)} error={errors.bundle} />
        <Combobox label="Environment" suggestions={envOptions([])} value={env} onChange={(e) => setEnv(e.target.value)} error={errors.env} />
        <div className="sm:col-span-2">
          <TagInput label="Required tags (optional)" value={tags} onChange={setTags} validate={validateTag} placeholder="team=ops" hint="Every tag must match the agent's tags. key=value, Enter to add." />
        </div>
        <div className="sm:col-span-2">
          <TagInput
            label="Labels for matching agents (optional)"
            value={labels}
            onChange={(v) => {
              setLabels(v);
              setErrors((x) => ({ ...x, labels: undefined }));
            }}
            validate={validateLabel}
            suggestions={labelNames(fleetLabels.data)}
            error={errors.labels}
            placeholder="early"
            hint="Agents this rule matches in its environment carry these labels; a canary can target a label. Enter to add."
          />
        </div>
      </div>
    </Dialog>
  );
}

import { useState } from 'react';
import { createRule, updateRule } from '../../../api/agents';
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
  const [bundle, setBundle] = useState(rule?.bundle_name ?? '');
  const [env, setEnv] = useState(rule?.env ?? 'production');
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const p = Number(priority);
    const errs: Record<string, string | undefined> = {
      priority: !Number.isInteger(p) || p < 0 ? 'A whole number, 0 or more.' : rules.some((r) => r.priority === p && r.id !== rule?.id) ? `Priority ${p} is taken.` : undefined,
      pattern: !pattern.trim() ? 'Enter a pattern, e.g. support-* or *.' : pattern.length > 200 || /[/\\\0]/.test(pattern) ? 'Up to 200 characters, no slashes.' : undefined,
      bundle: !bundle.trim() ? 'Choose a bundle.' : undefined,
      env: validateEnv(env.trim()),
    };
    setErrors(errs);
    if (Object.values(errs).some(Boolean)) return;
    setBusy(true);
    const body = { priority: p, pattern: pattern.trim(), tag_match: tags.length ? parseTags(tags) : null, bundle_name: bundle.trim(), env: env.trim() };
    try {
      if (rule) await updateRule(rule.id, body);
      else await createRule(body);
      toast.success(rule ? 'Rule updated' : 'Rule added');
      client.invalidate('rules:');
      client.invalidate('agents:');
      onClose();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) setErrors({ priority: e.detail });
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
      </div>
    </Dialog>
  );
}

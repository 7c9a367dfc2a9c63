import { useMemo, useState } from 'react';
import { useRegistrations } from '../../../api/agents';
import { ApiError, errorMessage } from '../../../api/client';
import { useHealthDetails } from '../../../api/health';
import { createChannel, testChannel, testChannelConfig, updateChannel } from '../../../api/notifications';
import { useQueryClient } from '../../../api/query';
import { useContractStats } from '../../../api/stats';
import type { ChannelCreate, ChannelType, NotificationChannel } from '../../../api/types';
import { Button } from '../../../components/ui/Button';
import { Dialog } from '../../../components/ui/Dialog';
import { Input } from '../../../components/ui/Field';
import { IconAlert } from '../../../components/ui/icons';
import { TagInput } from '../../../components/ui/TagInput';
import { useToast } from '../../../components/ui/Toast';
import { cn } from '../../../lib/cn';
import { envOptions, validateEnv } from '../../../lib/env';
import { CHANNEL_TYPES, typeSpec } from './channel-types';

type Values = Record<string, string>;

function initialValues(c: NotificationChannel | null): { values: Values; lists: Record<string, string[]> } {
  const values: Values = {};
  const lists: Record<string, string[]> = {};
  if (!c) return { values, lists };
  for (const f of typeSpec(c.channel_type).fields) {
    const v = c.config[f.key];
    if (f.type === 'list') lists[f.key] = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
    // Secrets come back masked; never prefill them (saving the mask would overwrite the secret).
    else if (!f.secret && v !== undefined && v !== null) values[f.key] = String(v);
  }
  return { values, lists };
}

const glob = (s: string) => (s.length > 200 ? 'At most 200 characters.' : undefined);

export function ChannelDialog({ channel, onClose }: { channel: NotificationChannel | null; onClose: () => void }) {
  const editing = !!channel;
  const [type, setType] = useState<ChannelType>(channel?.channel_type ?? 'slack_app');
  const [name, setName] = useState(channel?.name ?? '');
  const init = useMemo(() => initialValues(channel), [channel]);
  const [values, setValues] = useState<Values>(init.values);
  const [lists, setLists] = useState<Record<string, string[]>>(init.lists);
  const [configTouched, setConfigTouched] = useState(!editing);
  const [envs, setEnvs] = useState<string[]>(channel?.filters?.environments ?? []);
  const [agents, setAgents] = useState<string[]>(channel?.filters?.agent_patterns ?? []);
  const [contracts, setContracts] = useState<string[]>(channel?.filters?.contract_names ?? []);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [busy, setBusy] = useState<'save' | 'test' | null>(null);
  const [testResult, setTestResult] = useState<{ ok: boolean; message: string } | null>(null);
  const client = useQueryClient();
  const toast = useToast();
  const health = useHealthDetails();
  const regs = useRegistrations();
  const stats = useContractStats();
  const spec = typeSpec(type);

  const setValue = (k: string, v: string) => {
    setValues((s) => ({ ...s, [k]: v }));
    setConfigTouched(true);
    setTestResult(null);
  };

  const validate = (): boolean => {
    const errs: Record<string, string | undefined> = { name: name.trim() ? (name.length > 100 ? 'At most 100 characters.' : undefined) : 'Give the channel a name.' };
    if (configTouched) {
      for (const f of spec.fields) {
        if (f.type === 'list') {
          if (!(lists[f.key] ?? []).length) errs[f.key] = `Add at least one ${f.label.toLowerCase().replace(/s$/, '')}.`;
          continue;
        }
        const v = values[f.key] ?? '';
        if (!v.trim()) {
          if (!f.optional) errs[f.key] = editing && f.secret ? 'Re-enter it: changing the configuration replaces all of it.' : `Required.`;
          continue;
        }
        errs[f.key] = f.validate?.(v);
      }
    }
    setErrors(errs);
    return !Object.values(errs).some(Boolean);
  };

  const draft = (): ChannelCreate => {
    const config: Record<string, unknown> = {};
    for (const f of spec.fields) {
      if (f.type === 'list') config[f.key] = lists[f.key] ?? [];
      else if (values[f.key]?.trim()) config[f.key] = f.type === 'number' ? Number(values[f.key]) : values[f.key]!.trim();
    }
    const filters = { environments: envs, agent_patterns: agents, contract_names: contracts };
    const any = envs.length || agents.length || contracts.length;
    return { name: name.trim(), channel_type: type, config, filters: any ? filters : null };
  };

  const applyServerErrors = (e: unknown) => {
    if (e instanceof ApiError && e.status === 422 && e.problems.length) {
      const errs: Record<string, string | undefined> = {};
      for (const p of e.problems) errs[String(p.loc[p.loc.length - 1])] = p.msg;
      setErrors(errs);
      if (!spec.fields.some((f) => errs[f.key]) && !errs.name) errs.form = errorMessage(e);
      setErrors(errs);
    } else if (e instanceof ApiError && e.status === 503) setErrors({ form: 'The server cannot store channel secrets: EDICTUM_SIGNING_KEY_SECRET is not set.' });
    else setErrors({ form: errorMessage(e) });
  };

  const sendTest = async () => {
    if (!validate()) return;
    setBusy('test');
    setTestResult(null);
    try {
      const r = editing && !configTouched ? await testChannel(channel.id) : await testChannelConfig(draft());
      setTestResult({ ok: r.success, message: r.message });
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
        setTestResult({ ok: false, message: 'This server cannot test unsaved settings. Save the channel (disabled if you like), then use Test in the list.' });
      } else if (e instanceof ApiError && e.status === 422) applyServerErrors(e);
      else setTestResult({ ok: false, message: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };

  const save = async () => {
    if (!validate()) return;
    setBusy('save');
    try {
      const d = draft();
      if (editing) await updateChannel(channel.id, { name: d.name, filters: d.filters ?? null, ...(configTouched ? { config: d.config } : {}) });
      else await createChannel(d);
      toast.success(editing ? `Saved ${d.name}` : `Added ${d.name}. Send a test from the list to check it.`);
      client.invalidate('notifications:');
      onClose();
    } catch (e) {
      applyServerErrors(e);
    } finally {
      setBusy(null);
    }
  };

  const httpsMissing = spec.interactive && health.data && !health.data.base_url_https;

  return (
    <Dialog
      open
      onClose={onClose}
      dismissable={!busy}
      size="lg"
      title={editing ? `Edit ${channel.name}` : 'Add notification channel'}
      onSubmit={() => void save()}
      footer={
        <>
          <Button variant="outline" className="mr-auto" loading={busy === 'test'} onClick={() => void sendTest()}>
            Send test
          </Button>
          <Button variant="ghost" onClick={onClose} disabled={!!busy}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" loading={busy === 'save'}>
            {editing ? 'Save channel' : 'Create channel'}
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-5">
        {errors.form && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {errors.form}
          </p>
        )}
        <fieldset>
          <legend className="mb-2 text-sm font-medium">Type{editing && ' (fixed after creation)'}</legend>
          <div className="grid gap-2 sm:grid-cols-3">
            {CHANNEL_TYPES.map((t) => (
              <label
                key={t.type}
                className={cn(
                  'flex cursor-pointer flex-col gap-0.5 rounded-lg border p-2.5 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-amber-500',
                  type === t.type ? 'border-amber-500 bg-amber-500/10' : 'border-slate-200 dark:border-slate-800',
                  editing && type !== t.type && 'cursor-not-allowed opacity-40',
                )}
              >
                <input
                  type="radio"
                  name="channel-type"
                  value={t.type}
                  checked={type === t.type}
                  disabled={editing}
                  onChange={() => {
                    setType(t.type);
                    setValues({});
                    setLists({});
                    setErrors({});
                    setTestResult(null);
                  }}
                  className="sr-only"
                />
                <span className="font-medium">{t.label}</span>
                <span className="text-xs text-slate-500">{t.blurb}</span>
              </label>
            ))}
          </div>
        </fieldset>
        {httpsMissing && (
          <p className="flex items-start gap-2 rounded-md border border-amber-400/50 bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:bg-amber-500/10 dark:text-amber-200">
            <IconAlert size={14} className="mt-0.5 shrink-0" />
            {spec.label} buttons call back into this console, which needs a public https base URL (EDICTUM_BASE_URL). Until then messages arrive but the buttons cannot reach the console.
          </p>
        )}
        <Input label="Name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} error={errors.name} placeholder="e.g. Ops on-call" />
        <div className="grid gap-4 sm:grid-cols-2">
          {spec.fields.map((f) =>
            f.type === 'list' ? (
              <div key={f.key} className="sm:col-span-2">
                <TagInput
                  label={f.label}
                  value={lists[f.key] ?? []}
                  onChange={(v) => {
                    setLists((s) => ({ ...s, [f.key]: v }));
                    setConfigTouched(true);
                  }}
                  validate={f.validate}
                  placeholder={f.placeholder}
                  error={errors[f.key]}
                />
              </div>
            ) : (
              <Input
                key={f.key}
                label={`${f.label}${f.optional ? ' (optional)' : ''}`}
                type={f.secret ? 'password' : f.type === 'number' ? 'text' : 'text'}
                inputMode={f.type === 'number' ? 'numeric' : undefined}
                autoComplete={f.secret ? 'new-password' : 'off'}
                value={values[f.key] ?? ''}
                onChange={(e) => setValue(f.key, e.target.value)}
                error={errors[f.key]}
                placeholder={editing && f.secret ? `Unchanged (${String(channel.config[f.key] ?? '••••')})` : f.placeholder}
                hint={f.hint}
                className={cn(f.secret || f.key.includes('id') || f.key.includes('key') ? 'font-mono' : '')}
              />
            ),
          )}
        </div>
        {type === 'slack_app' && (
          <p className="text-xs text-slate-500">
            Create the Slack app from the{' '}
            <a href="/api/v1/slack/manifest" target="_blank" rel="noreferrer" className="text-amber-600 underline dark:text-amber-400">
              app manifest
            </a>{' '}
            (interactivity URL pre-filled), install it, then paste its bot token and signing secret here.
          </p>
        )}
        <fieldset className="flex flex-col gap-3 rounded-lg border border-slate-200 p-3 dark:border-slate-800">
          <legend className="px-1 text-sm font-medium">Routing filters</legend>
          <p className="text-xs text-slate-500">Every filter you fill must match; an empty one matches everything. Decisions are always posted to all channels.</p>
          <TagInput label="Environments" value={envs} onChange={setEnvs} validate={validateEnv} suggestions={envOptions([])} placeholder="production" />
          <TagInput label="Agent patterns" value={agents} onChange={setAgents} validate={glob} suggestions={(regs.data ?? []).map((r) => r.agent_id)} placeholder="support-*" hint="Globs on the agent id (* and ?)." />
          <TagInput
            label="Contract names"
            value={contracts}
            onChange={setContracts}
            validate={glob}
            suggestions={(stats.data?.coverage ?? []).map((c) => c.decision_name)}
            placeholder="big-refunds-*"
            hint="Only applies to approvals that name a contract."
          />
        </fieldset>
        {testResult && (
          <p role="status" className={cn('rounded-md px-3 py-2 text-sm', testResult.ok ? 'bg-emerald-50 text-emerald-800 dark:bg-emerald-500/10 dark:text-emerald-300' : 'bg-red-50 text-red-800 dark:bg-red-950/30 dark:text-red-300')}>
            {testResult.ok ? 'Test sent: ' : 'Test failed: '}
            {testResult.message}
          </p>
        )}
      </div>
    </Dialog>
  );
}

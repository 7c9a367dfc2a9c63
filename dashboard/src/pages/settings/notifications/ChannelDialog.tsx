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
import { Input, Textarea } from '../../../components/ui/Field';
import { IconAlert } from '../../../components/ui/icons';
import { TagInput } from '../../../components/ui/TagInput';
import { useToast } from '../../../components/ui/Toast';
import { cn } from '../../../lib/cn';
import { envOptions, validateEnv } from '../../../lib/env';
import { CHANNEL_TYPES, typeSpec, validateConfig, type FieldSpec } from './channel-types';
import { ChannelSetup, type SessionSecrets } from './ChannelSetup';

type Values = Record<string, string>;

function initialValues(c: NotificationChannel | null): { values: Values; lists: Record<string, string[]> } {
  const values: Values = {};
  const lists: Record<string, string[]> = {};
  if (!c) return { values, lists };
  for (const f of typeSpec(c.channel_type).fields) {
    const v = c.config[f.key];
    if (f.type === 'list') lists[f.key] = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
    // Secrets come back masked: left empty, "unchanged" sends the mask back and the API keeps
    // the stored secret.
    else if (!f.secret && v !== undefined && v !== null) values[f.key] = String(v);
  }
  return { values, lists };
}

/** A secret the API would generate, made here instead so the set-up panel can show it once. */
function generatedSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
const GENERATED: Partial<Record<ChannelType, string>> = { telegram: 'webhook_secret' };

const glob = (s: string) => (s.length > 200 ? 'At most 200 characters.' : undefined);

export function ChannelDialog({ channel, onClose }: { channel: NotificationChannel | null; onClose: () => void }) {
  // After a create the dialog stays open on the new channel, to show its callback URLs.
  const [saved, setSaved] = useState<NotificationChannel | null>(channel);
  const editing = !!saved;
  const [type, setType] = useState<ChannelType>(channel?.channel_type ?? 'slack_app');
  const [name, setName] = useState(channel?.name ?? '');
  const init = useMemo(() => initialValues(channel), [channel]);
  const [values, setValues] = useState<Values>(init.values);
  const [lists, setLists] = useState<Record<string, string[]>>(init.lists);
  const [configTouched, setConfigTouched] = useState(!channel);
  const [secrets, setSecrets] = useState<SessionSecrets>({});
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

  const touch = () => {
    setConfigTouched(true);
    setTestResult(null);
  };
  const setValue = (k: string, v: string) => {
    setValues((s) => ({ ...s, [k]: v }));
    touch();
  };

  /** The config as the API takes it, and which secrets are sent back masked (unchanged). */
  const buildConfig = (generate: boolean): { config: Record<string, unknown>; unchanged: string[]; made: SessionSecrets } => {
    const config: Record<string, unknown> = {};
    const unchanged: string[] = [];
    const made: SessionSecrets = {};
    for (const f of spec.fields) {
      if (f.type === 'list') {
        const l = lists[f.key] ?? [];
        if (l.length || !f.optional) config[f.key] = l;
        continue;
      }
      const raw = values[f.key] ?? '';
      const v = f.type === 'multiline' ? raw.trim() && raw : raw.trim();
      if (v) config[f.key] = f.type === 'number' && /^\d+$/.test(v) ? Number(v) : v;
      else if (f.secret && saved && typeof saved.config[f.key] === 'string' && saved.config[f.key] !== '') {
        config[f.key] = saved.config[f.key];
        unchanged.push(f.key);
      } else if (generate && GENERATED[type] === f.key) config[f.key] = generatedSecret();
      if (f.secret && typeof config[f.key] === 'string' && !unchanged.includes(f.key)) made[f.key as keyof SessionSecrets] = config[f.key] as string;
    }
    return { config, unchanged, made };
  };

  const validate = (config: Record<string, unknown>, unchanged: string[]): boolean => {
    const errs: Record<string, string | undefined> = { name: name.trim() ? (name.length > 100 ? 'At most 100 characters.' : undefined) : 'Give the channel a name.' };
    // The API's own schema: what it accepts, the form accepts (a Telegram @channel, SMTP
    // without credentials), with the API's messages.
    if (configTouched) Object.assign(errs, validateConfig(type, config, unchanged));
    setErrors(errs);
    return !Object.values(errs).some(Boolean);
  };

  const draft = (config: Record<string, unknown>): ChannelCreate => {
    const filters = { environments: envs, agent_patterns: agents, contract_names: contracts };
    const any = envs.length || agents.length || contracts.length;
    return { name: name.trim(), channel_type: type, config, filters: any ? filters : null };
  };

  const applyServerErrors = (e: unknown) => {
    if (e instanceof ApiError && e.status === 422 && e.problems.length) {
      const errs: Record<string, string | undefined> = {};
      for (const p of e.problems) {
        // A list item's problem (`body.config.breakglass_admins.1`) belongs to its field.
        const at = p.loc.indexOf('config');
        const key = String(at >= 0 && at + 1 < p.loc.length ? p.loc[at + 1] : p.loc[p.loc.length - 1]);
        errs[key] ??= p.msg;
      }
      if (!spec.fields.some((f) => errs[f.key]) && !errs.name) errs.form = errorMessage(e);
      setErrors(errs);
    } else if (e instanceof ApiError && e.status === 503) setErrors({ form: 'The server cannot store channel secrets: EDICTUM_SIGNING_KEY_SECRET is not set.' });
    else setErrors({ form: errorMessage(e) });
  };

  const sendTest = async () => {
    const { config, unchanged } = buildConfig(false);
    if (!validate(config, unchanged)) return;
    setBusy('test');
    setTestResult(null);
    try {
      const r = saved && !configTouched ? await testChannel(saved.id) : await testChannelConfig({ ...(saved ? { id: saved.id } : {}), ...draft(config) });
      setTestResult({ ok: r.success, message: r.message });
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) applyServerErrors(e);
      else setTestResult({ ok: false, message: errorMessage(e) });
    } finally {
      setBusy(null);
      if (saved) client.invalidate('notifications:');
    }
  };

  const save = async () => {
    const { config, unchanged, made } = buildConfig(!saved);
    if (!validate(config, unchanged)) return;
    setBusy('save');
    try {
      const d = draft(config);
      if (saved) {
        const c = await updateChannel(saved.id, { name: d.name, filters: d.filters ?? null, ...(configTouched ? { config: d.config } : {}) });
        setSecrets((s) => ({ ...s, ...made }));
        toast.success(`Saved ${d.name}`);
        client.invalidate('notifications:');
        if (!channel) setSaved(c);
        else onClose();
      } else {
        const c = await createChannel(d);
        client.invalidate('notifications:');
        setSecrets(made);
        if (spec.interactive) {
          // Stay open: the callback URLs need the new channel's id.
          setSaved(c);
          setConfigTouched(false);
          toast.success(`Added ${d.name}. Finish the set-up on ${spec.label} with the values below.`);
        } else {
          toast.success(`Added ${d.name}.`);
          onClose();
        }
      }
    } catch (e) {
      applyServerErrors(e);
    } finally {
      setBusy(null);
    }
  };

  const httpsMissing = spec.interactive && health.data && !health.data.base_url_https;
  const justCreated = !channel && !!saved;

  return (
    <Dialog
      open
      onClose={onClose}
      dismissable={!busy}
      size="lg"
      title={justCreated ? `Set up ${saved.name}` : channel ? `Edit ${channel.name}` : 'Add notification channel'}
      onSubmit={() => void save()}
      footer={
        <>
          <div className="mr-auto flex min-w-0 flex-wrap items-center gap-2">
            <Button variant="outline" loading={busy === 'test'} onClick={() => void sendTest()}>
              Send test
            </Button>
            {testResult && (
              <span
                role="status"
                data-testid="channel-test-result"
                className={cn('min-w-0 text-xs', testResult.ok ? 'text-emerald-700 dark:text-emerald-300' : 'text-red-700 dark:text-red-300')}
              >
                {testResult.ok ? 'Test sent: ' : 'Test failed: '}
                {testResult.message}
              </span>
            )}
          </div>
          <Button variant="ghost" onClick={onClose} disabled={!!busy}>
            {justCreated ? 'Done' : 'Cancel'}
          </Button>
          <Button type="submit" variant="primary" loading={busy === 'save'}>
            {editing ? 'Save channel' : 'Create channel'}
          </Button>
        </>
      }
    >
      <div className="flex min-w-0 flex-col gap-5">
        {errors.form && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {errors.form}
          </p>
        )}
        {justCreated && <ChannelSetup type={type} channelId={saved.id} secrets={secrets} />}
        <fieldset className="min-w-0">
          <legend className="mb-2 text-sm font-medium">Type{editing && ' (fixed after creation)'}</legend>
          <div className="grid grid-cols-2 gap-2 sm:grid-cols-3">
            {CHANNEL_TYPES.map((t) => (
              <label
                key={t.type}
                className={cn(
                  'flex min-w-0 cursor-pointer flex-col gap-0.5 rounded-lg border p-2.5 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-amber-500',
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
        {!justCreated && (editing || type === 'slack_app') && <ChannelSetup type={type} channelId={saved?.id} secrets={secrets} />}
        <Input label="Name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} error={errors.name} placeholder="e.g. Ops on-call" />
        <div className="grid min-w-0 gap-4 sm:grid-cols-2">
          {spec.fields.map((f) => (
            <ConfigField
              key={f.key}
              f={f}
              value={values[f.key] ?? ''}
              list={lists[f.key] ?? []}
              error={errors[f.key]}
              masked={saved && f.secret ? String(saved.config[f.key] ?? '') : undefined}
              onValue={(v) => setValue(f.key, v)}
              onList={(v) => {
                setLists((s) => ({ ...s, [f.key]: v }));
                touch();
              }}
            />
          ))}
        </div>
        <fieldset className="flex min-w-0 flex-col gap-3 rounded-lg border border-slate-200 p-3 dark:border-slate-800">
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
      </div>
    </Dialog>
  );
}

function ConfigField({ f, value, list, error, masked, onValue, onList }: {
  f: FieldSpec;
  value: string;
  list: string[];
  error?: string;
  masked?: string;
  onValue: (v: string) => void;
  onList: (v: string[]) => void;
}) {
  const label = `${f.label}${f.optional ? ' (optional)' : ''}`;
  if (f.type === 'list') {
    return (
      <div className="min-w-0 sm:col-span-2">
        <TagInput label={label} value={list} onChange={onList} validate={f.validateItem} placeholder={f.placeholder} hint={f.hint} error={error} />
      </div>
    );
  }
  if (f.type === 'multiline') {
    return (
      <Textarea
        label={label}
        value={value}
        onChange={(e) => onValue(e.target.value)}
        error={error}
        placeholder={f.placeholder}
        hint={f.hint}
        rows={3}
        spellCheck={false}
        wrapperClassName="sm:col-span-2"
        className="font-mono text-xs"
      />
    );
  }
  return (
    <Input
      label={label}
      type={f.secret ? 'password' : 'text'}
      inputMode={f.type === 'number' ? 'numeric' : undefined}
      autoComplete={f.secret ? 'new-password' : 'off'}
      value={value}
      onChange={(e) => onValue(e.target.value)}
      error={error}
      placeholder={masked ? `Unchanged (${masked})` : f.placeholder}
      hint={f.hint}
      wrapperClassName="min-w-0"
      className={cn(f.secret || f.key.includes('id') || f.key.includes('key') ? 'font-mono' : '')}
    />
  );
}

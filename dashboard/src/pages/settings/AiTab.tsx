import { useEffect, useState } from 'react';
import { deleteAiSettings, getAiUsage, saveAiSettings, testAi, useAiSettings, type AiProvider, type AiTestResult, type AiUsage } from '../../api/ai';
import { useMe } from '../../api/auth';
import { errorMessage, isApiError } from '../../api/client';
import { useQuery } from '../../api/query';
import { Badge } from '../../components/ui/Badge';
import { Button } from '../../components/ui/Button';
import { Card, CardHeader } from '../../components/ui/Card';
import { ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { Input, Select } from '../../components/ui/Field';
import { useToast } from '../../components/ui/Toast';

const PROVIDERS: { value: AiProvider; label: string; baseUrl: string; keyHint: string }[] = [
  { value: 'anthropic', label: 'Anthropic', baseUrl: 'https://api.anthropic.com/v1', keyHint: 'sk-ant-…' },
  { value: 'openai', label: 'OpenAI', baseUrl: 'https://api.openai.com/v1', keyHint: 'sk-…' },
  { value: 'openrouter', label: 'OpenRouter', baseUrl: 'https://openrouter.ai/api/v1', keyHint: 'sk-or-…' },
  { value: 'ollama', label: 'Ollama', baseUrl: 'http://localhost:11434/v1', keyHint: 'usually none' },
  { value: 'openai_compatible', label: 'OpenAI-compatible server', baseUrl: 'http://host:8000/v1', keyHint: 'if the server needs one' },
];

/** Settings > AI: the provider the contract assistant uses, a live test, and what it has cost. */
export default function AiTab() {
  const me = useMe();
  const isAdmin = me.data?.is_admin ?? false;
  const settings = useAiSettings();
  if (settings.isLoading) return <SkeletonRows rows={4} />;
  if (settings.error) return <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />;
  return (
    <div className="flex flex-col gap-4">
      {!isAdmin && <p className="text-sm text-slate-500">Only admins can change the AI provider or see its usage.</p>}
      <ProviderCard disabled={!isAdmin} />
      {isAdmin && settings.data?.configured && <UsageCard />}
    </div>
  );
}

function ProviderCard({ disabled }: { disabled: boolean }) {
  const settings = useAiSettings();
  const toast = useToast();
  const s = settings.data;
  const [provider, setProvider] = useState<AiProvider>((s?.provider || 'anthropic') as AiProvider);
  const [model, setModel] = useState(s?.model ?? '');
  const [baseUrl, setBaseUrl] = useState(s?.base_url ?? '');
  const [apiKey, setApiKey] = useState('');
  const [budget, setBudget] = useState(s?.monthly_token_budget ? String(s.monthly_token_budget) : '');
  const [busy, setBusy] = useState<'save' | 'test' | 'remove' | null>(null);
  const [test, setTest] = useState<AiTestResult | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    if (!s) return;
    setProvider((s.provider || 'anthropic') as AiProvider);
    setModel(s.model ?? '');
    setBaseUrl(s.base_url ?? '');
    setBudget(s.monthly_token_budget ? String(s.monthly_token_budget) : '');
  }, [s]);
  const meta = PROVIDERS.find((p) => p.value === provider)!;

  const save = async () => {
    setBusy('save');
    setFieldErrors({});
    try {
      await saveAiSettings({ provider, model, base_url: baseUrl, monthly_token_budget: budget.trim() ? Number(budget) : null, ...(apiKey ? { api_key: apiKey } : {}) });
      setApiKey('');
      setTest(null);
      await settings.refetch();
      toast.success('AI settings saved');
    } catch (e) {
      if (isApiError(e) && e.problems.length) setFieldErrors(Object.fromEntries(e.problems.map((p) => [String(p.loc[p.loc.length - 1]), p.msg])));
      else toast.error(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };
  const runTest = async () => {
    setBusy('test');
    try {
      setTest(await testAi());
    } catch (e) {
      setTest({ ok: false, error: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };
  const remove = async () => {
    setBusy('remove');
    try {
      await deleteAiSettings();
      setTest(null);
      await settings.refetch();
      toast.success('AI provider removed; the assistant is hidden');
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card>
      <CardHeader
        title="AI provider"
        description="Used by the contract assistant beside the YAML editors. The key is stored encrypted and never shown again."
        actions={s?.configured ? <Badge tone="emerald" dot>Configured</Badge> : <Badge tone="zinc">Not configured</Badge>}
      />
      <form className="grid gap-3 p-4 sm:grid-cols-2" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <Select label="Provider" value={provider} disabled={disabled} onChange={(e) => setProvider(e.target.value as AiProvider)} error={fieldErrors.provider}>
          {PROVIDERS.map((p) => (
            <option key={p.value} value={p.value}>{p.label}</option>
          ))}
        </Select>
        <Input label="Model" value={model} disabled={disabled} onChange={(e) => setModel(e.target.value)} maxLength={200}
          placeholder={s?.provider === provider && s.default_model ? s.default_model : provider === 'ollama' ? 'llama3.1' : ''}
          hint={provider === 'ollama' || provider === 'openai_compatible' ? 'Required: a model the server has.' : 'Leave empty for the default.'} error={fieldErrors.model} />
        <Input label="Base URL" value={baseUrl} disabled={disabled} onChange={(e) => setBaseUrl(e.target.value)} maxLength={500} placeholder={meta.baseUrl}
          hint="A private address (Ollama on this host) must be allowed with EDICTUM_OUTBOUND_ALLOW." error={fieldErrors.base_url} />
        <Input label="API key" type="password" autoComplete="off" value={apiKey} disabled={disabled} onChange={(e) => setApiKey(e.target.value)} maxLength={500}
          placeholder={s?.api_key_masked && s.provider === provider ? `${s.api_key_masked} (stored; leave empty to keep)` : meta.keyHint} error={fieldErrors.api_key} />
        <Input label="Monthly token budget" type="number" min={1000} step={1000} value={budget} disabled={disabled} onChange={(e) => setBudget(e.target.value)} placeholder="No limit"
          hint={`${(s?.tokens_this_month ?? 0).toLocaleString()} tokens used this month (UTC). Past the budget the assistant answers 429 until the month ends.`} error={fieldErrors.monthly_token_budget} />
        <div className="flex flex-wrap items-center gap-2 sm:col-span-2">
          <Button type="submit" variant="primary" loading={busy === 'save'} disabled={disabled}>Save</Button>
          <Button type="button" variant="outline" loading={busy === 'test'} disabled={disabled || !s?.configured} onClick={() => void runTest()}>Test connection</Button>
          {s?.configured && <Button type="button" variant="danger-ghost" loading={busy === 'remove'} disabled={disabled} onClick={() => void remove()}>Remove</Button>}
          {test && (
            <span role="status" className={test.ok ? 'text-sm text-emerald-700 dark:text-emerald-400' : 'text-sm text-red-700 dark:text-red-400'}>
              {test.ok ? `Connected to ${test.model} in ${test.latency_ms} ms` : test.error}
            </span>
          )}
        </div>
      </form>
    </Card>
  );
}

const fmtCost = (v: number | null) => (v === null ? 'unknown' : `$${v.toFixed(v < 1 ? 4 : 2)}`);

function UsageCard() {
  const [days, setDays] = useState(30);
  const usage = useQuery(`ai-usage:${days}`, () => getAiUsage(days));
  return (
    <Card>
      <CardHeader
        title="Usage"
        description="Tokens and estimated cost of the assistant, per day (UTC). Costs are estimates from list prices; self-hosted models cost nothing."
        actions={
          <Select label="Period" hideLabel value={String(days)} onChange={(e) => setDays(Number(e.target.value))}>
            <option value="7">7 days</option>
            <option value="30">30 days</option>
            <option value="90">90 days</option>
          </Select>
        }
      />
      <div className="p-4">
        {usage.isLoading && <SkeletonRows rows={3} />}
        {usage.error !== undefined && <ErrorState error={usage.error} onRetry={() => void usage.refetch()} />}
        {usage.data && <UsageView u={usage.data} />}
      </div>
    </Card>
  );
}

function UsageView({ u }: { u: AiUsage }) {
  const max = Math.max(1, ...u.daily.map((d) => d.input_tokens + d.output_tokens));
  return (
    <div className="flex flex-col gap-4">
      <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
        <Stat label="Requests" value={u.query_count.toLocaleString()} />
        <Stat label="Input tokens" value={u.total_input_tokens.toLocaleString()} />
        <Stat label="Output tokens" value={u.total_output_tokens.toLocaleString()} />
        <Stat label="Estimated cost" value={fmtCost(u.total_cost_usd)} />
      </dl>
      {u.daily.length === 0 ? (
        <p className="text-sm text-slate-500">No assistant use in this period.</p>
      ) : (
        <figure>
          <div className="flex h-32 items-end gap-1" role="img" aria-label="Tokens per day">
            {u.daily.map((d) => {
              const total = d.input_tokens + d.output_tokens;
              return (
                <div key={d.date} className="flex h-full min-w-2 flex-1 flex-col justify-end" title={`${d.date}: ${d.input_tokens.toLocaleString()} in, ${d.output_tokens.toLocaleString()} out, ${d.queries} requests, ${fmtCost(d.cost_usd)}`}>
                  <div className="bg-blue-500/80" style={{ height: `${(d.output_tokens / max) * 100}%` }} />
                  <div className="bg-blue-300 dark:bg-blue-800" style={{ height: `${(d.input_tokens / max) * 100}%`, minHeight: total > 0 ? 1 : 0 }} />
                </div>
              );
            })}
          </div>
          <figcaption className="mt-1 text-xs text-slate-500">Light: input tokens · dark: output tokens. Hover a day for its cost.</figcaption>
        </figure>
      )}
      {u.daily.length > 0 && (
        <table className="w-full text-xs" aria-label="Usage per day">
          <thead>
            <tr className="text-left text-slate-500">
              <th className="font-medium">Day</th>
              <th className="font-medium">Requests</th>
              <th className="font-medium">Input</th>
              <th className="font-medium">Output</th>
              <th className="font-medium">Cost</th>
            </tr>
          </thead>
          <tbody>
            {[...u.daily].reverse().map((d) => (
              <tr key={d.date}>
                <td>{d.date}</td>
                <td>{d.queries}</td>
                <td>{d.input_tokens.toLocaleString()}</td>
                <td>{d.output_tokens.toLocaleString()}</td>
                <td>{fmtCost(d.cost_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="rounded-md border border-slate-200 p-2 dark:border-slate-800">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="font-semibold">{value}</dd>
    </div>
  );
}

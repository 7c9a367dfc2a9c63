import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useMe } from '../../api/auth';
import { useKeys } from '../../api/keys';
import type { ApiKey } from '../../api/types';
import { EnvBadge } from '../../components/EnvBadge';
import { Button } from '../../components/ui/Button';
import { PageHeader } from '../../components/ui/Card';
import { EmptyState, ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { Input } from '../../components/ui/Field';
import { IconAlert, IconKey, IconPlus } from '../../components/ui/icons';
import { Table, TBody, TD, TH, THead, TR } from '../../components/ui/Table';
import { Tabs, tabId } from '../../components/ui/Tabs';
import { envOptions } from '../../lib/env';
import { formatDateTime, formatRelative } from '../../lib/format';
import { CreateKeyDialog } from './CreateKeyDialog';
import { RevokeKeyDialog } from './RevokeKeyDialog';

export default function KeysPage() {
  const keys = useKeys();
  const me = useMe();
  const isAdmin = me.data?.is_admin ?? false;
  const [params, setParams] = useSearchParams();
  const env = params.get('env') ?? 'all';
  const search = params.get('q') ?? '';
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  const setParam = (k: string, v: string) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (v && v !== 'all') n.set(k, v);
        else n.delete(k);
        return n;
      },
      { replace: true },
    );

  const all = useMemo(() => [...(keys.data ?? [])].sort((a, b) => b.created_at.localeCompare(a.created_at)), [keys.data]);
  const envs = useMemo(() => envOptions(all.map((k) => k.env)), [all]);
  const counts = useMemo(() => {
    const c = new Map<string, number>();
    for (const k of all) c.set(k.env, (c.get(k.env) ?? 0) + 1);
    return c;
  }, [all]);
  const visible = all.filter(
    (k) => (env === 'all' || k.env === env) && (!search || (k.label ?? '').toLowerCase().includes(search.toLowerCase())),
  );
  const envCount = new Set(all.map((k) => k.env)).size;

  return (
    <div className="mx-auto max-w-6xl">
      <PageHeader
        title="API Keys"
        description={
          keys.data
            ? `${all.length} active ${all.length === 1 ? 'key' : 'keys'} across ${envCount} ${envCount === 1 ? 'environment' : 'environments'}. Agents authenticate with these; each key is bound to one environment.`
            : 'Agents authenticate with these; each key is bound to one environment.'
        }
        actions={
          isAdmin && (
            <Button variant="primary" onClick={() => setCreating(true)}>
              <IconPlus size={16} /> Create API key
            </Button>
          )
        }
      />

      {keys.error && !keys.data ? (
        <ErrorState error={keys.error} onRetry={() => void keys.refetch()} title="Could not load API keys" />
      ) : keys.isLoading ? (
        <SkeletonRows rows={4} />
      ) : all.length === 0 ? (
        <EmptyState
          icon={<IconKey size={24} />}
          title="No API keys yet"
          action={
            isAdmin ? (
              <Button variant="primary" onClick={() => setCreating(true)}>
                <IconPlus size={16} /> Create your first key
              </Button>
            ) : undefined
          }
        >
          {isAdmin
            ? 'Create a key for each environment your agents run in. The key is shown once; the SDK uses it to fetch contracts, send audit events and request approvals.'
            : 'Ask an admin to create a key for your agents.'}
        </EmptyState>
      ) : (
        <>
          <div className="mb-3 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
            <Tabs
              idBase="keys-env"
              label="Environment"
              value={env}
              onChange={(v) => setParam('env', v)}
              items={[{ key: 'all', label: 'All', count: all.length }, ...envs.map((e) => ({ key: e, label: e, count: counts.get(e) ?? 0 }))]}
              className="min-w-0 flex-1"
            />
            <Input
              label="Search keys"
              hideLabel
              type="search"
              placeholder="Search labels…"
              value={search}
              onChange={(e) => setParam('q', e.target.value)}
              wrapperClassName="sm:w-64"
            />
          </div>
          <div role="tabpanel" id="keys-env-panel" aria-labelledby={tabId('keys-env', env)}>
            {visible.length === 0 ? (
              <EmptyState title="No keys match">
                {search ? `No key label contains “${search}”` : `No keys for ${env} yet.`}
              </EmptyState>
            ) : (
              <Table caption="API keys">
                <THead>
                  <tr>
                    <TH>Label</TH>
                    <TH className="hidden sm:table-cell">Prefix</TH>
                    <TH className="hidden sm:table-cell">Environment</TH>
                    <TH className="hidden md:table-cell">Created</TH>
                    <TH className="hidden md:table-cell">Last used</TH>
                    {isAdmin && (
                      <TH>
                        <span className="sr-only">Actions</span>
                      </TH>
                    )}
                  </tr>
                </THead>
                <TBody>
                  {visible.map((k) => (
                    <KeyRow key={k.id} k={k} isAdmin={isAdmin} onRevoke={() => setRevoking(k)} />
                  ))}
                </TBody>
              </Table>
            )}
          </div>
        </>
      )}

      <CreateKeyDialog open={creating} onClose={() => setCreating(false)} envSuggestions={envs} />
      <RevokeKeyDialog apiKey={revoking} onClose={() => setRevoking(null)} />
    </div>
  );
}

function KeyRow({ k, isAdmin, onRevoke }: { k: ApiKey; isAdmin: boolean; onRevoke: () => void }) {
  const labelId = `key-label-${k.id}`;
  return (
    <TR>
      <TD id={labelId} className="font-medium break-words">
        {k.label || <span className="text-slate-400 italic">Unlabelled</span>}
        {/* On a phone the environment, prefix and dates ride under the label, so Revoke stays on screen. */}
        <span className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs font-normal text-slate-500 md:hidden dark:text-slate-400">
          {/* Words around the name, not a second badge: tests and screen readers find one badge per row. */}
          <span className="font-medium sm:hidden">env {k.env}</span>
          <code className="font-mono break-all sm:hidden">{k.prefix}…</code>
          <span>{k.last_used_at ? `last used ${formatRelative(k.last_used_at)}` : k.last_used_at === null ? 'not used yet' : `created ${formatRelative(k.created_at)}`}</span>
        </span>
      </TD>
      <TD className="hidden sm:table-cell">
        <code className="font-mono text-xs text-slate-600 dark:text-slate-400">{k.prefix}…</code>
      </TD>
      <TD className="hidden sm:table-cell">
        <EnvBadge env={k.env} />
      </TD>
      <TD className="hidden whitespace-nowrap text-slate-600 md:table-cell dark:text-slate-400" title={formatDateTime(k.created_at)}>
        {formatRelative(k.created_at)}
      </TD>
      <TD className="hidden whitespace-nowrap md:table-cell">
        {k.last_used_at ? (
          <span className="text-slate-600 dark:text-slate-400" title={formatDateTime(k.last_used_at)}>
            {formatRelative(k.last_used_at)}
          </span>
        ) : k.last_used_at === null ? (
          <span className="inline-flex items-center gap-1 text-amber-700 dark:text-amber-400" title="No agent has used this key yet">
            <IconAlert size={14} /> Never used
          </span>
        ) : (
          <span className="text-slate-400">—</span>
        )}
      </TD>
      {isAdmin && (
        <TD className="text-right">
          <Button size="sm" variant="danger-ghost" onClick={onRevoke} aria-describedby={labelId}>
            Revoke
          </Button>
        </TD>
      )}
    </TR>
  );
}

import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { exportUrl, listActivity, type ActivityFilters, type ActivityItem } from '../../api/activity';
import { useMe } from '../../api/auth';
import { errorMessage } from '../../api/client';
import { Badge } from '../../components/ui/Badge';
import { Button } from '../../components/ui/Button';
import { PageHeader } from '../../components/ui/Card';
import { EmptyState, SkeletonRows } from '../../components/ui/Feedback';
import { Input, Select } from '../../components/ui/Field';
import { Table, TBody, TD, TH, THead, TR } from '../../components/ui/Table';
import { formatDateTime, formatRelative } from '../../lib/format';

const FILTER_KEYS = ['actor', 'action', 'source', 'target'] as const;

function detailText(d: Record<string, unknown>): string {
  const s = JSON.stringify(d);
  return s === '{}' ? '' : s.length > 160 ? `${s.slice(0, 157)}…` : s;
}

export default function ActivityPage() {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const filters: ActivityFilters = Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k) ?? undefined]));
  const key = FILTER_KEYS.map((k) => params.get(k) ?? '').join('|');
  const [items, setItems] = useState<ActivityItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (after: string | null) => {
      setLoading(true);
      setError(null);
      try {
        const page = await listActivity(filters, after);
        setItems((old) => (after ? [...old, ...page.items] : page.items));
        setCursor(page.next_cursor);
      } catch (e) {
        setError(errorMessage(e));
      } finally {
        setLoading(false);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` is the filters' identity
    [key],
  );
  useEffect(() => {
    void load(null);
  }, [load]);

  const setParam = (k: string, v: string) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (v) n.set(k, v);
        else n.delete(k);
        return n;
      },
      { replace: true },
    );

  if (me.data && !me.data.is_admin) {
    return (
      <div className="mx-auto max-w-6xl">
        <PageHeader title="Activity" />
        <EmptyState title="Admins only">The admin activity log is visible to admins.</EmptyState>
      </div>
    );
  }

  return (
    <div className="mx-auto max-w-6xl">
      <PageHeader
        title="Activity"
        description="Every admin action: who, what, when and from where (dashboard, API or chat), recorded with the change itself."
        actions={
          <>
            <a className="text-sm font-medium text-blue-700 underline dark:text-blue-400" href={exportUrl(filters, 'csv')} download>
              Export CSV
            </a>
            <a className="text-sm font-medium text-blue-700 underline dark:text-blue-400" href={exportUrl(filters, 'json')} download>
              Export JSON
            </a>
          </>
        }
      />
      <div className="mb-3 grid gap-3 sm:grid-cols-4">
        <Input label="Actor" value={filters.actor ?? ''} onChange={(e) => setParam('actor', e.target.value)} placeholder="admin@example.com" />
        <Input label="Action" value={filters.action ?? ''} onChange={(e) => setParam('action', e.target.value)} placeholder="breakglass or api_key.revoke" />
        <Select label="Source" value={filters.source ?? ''} onChange={(e) => setParam('source', e.target.value)}>
          <option value="">Any</option>
          <option value="dashboard">Dashboard</option>
          <option value="api">API</option>
          <option value="chat">Chat</option>
          <option value="system">System</option>
        </Select>
        <Input label="Target" value={filters.target ?? ''} onChange={(e) => setParam('target', e.target.value)} placeholder="switch:…" />
      </div>
      {error && (
        <p role="alert" className="mb-3 text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
      {loading && items.length === 0 ? (
        <SkeletonRows rows={5} />
      ) : items.length === 0 ? (
        <EmptyState title="No activity matches">Change the filters, or act: every admin action lands here.</EmptyState>
      ) : (
        <Table caption="Admin activity">
          <THead>
            <tr>
              <TH>When</TH>
              <TH>Who</TH>
              <TH>Action</TH>
              <TH className="hidden md:table-cell">Target</TH>
              <TH className="hidden lg:table-cell">Detail</TH>
            </tr>
          </THead>
          <TBody>
            {items.map((i) => (
              <TR key={i.id}>
                <TD className="whitespace-nowrap" title={formatDateTime(i.at)}>
                  {formatRelative(i.at)}
                </TD>
                <TD className="break-words">
                  {i.actor}
                  <span className="ml-2">
                    <Badge tone={i.source === 'chat' ? 'violet' : i.source === 'api' ? 'blue' : i.source === 'system' ? 'zinc' : 'slate'}>{i.source}</Badge>
                  </span>
                  {i.ip && <span className="block text-xs text-slate-500">{i.ip}</span>}
                </TD>
                <TD>
                  <code className="font-mono text-xs">{i.action}</code>
                </TD>
                <TD className="hidden break-all md:table-cell">
                  <code className="font-mono text-xs">{i.target ?? ''}</code>
                </TD>
                <TD className="hidden break-all text-xs text-slate-600 lg:table-cell dark:text-slate-400">{detailText(i.detail)}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      )}
      {cursor && (
        <div className="mt-3">
          <Button variant="secondary" loading={loading} onClick={() => void load(cursor)}>
            Load more
          </Button>
        </div>
      )}
    </div>
  );
}

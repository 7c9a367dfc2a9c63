import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { CONTRACT_TYPES, useContracts, type ContractType } from '../../api/library';
import { Button } from '../../components/ui/Button';
import { PageHeader } from '../../components/ui/Card';
import { EmptyState, ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { Input, Select } from '../../components/ui/Field';
import { IconFile, IconPlus, IconUpload } from '../../components/ui/icons';
import { Tabs, tabId } from '../../components/ui/Tabs';
import { formatRelative } from '../../lib/format';
import { ContractFormDialog } from './ContractFormDialog';
import { ImportDialog } from './ImportDialog';
import { TemplatesTab } from './TemplatesTab';
import { TypeBadge } from './TypeBadge';

type Tab = 'contracts' | 'templates';

const NEW_DEFINITION = `tool: read_file
when:
  args.path: { contains: ".ssh/" }
then:
  effect: deny
  message: "Reading {args.path} is not allowed"
`;

/** Reusable, versioned contracts: filter, open, create, import, or start from a template. */
export default function LibraryPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const tab: Tab = params.get('tab') === 'templates' ? 'templates' : 'contracts';
  const type = params.get('type') ?? '';
  const tag = params.get('tag') ?? '';
  const q = params.get('q') ?? '';
  // The text filter is sent a moment after typing stops, not per keystroke.
  const [text, setText] = useState(q);
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);

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

  useEffect(() => {
    if (text === q) return;
    const t = window.setTimeout(() => setParam('q', text.trim()), 250);
    return () => window.clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);

  const list = useContracts({ type: type || undefined, tag: tag || undefined, search: q || undefined });
  const all = useContracts({});
  const tags = useMemo(() => [...new Set((all.data ?? []).flatMap((c) => c.tags))].sort(), [all.data]);
  const filtered = !!(type || tag || q);

  return (
    <div className="mx-auto max-w-6xl">
      <PageHeader
        title="Library"
        description="Reusable contracts, each versioned: every edit makes a new version and old ones stay readable. Compose bundles from them on the Compositions page."
        actions={
          <>
            <Button variant="outline" onClick={() => setImporting(true)}>
              <IconUpload size={16} /> Import YAML
            </Button>
            <Button variant="primary" onClick={() => setCreating(true)}>
              <IconPlus size={16} /> New contract
            </Button>
          </>
        }
      />
      <Tabs
        label="Library sections"
        idBase="library"
        value={tab}
        onChange={(k) => setParam('tab', k === 'contracts' ? '' : k)}
        items={[
          { key: 'contracts', label: 'Contracts', count: all.data?.length },
          { key: 'templates', label: 'Templates' },
        ]}
      />
      <div role="tabpanel" id="library-panel" aria-labelledby={tabId('library', tab)} className="pt-4">
        {tab === 'templates' ? (
          <TemplatesTab />
        ) : (
          <>
            <form role="search" aria-label="Filter contracts" className="mb-4 grid gap-3 sm:grid-cols-[1fr_10rem_12rem]" onSubmit={(e) => e.preventDefault()}>
              <Input label="Search" type="search" placeholder="Name, id or description" value={text} maxLength={200} onChange={(e) => setText(e.target.value)} />
              <Select label="Type" value={type} onChange={(e) => setParam('type', e.target.value)}>
                <option value="">All types</option>
                {CONTRACT_TYPES.map((t) => (
                  <option key={t} value={t}>{t}</option>
                ))}
              </Select>
              <Select label="Tag" value={tag} onChange={(e) => setParam('tag', e.target.value)}>
                <option value="">All tags</option>
                {tags.map((t) => (
                  <option key={t} value={t}>{t}</option>
                ))}
              </Select>
            </form>
            {list.error !== undefined && !list.data ? (
              <ErrorState error={list.error} onRetry={() => void list.refetch()} />
            ) : list.isLoading ? (
              <SkeletonRows rows={4} />
            ) : list.data && list.data.length === 0 ? (
              filtered ? (
                <EmptyState title="No contract matches these filters" />
              ) : (
                <EmptyState
                  icon={<IconFile size={22} />}
                  title="The library is empty"
                  action={
                    <div className="flex flex-wrap justify-center gap-2">
                      <Button variant="primary" onClick={() => setParam('tab', 'templates')}>Browse templates</Button>
                      <Button variant="outline" onClick={() => setImporting(true)}>Import YAML</Button>
                    </div>
                  }
                >
                  Start from a template pack, import a bundle you already have, or write a contract.
                </EmptyState>
              )
            ) : (
              <ul aria-label="Library contracts" className="divide-y divide-slate-200 overflow-hidden rounded-lg border border-slate-200 dark:divide-slate-800 dark:border-slate-800">
                {(list.data ?? []).map((c) => (
                  <li key={c.contract_id} className="flex flex-col gap-1 px-4 py-3 hover:bg-slate-50 sm:flex-row sm:items-center sm:gap-4 dark:hover:bg-slate-900">
                    <div className="min-w-0 flex-1">
                      <div className="flex flex-wrap items-center gap-2">
                        <Link to={`/library/${encodeURIComponent(c.contract_id)}`} className="font-medium text-amber-700 hover:underline dark:text-amber-400">
                          {c.name}
                        </Link>
                        <TypeBadge type={c.type as ContractType} />
                        <span className="font-mono text-xs text-slate-500">{c.contract_id}</span>
                      </div>
                      {c.description && <p className="mt-0.5 truncate text-sm text-slate-600 dark:text-slate-400">{c.description}</p>}
                    </div>
                    <div className="flex flex-wrap items-center gap-1.5 text-xs text-slate-500">
                      {c.tags.map((t) => (
                        <button key={t} type="button" onClick={() => setParam('tag', t)} className="rounded-full bg-slate-100 px-2 py-0.5 hover:bg-amber-100 dark:bg-slate-800 dark:hover:bg-amber-900/40" aria-label={`Filter by tag ${t}`}>
                          {t}
                        </button>
                      ))}
                      <span className="tabular-nums">v{c.version}</span>
                      <span>· {formatRelative(c.created_at)}</span>
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
      {creating && (
        <ContractFormDialog
          title="New contract"
          initial={{ contract_id: '', name: '', description: '', type: 'pre', tags: [], yaml: NEW_DEFINITION }}
          onClose={() => setCreating(false)}
          onSaved={(c) => {
            setCreating(false);
            void navigate(`/library/${encodeURIComponent(c.contract_id)}`);
          }}
        />
      )}
      {importing && <ImportDialog onClose={() => setImporting(false)} />}
    </div>
  );
}

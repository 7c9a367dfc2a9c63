import { useState } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../../api/client';
import { applyTemplate, useTemplates, type ImportResult } from '../../api/library';
import { useQueryClient } from '../../api/query';
import { Button } from '../../components/ui/Button';
import { Card } from '../../components/ui/Card';
import { ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { IconPlay, IconPlus } from '../../components/ui/icons';
import { useToast } from '../../components/ui/Toast';
import { TypeBadge } from './TypeBadge';

/** Starter packs: one click adds the pack's contracts to the library (and a composition of them). */
export function TemplatesTab() {
  const templates = useTemplates();
  const [busy, setBusy] = useState<string | null>(null);
  const [added, setAdded] = useState<Record<string, ImportResult>>({});
  const client = useQueryClient();
  const toast = useToast();

  const add = async (id: string, name: string) => {
    setBusy(id);
    try {
      const r = await applyTemplate(id);
      setAdded((a) => ({ ...a, [id]: r }));
      client.invalidate('library:');
      client.invalidate('compositions:');
      toast.success(`${name} added: ${r.contracts_created.length} new, ${r.contracts_updated.length} updated`);
    } catch (e) {
      toast.error(`Could not add ${name}: ${errorMessage(e)}`);
    } finally {
      setBusy(null);
    }
  };

  if (templates.error !== undefined && !templates.data) return <ErrorState error={templates.error} onRetry={() => void templates.refetch()} />;
  if (!templates.data) return <SkeletonRows rows={4} />;
  return (
    <ul aria-label="Templates" className="grid gap-4 md:grid-cols-2">
      {templates.data.map((t) => {
        const done = added[t.id];
        return (
          <li key={t.id}>
            <Card className="flex h-full flex-col gap-3 p-4">
              <div>
                <h2 className="font-semibold">{t.name}</h2>
                <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{t.description}</p>
              </div>
              <ul aria-label={`Contracts in ${t.name}`} className="flex flex-col gap-1 text-xs">
                {t.contracts.map((c) => (
                  <li key={c.contract_id} className="flex items-center gap-2">
                    <TypeBadge type={c.type} />
                    <code className="font-mono">{c.contract_id}</code>
                  </li>
                ))}
              </ul>
              {t.presets.length > 0 && (
                <ul aria-label={`Examples for ${t.name}`} className="flex flex-col gap-0.5 text-xs text-slate-600 dark:text-slate-400">
                  {t.presets.map((p, i) => (
                    <li key={i}>
                      <Link to={`/evaluate?template=${encodeURIComponent(t.id)}&preset=${i}`} className="hover:underline">
                        {p.label}
                      </Link>{' '}
                      <span className="text-slate-500">→ {p.expected_outcome}</span>
                    </li>
                  ))}
                </ul>
              )}
              <div className="mt-auto flex flex-wrap items-center gap-2">
                <Button size="sm" variant="primary" loading={busy === t.id} onClick={() => void add(t.id, t.name)} aria-label={`Add ${t.name}`}>
                  <IconPlus size={14} /> {done ? 'Add again' : 'Add to library'}
                </Button>
                <Link
                  to={`/evaluate?template=${encodeURIComponent(t.id)}&preset=0`}
                  aria-label={`Evaluate ${t.name}`}
                  className="inline-flex h-8 items-center gap-1.5 rounded-md border border-slate-300 px-3 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                >
                  <IconPlay size={14} /> Evaluate
                </Link>
                {done?.bundle_composition_created && (
                  <Link to={`/compositions/${encodeURIComponent(done.bundle_composition_created)}`} className="text-sm text-amber-700 hover:underline dark:text-amber-400">
                    Open composition {done.bundle_composition_created}
                  </Link>
                )}
              </div>
            </Card>
          </li>
        );
      })}
    </ul>
  );
}

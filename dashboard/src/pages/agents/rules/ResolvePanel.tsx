import { useState } from 'react';
import { resolveAgent } from '../../../api/agents';
import { errorMessage } from '../../../api/client';
import type { ResolveResult } from '../../../api/types';
import { Badge } from '../../../components/ui/Badge';
import { Button } from '../../../components/ui/Button';
import { Card, CardHeader } from '../../../components/ui/Card';
import { Combobox, Input } from '../../../components/ui/Field';
import { envOptions } from '../../../lib/env';

const SOURCE: Record<ResolveResult['source'], string> = {
  explicit: 'assigned on the agent',
  rule: 'matched a rule',
  agent_provided: 'named by the agent',
  none: 'nothing matched',
};

/** Dry run: which bundle would this agent get, and why, without changing anything. */
export function ResolvePanel({ initialAgent = '' }: { initialAgent?: string }) {
  const [agent, setAgent] = useState(initialAgent);
  const [env, setEnv] = useState('production');
  const [result, setResult] = useState<ResolveResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    if (!agent.trim()) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await resolveAgent(agent.trim(), env.trim() || undefined));
    } catch (e) {
      setResult(null);
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card>
      <CardHeader title="Dry run" description="Which bundle would an agent get? Nothing is changed." />
      <form
        className="flex flex-col gap-3 p-4"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <Input label="Agent id" value={agent} onChange={(e) => setAgent(e.target.value)} placeholder="support-bot-7" className="font-mono" />
        <Combobox label="Environment" suggestions={envOptions([])} value={env} onChange={(e) => setEnv(e.target.value)} />
        <Button type="submit" variant="outline" loading={busy} disabled={!agent.trim()}>
          Resolve
        </Button>
        <div aria-live="polite">
          {error && <p className="text-sm text-red-600 dark:text-red-400">{error}</p>}
          {result && (
            <div className="rounded-md border border-slate-200 p-3 text-sm dark:border-slate-800">
              {result.bundle_name ? (
                <p>
                  Gets <code className="font-mono font-semibold">{result.bundle_name}</code>
                </p>
              ) : (
                <p>Gets no bundle.</p>
              )}
              <p className="mt-1 flex flex-wrap items-center gap-1.5 text-xs text-slate-500">
                <Badge tone={result.source === 'none' ? 'zinc' : 'amber'}>{result.source}</Badge> {SOURCE[result.source]}
                {result.rule_pattern && (
                  <>
                    : <code className="font-mono">{result.rule_pattern}</code>
                  </>
                )}
              </p>
            </div>
          )}
        </div>
      </form>
    </Card>
  );
}

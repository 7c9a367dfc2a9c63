import { useRef, useState } from 'react';
import { streamAssist, useAiSettings, type AssistFrame, type AssistUsage, type ChatMessage, type Proposal } from '../../api/ai';
import { errorMessage } from '../../api/client';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { Card, CardHeader } from '../ui/Card';
import { Textarea } from '../ui/Field';
import { ProposalCard } from './ProposalCard';

interface ToolActivity {
  id: string;
  tool: string;
  done: boolean;
  durationMs?: number;
}

interface AssistantTurn {
  text: string;
  tools: ToolActivity[];
  pending: number;
  repairing: boolean;
  proposals: Proposal[];
  usage: AssistUsage | null;
  error: string | null;
}

type Entry = { role: 'user'; content: string } | { role: 'assistant'; turn: AssistantTurn };

const emptyTurn = (): AssistantTurn => ({ text: '', tools: [], pending: 0, repairing: false, proposals: [], usage: null, error: null });

function apply(turn: AssistantTurn, f: AssistFrame): AssistantTurn {
  if ('content' in f) return { ...turn, text: turn.text + f.content };
  if ('error' in f) return { ...turn, error: f.error };
  switch (f.type) {
    case 'tool_call_start':
      return { ...turn, tools: [...turn.tools, { id: f.id, tool: f.tool, done: false }] };
    case 'tool_call_result':
      return { ...turn, tools: turn.tools.map((t) => (t.id === f.id ? { ...t, done: true, durationMs: f.duration_ms } : t)) };
    case 'proposal_pending':
      return { ...turn, pending: turn.pending + 1 };
    case 'repair':
      return { ...turn, repairing: true };
    case 'proposal': {
      const { type: _t, ...p } = f;
      return { ...turn, pending: Math.max(0, turn.pending - 1), repairing: false, proposals: [...turn.proposals, p] };
    }
    case 'usage': {
      const { type: _t, ...u } = f;
      return { ...turn, usage: u };
    }
  }
}

/**
 * The contract assistant beside a YAML editor: streamed answers grounded in this fleet, tool
 * activity, and proposals that carry their proofs; "Apply to editor" only for YAML that validated.
 * Self-contained: give it the editor's YAML and what applying does. Renders nothing when AI is not
 * configured (Settings > AI).
 */
export function AssistantPanel({ currentYaml, onApply, className }: { currentYaml: string; onApply: (yaml: string) => void; className?: string }) {
  const settings = useAiSettings();
  const [entries, setEntries] = useState<Entry[]>([]);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const abortRef = useRef<AbortController | null>(null);

  if (!settings.data?.configured) return null;

  const history = (): ChatMessage[] =>
    entries.flatMap((e): ChatMessage[] => {
      if (e.role === 'user') return [{ role: 'user', content: e.content }];
      const text = [e.turn.text, ...e.turn.proposals.map((p) => `\`\`\`yaml\n${p.yaml}\`\`\``)].join('\n').trim();
      return text ? [{ role: 'assistant', content: text.slice(0, 10_000) }] : [];
    });

  const send = async () => {
    const content = draft.trim();
    if (!content || busy) return;
    const messages = [...history(), { role: 'user' as const, content }].slice(-50);
    setDraft('');
    setEntries((es) => [...es, { role: 'user', content }, { role: 'assistant', turn: emptyTurn() }]);
    const update = (fn: (t: AssistantTurn) => AssistantTurn) =>
      setEntries((es) => {
        const last = es[es.length - 1];
        if (!last || last.role !== 'assistant') return es;
        return [...es.slice(0, -1), { role: 'assistant', turn: fn(last.turn) }];
      });
    const controller = new AbortController();
    abortRef.current = controller;
    setBusy(true);
    try {
      await streamAssist({ messages, ...(currentYaml.trim() ? { current_yaml: currentYaml.slice(0, 50_000) } : {}) }, (f) => update((t) => apply(t, f)), controller.signal);
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'AbortError')) update((t) => ({ ...t, error: errorMessage(e) }));
    } finally {
      update((t) => ({ ...t, pending: 0, repairing: false }));
      setBusy(false);
      abortRef.current = null;
    }
  };

  return (
    <Card className={className} aria-label="Contract assistant">
      <CardHeader
        title="Contract assistant"
        description="Asks your fleet's real calls, then proposes contracts that are validated and replayed before you see them."
        actions={
          <Button size="sm" variant="ghost" onClick={() => { abortRef.current?.abort(); setEntries([]); }} disabled={entries.length === 0}>
            New conversation
          </Button>
        }
      />
      <div className="flex max-h-[36rem] flex-col gap-3 overflow-y-auto p-4" aria-live="polite">
        {entries.length === 0 && <p className="text-sm text-slate-500">For example: “block reading .env files and ask approval for refunds over 500”.</p>}
        {entries.map((e, i) =>
          e.role === 'user' ? (
            <div key={i} className="self-end rounded-lg bg-blue-600 px-3 py-2 text-sm whitespace-pre-wrap text-white">{e.content}</div>
          ) : (
            <TurnView key={i} turn={e.turn} onApply={onApply} />
          ),
        )}
      </div>
      <form className="flex flex-col gap-2 border-t border-slate-200 p-4 dark:border-slate-800" onSubmit={(ev) => { ev.preventDefault(); void send(); }}>
        <Textarea label="Ask the assistant" hideLabel value={draft} onChange={(ev) => setDraft(ev.target.value)} rows={2} maxLength={10_000} placeholder="Describe the rule you want…"
          onKeyDown={(ev) => { if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); void send(); } }} />
        <div className="flex gap-2">
          <Button type="submit" variant="primary" size="sm" loading={busy} disabled={!draft.trim()}>Send</Button>
          {busy && <Button type="button" size="sm" variant="outline" onClick={() => abortRef.current?.abort()}>Stop</Button>}
        </div>
      </form>
    </Card>
  );
}

function TurnView({ turn, onApply }: { turn: AssistantTurn; onApply: (yaml: string) => void }) {
  return (
    <div className="flex flex-col gap-2" data-testid="assistant-turn">
      {turn.tools.length > 0 && (
        <ul className="flex flex-wrap gap-1" aria-label="Tool activity">
          {turn.tools.map((t) => (
            <li key={t.id}>
              <Badge tone={t.done ? 'zinc' : 'blue'} title={t.done ? `${t.durationMs ?? 0} ms` : 'running'}>
                {t.tool}{t.done ? ` · ${t.durationMs ?? 0} ms` : ' …'}
              </Badge>
            </li>
          ))}
        </ul>
      )}
      {turn.text && <div className="text-sm whitespace-pre-wrap">{turn.text}</div>}
      {turn.pending > 0 && <p className="text-xs text-slate-500">{turn.repairing ? 'The proposal did not validate; the assistant is repairing it…' : 'Validating and replaying the proposal…'}</p>}
      {turn.proposals.map((p) => (
        <ProposalCard key={p.index} proposal={p} onApply={onApply} />
      ))}
      {turn.error && <p role="alert" className="text-sm text-red-700 dark:text-red-400">{turn.error}</p>}
      {turn.usage && (
        <p className="text-xs text-slate-500">
          {turn.usage.total_tokens.toLocaleString()} tokens · {(turn.usage.duration_ms / 1000).toFixed(1)} s
          {turn.usage.estimated_cost_usd !== null ? ` · ~$${turn.usage.estimated_cost_usd.toFixed(4)}` : ''} · {turn.usage.model}
        </p>
      )}
    </div>
  );
}

import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { AuditEvent } from '../../api/types';
import { CodeBlock } from '../../components/CodeBlock';
import { CopyButton } from '../../components/CopyButton';
import { EnvBadge } from '../../components/EnvBadge';
import { Button } from '../../components/ui/Button';
import { IconX } from '../../components/ui/icons';
import { ModeBadge, VerdictBadge } from '../../components/VerdictBadge';
import { formatDateTime } from '../../lib/format';
import { CreateContractDialog } from '../library/from-event-lazy';
import { eventEnv } from './EventTable';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[7.5rem_minmax(0,1fr)] gap-2 py-1 text-sm">
      <dt className="text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="min-w-0 break-words">{children ?? <span className="text-slate-400">—</span>}</dd>
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="border-b border-slate-200 px-4 py-3 dark:border-slate-800">
      <h3 className="mb-1.5 text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">{title}</h3>
      {children}
    </section>
  );
}

/** The Evaluate page pre-filled with this event's call (principal keys in the wire's snake_case). */
export function evaluateLink(event: AuditEvent): string {
  const p = event.payload ?? {};
  const q = new URLSearchParams({ tool: event.tool_name, args: JSON.stringify(p.tool_args ?? {}, null, 2) });
  const env = eventEnv(event);
  if (env) q.set('env', env);
  if (p.principal && typeof p.principal === 'object') {
    const snake = Object.fromEntries(Object.entries(p.principal as Record<string, unknown>).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
    q.set('principal', JSON.stringify(snake));
  }
  if (typeof p.bundle_name === 'string' && p.bundle_name) q.set('bundle', p.bundle_name);
  return `/evaluate?${q.toString()}`;
}

const mono = (s: unknown) => (s === null || s === undefined || s === '' ? null : <code className="font-mono text-xs">{String(s)}</code>);

/** Everything about one event: decision, contract, arguments, provenance and the raw JSON. */
export function EventDetail({ event, onClose, onShowCall }: { event: AuditEvent; onClose: () => void; onShowCall: (callId: string) => void }) {
  const p = event.payload ?? {};
  const { tool_args: args, principal, ...rest } = p;
  const known = ['side_effect', 'environment', 'decision_source', 'decision_name', 'reason', 'policy_version', 'bundle_name', 'agent_verdict', 'session_id'];
  const agentWord = typeof p.agent_verdict === 'string' && p.agent_verdict !== event.verdict ? p.agent_verdict : null;
  const extra = Object.entries(rest).filter(([k]) => !known.includes(k));
  const contracts = Array.isArray(p.contracts_evaluated) ? (p.contracts_evaluated as Record<string, unknown>[]) : null;
  const [creating, setCreating] = useState(false);

  return (
    <div className="flex h-full min-h-0 flex-col" aria-label="Event detail">
      <header className="flex items-start justify-between gap-2 border-b border-slate-200 px-4 py-3 dark:border-slate-800">
        <div className="min-w-0">
          <h2 className="truncate font-mono text-sm font-semibold">{event.tool_name}</h2>
          <div className="mt-1 flex flex-wrap items-center gap-1.5">
            <VerdictBadge verdict={event.verdict} mode={event.mode} agentWord={agentWord} />
            <ModeBadge mode={event.mode} />
            <EnvBadge env={eventEnv(event) || null} />
          </div>
        </div>
        <div className="flex shrink-0 items-center gap-1">
          <Link to={evaluateLink(event)} className="rounded-md px-2 py-1 text-xs font-medium text-amber-700 hover:bg-amber-50 dark:text-amber-400 dark:hover:bg-amber-950/40">
            Evaluate this call
          </Link>
          <Button size="xs" variant="ghost" className="text-amber-700 dark:text-amber-400" onClick={() => setCreating(true)}>
            Create contract
          </Button>
          <Button size="xs" variant="ghost" onClick={onClose} aria-label="Close event detail">
            <IconX size={16} />
          </Button>
        </div>
      </header>
      <CreateContractDialog source={creating ? { event_id: event.id } : null} onClose={() => setCreating(false)} />
      <div className="min-h-0 flex-1 overflow-y-auto">
        <Section title="Decision">
          <dl>
            <Row label="Verdict">
              {event.verdict}
              {agentWord && <span className="ml-1 text-xs text-slate-500" title="The agent's own word (current SDK generation)">(sent as {agentWord})</span>}
            </Row>
            {typeof p.session_id === 'string' && (
              <Row label="Session">
                <Link to={`/events?q=${encodeURIComponent(p.session_id)}`} title="Events mentioning this session" className="font-mono text-xs text-amber-600 hover:underline dark:text-amber-400">
                  {p.session_id}
                </Link>
              </Row>
            )}
            <Row label="Contract">
              {p.decision_name ? (
                <Link to={`/events?contract=${encodeURIComponent(String(p.decision_name))}`} title="All events decided by this contract" className="font-mono text-xs text-amber-600 hover:underline dark:text-amber-400">
                  {String(p.decision_name)}
                </Link>
              ) : null}
            </Row>
            <Row label="Source">{mono(p.decision_source)}</Row>
            <Row label="Reason">{p.reason ? String(p.reason) : null}</Row>
            <Row label="Side effect">{p.side_effect ? String(p.side_effect) : null}</Row>
          </dl>
        </Section>
        {contracts && (
          <Section title="Contracts evaluated">
            <ul className="flex flex-col gap-1 text-sm">
              {contracts.map((c, i) => (
                <li key={i} className="flex items-center justify-between gap-2">
                  <code className="truncate font-mono text-xs">{String(c.id ?? c.name ?? '?')}</code>
                  <span className={c.matched ? 'text-red-600 dark:text-red-400' : 'text-emerald-600 dark:text-emerald-400'}>{c.matched ? 'matched' : 'passed'}</span>
                </li>
              ))}
            </ul>
          </Section>
        )}
        <Section title="Arguments">
          {args && Object.keys(args).length > 0 ? <CodeBlock label="Tool arguments">{JSON.stringify(args, null, 2)}</CodeBlock> : <p className="text-sm text-slate-400">No arguments recorded.</p>}
        </Section>
        <Section title="Provenance">
          <dl>
            <Row label="Agent">
              <Link to={`/agents/${encodeURIComponent(event.agent_id)}`} className="text-amber-600 hover:underline dark:text-amber-400">
                {event.agent_id}
              </Link>
            </Row>
            <Row label="Agent time">{formatDateTime(event.timestamp)}</Row>
            <Row label="Received">{formatDateTime(event.created_at)}</Row>
            <Row label="Bundle">{mono(p.bundle_name)}</Row>
            <Row label="Policy version">{mono(typeof p.policy_version === 'string' ? p.policy_version.slice(0, 16) : null)}</Row>
            <Row label="Principal">{principal ? <code className="font-mono text-xs">{JSON.stringify(principal)}</code> : null}</Row>
            <Row label="Call ID">
              <button type="button" onClick={() => onShowCall(event.call_id)} className="text-left font-mono text-xs text-amber-600 hover:underline dark:text-amber-400" title="Show every event of this tool call">
                {event.call_id}
              </button>
            </Row>
            <Row label="Event ID">{mono(event.id)}</Row>
            {extra.map(([k, v]) => (
              <Row key={k} label={k}>
                {mono(typeof v === 'object' ? JSON.stringify(v) : v)}
              </Row>
            ))}
          </dl>
        </Section>
        <Section title="Raw JSON">
          <div className="mb-2 flex gap-2">
            <CopyButton size="xs" variant="outline" text={JSON.stringify(event, null, 2)} label="Copy JSON" />
            <CopyButton size="xs" variant="outline" text={event.id} label="Copy event ID" />
          </div>
          <CodeBlock label="Raw event JSON" className="max-h-80">{JSON.stringify(event, null, 2)}</CodeBlock>
        </Section>
      </div>
    </div>
  );
}

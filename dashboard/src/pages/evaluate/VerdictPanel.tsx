import type { EvaluateResult } from '../../api/evaluate';
import { Badge, type Tone } from '../../components/ui/Badge';
import { Card, CardHeader } from '../../components/ui/Card';
import { Table, TBody, TD, TH, THead, TR } from '../../components/ui/Table';

const OUTCOME: Record<string, { label: string; tone: Tone }> = {
  allowed: { label: 'Allowed', tone: 'emerald' },
  denied: { label: 'Denied', tone: 'red' },
  approval_required: { label: 'Needs approval', tone: 'violet' },
  warned: { label: 'Warned', tone: 'amber' },
  redacted: { label: 'Redacted', tone: 'blue' },
  error: { label: 'Error', tone: 'red' },
};

export function OutcomeBadge({ outcome }: { outcome: string }) {
  const o = OUTCOME[outcome] ?? { label: outcome, tone: 'slate' as Tone };
  return <Badge tone={o.tone} dot>{o.label}</Badge>;
}

function traceStatus(t: EvaluateResult['trace'][number]): { label: string; tone: Tone } {
  if (!t.matched) return { label: 'not matched', tone: 'zinc' };
  if (t.policy_error) return { label: 'policy error', tone: 'red' };
  if (t.passed) return { label: 'passed', tone: 'emerald' };
  if (t.observed) return { label: 'failed (observed)', tone: 'blue' };
  return { label: 'failed', tone: 'red' };
}

/** The verdict, the deciding contract and message, the other SDK's disagreement, and the trace. */
export function VerdictPanel({ verdict: v }: { verdict: EvaluateResult }) {
  return (
    <Card aria-label="Verdict">
      <CardHeader
        title={
          <span className="flex items-center gap-2">
            Verdict <OutcomeBadge outcome={v.outcome} />
            <span className="text-xs font-normal text-slate-500">{v.phase} · {v.mode} · {v.sdk === 'python' ? 'Python' : 'TypeScript'} SDK</span>
          </span>
        }
        description={`policy ${v.policy_version} · ${v.evaluation_time_ms.toFixed(2)} ms`}
      />
      <div className="flex flex-col gap-3 p-4 text-sm">
        {v.sdk_difference_note && (
          <p role="note" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-amber-900 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-200">
            {v.sdk_difference_note}
          </p>
        )}
        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1">
          <dt className="text-slate-500">Deciding contract</dt>
          <dd className="font-mono" data-testid="deciding-contract">{v.deciding_contract ?? '—'}</dd>
          <dt className="text-slate-500">Message</dt>
          <dd data-testid="verdict-message">{v.message ?? '—'}</dd>
          {v.approval && (
            <>
              <dt className="text-slate-500">Approval</dt>
              <dd>times out after {v.approval.timeout_seconds} s, then {v.approval.timeout_effect}s</dd>
            </>
          )}
          {v.observed.length > 0 && (
            <>
              <dt className="text-slate-500">Observed</dt>
              <dd>{v.observed.map((o) => `${o.id}${o.message ? `: ${o.message}` : ''}`).join('; ')}</dd>
            </>
          )}
          {v.policy_error && (
            <>
              <dt className="text-slate-500">Policy error</dt>
              <dd className="text-red-600 dark:text-red-400">a contract could not be evaluated (it fails closed)</dd>
            </>
          )}
          {v.output !== undefined && (
            <>
              <dt className="text-slate-500">Output</dt>
              <dd className="font-mono text-xs break-all">{JSON.stringify(v.output)}</dd>
            </>
          )}
        </dl>
        <Table caption="Per-contract trace">
          <THead>
            <tr>
              <TH>Contract</TH>
              <TH>Type</TH>
              <TH>Result</TH>
              <TH>Why</TH>
            </tr>
          </THead>
          <TBody>
            {v.trace.map((t) => {
              const s = traceStatus(t);
              return (
                <TR key={`${t.type}:${t.id}`}>
                  <TD className="font-mono text-xs">{t.id}</TD>
                  <TD className="text-xs">{t.type}</TD>
                  <TD><Badge tone={s.tone}>{s.label}</Badge></TD>
                  <TD className="text-xs text-slate-600 dark:text-slate-400">{t.message && !t.passed ? `${t.message} — ` : ''}{t.reason}</TD>
                </TR>
              );
            })}
          </TBody>
        </Table>
      </div>
    </Card>
  );
}

import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { canaryAction, useRollout, type RolloutAgent, type RolloutDetail } from '../../api/rollouts';
import { errorMessage } from '../../api/client';
import { useQueryClient } from '../../api/query';
import { EnvBadge } from '../../components/EnvBadge';
import { Badge, type Tone } from '../../components/ui/Badge';
import { Button } from '../../components/ui/Button';
import { Card, CardHeader, PageHeader } from '../../components/ui/Card';
import { EmptyState, ErrorState, SkeletonRows } from '../../components/ui/Feedback';
import { Table, TBody, TD, TH, THead, TR } from '../../components/ui/Table';
import { useToast } from '../../components/ui/Toast';
import { formatDateTime, formatRelative } from '../../lib/format';

const STATUS_TONE: Record<string, Tone> = {
  tracking: 'blue',
  complete: 'emerald',
  superseded: 'zinc',
  closed: 'zinc',
  canary: 'violet',
  stopped: 'amber',
  promoting: 'violet',
  promoted: 'emerald',
  rolled_back: 'red',
};
const REASON: Record<string, string> = {
  offline: 'offline',
  old_revision: 'still on the old revision',
  refused: 'reported the old revision after the push (refused?)',
};

export function ms(v: number | null): string {
  if (v === null) return '—';
  if (v < 1000) return `${v} ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(1)} s`;
  return `${(v / 60_000).toFixed(1)} min`;
}
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function Stat({ label, value, tone }: { label: string; value: number | string; tone?: string }) {
  return (
    <div className="rounded-lg border border-slate-200 p-3 dark:border-slate-800" role="group" aria-label={label}>
      <div className="text-xs text-slate-500">{label}</div>
      <div className={`text-2xl font-semibold tabular-nums ${tone ?? ''}`}>{value}</div>
    </div>
  );
}

function Histogram({ r }: { r: RolloutDetail }) {
  const max = Math.max(1, ...r.latency.histogram.map((h) => h.count));
  return (
    <figure aria-label="Deploy-to-activation latency">
      <div className="flex h-24 items-end gap-1">
        {r.latency.histogram.map((h) => (
          <div key={String(h.le_ms)} className="flex flex-1 flex-col items-center justify-end" title={`${h.count} agent(s) ≤ ${ms(h.le_ms)}`}>
            <div className="w-full rounded-t bg-blue-500/70" style={{ height: `${(h.count / max) * 100}%`, minHeight: h.count ? 2 : 0 }} />
          </div>
        ))}
      </div>
      <div className="mt-1 flex gap-1 text-[10px] text-slate-500">
        {r.latency.histogram.map((h) => (
          <span key={String(h.le_ms)} className="flex-1 text-center">
            {h.le_ms === null ? 'more' : `≤${ms(h.le_ms)}`}
          </span>
        ))}
      </div>
      <figcaption className="mt-2 text-sm">
        p50 <strong data-testid="latency-p50">{ms(r.latency.p50_ms)}</strong> · p99 <strong data-testid="latency-p99">{ms(r.latency.p99_ms)}</strong>
      </figcaption>
    </figure>
  );
}

function AgentsTable({ caption, agents, showReason }: { caption: string; agents: RolloutAgent[]; showReason?: boolean }) {
  if (agents.length === 0) return <p className="text-sm text-slate-500">None.</p>;
  return (
    <Table caption={caption}>
      <THead>
        <TR>
          <TH>Agent</TH>
          <TH>State</TH>
          {showReason ? <TH>Why</TH> : <TH>Latency</TH>}
          <TH>Last contact</TH>
        </TR>
      </THead>
      <TBody>
        {agents.map((a) => (
          <TR key={a.agent_id}>
            <TD>
              <Link className="font-mono underline-offset-2 hover:underline" to={`/agents/${encodeURIComponent(a.agent_id)}`}>
                {a.agent_id}
              </Link>
              {a.in_slice && <Badge tone="violet" className="ml-2">slice</Badge>}
            </TD>
            <TD>{a.state}</TD>
            {showReason ? <TD>{a.reason ? REASON[a.reason] : '—'}</TD> : <TD>{ms(a.latency_ms)}</TD>}
            <TD title={formatDateTime(a.last_contact_at)}>{a.last_contact_at ? formatRelative(a.last_contact_at) : 'never'}</TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}

function CanaryPanel({ r, onChanged }: { r: RolloutDetail; onChanged: () => void }) {
  const toast = useToast();
  const [busy, setBusy] = useState<string | null>(null);
  const live = r.status === 'canary' || r.status === 'stopped';
  const act = async (action: 'promote' | 'rollback' | 'stop') => {
    setBusy(action);
    try {
      await canaryAction(r.id, action);
      toast.success(`Canary ${action === 'stop' ? 'stopped' : action === 'promote' ? 'promoted' : 'rolled back'}`);
      onChanged();
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };
  const c = r.canary!;
  const cmp = r.comparison;
  return (
    <Card>
      <CardHeader
        title={`Canary: ${c.percent} %${c.label ? ` + label ${c.label}` : ''}`}
        description={`Steps ${c.steps.join(' → ')} %, bake ${c.bake_seconds} s each; step ${c.step + 1} since ${formatRelative(c.step_started_at)}.`}
        actions={
          live && (
            <div className="flex gap-2">
              {r.status === 'canary' && (
                <Button size="sm" variant="outline" loading={busy === 'stop'} onClick={() => void act('stop')}>
                  Stop
                </Button>
              )}
              <Button size="sm" variant="danger-outline" loading={busy === 'rollback'} onClick={() => void act('rollback')}>
                Roll back
              </Button>
              <Button size="sm" variant="primary" loading={busy === 'promote'} onClick={() => void act('promote')}>
                Promote to 100 %
              </Button>
            </div>
          )
        }
      />
      <div className="flex flex-col gap-3 p-4 text-sm">
        {r.outcome_reason && <p role="status">{r.outcome_reason}</p>}
        {cmp && (
          <Table caption="Slice against the rest">
            <THead>
              <TR>
                <TH>Metric</TH>
                <TH>Slice</TH>
                <TH>Rest</TH>
                <TH>Allowed rise</TH>
              </TR>
            </THead>
            <TBody>
              <TR>
                <TD>Decisions</TD>
                <TD>{cmp.slice.decisions}</TD>
                <TD>{cmp.rest.decisions}</TD>
                <TD>min {c.thresholds.min_decisions}</TD>
              </TR>
              <TR>
                <TD>Deny rate</TD>
                <TD>{pct(cmp.slice.deny_rate)}</TD>
                <TD>{pct(cmp.rest.deny_rate)}</TD>
                <TD>{pct(c.thresholds.deny_rate_increase)}</TD>
              </TR>
              <TR>
                <TD>Approval requests</TD>
                <TD>{pct(cmp.slice.approval_rate)}</TD>
                <TD>{pct(cmp.rest.approval_rate)}</TD>
                <TD>{pct(c.thresholds.approval_rate_increase)}</TD>
              </TR>
              <TR>
                <TD>Tool errors</TD>
                <TD>{pct(cmp.slice.tool_error_rate)}</TD>
                <TD>{pct(cmp.rest.tool_error_rate)}</TD>
                <TD>{pct(c.thresholds.tool_error_rate_increase)}</TD>
              </TR>
              <TR>
                <TD>Failed activations</TD>
                <TD>{cmp.failed_activations}</TD>
                <TD>—</TD>
                <TD>{c.thresholds.failed_activations}</TD>
              </TR>
            </TBody>
          </Table>
        )}
        <ol aria-label="Steps" className="flex flex-col gap-1">
          {r.steps.map((s, i) => (
            <li key={i} className="text-xs">
              <span className="font-medium">{s.action}</span>
              {s.percent !== null && ` ${s.percent} %`} by {s.actor} · {formatDateTime(s.created_at)}
              {s.reason && <> · {s.reason}</>}
            </li>
          ))}
        </ol>
      </div>
    </Card>
  );
}

/** One rollout, live: activated / pending / stragglers, latency, stragglers by name; canary controls. */
export default function RolloutPage() {
  const { id = '' } = useParams();
  const q = useRollout(id);
  const client = useQueryClient();
  const refresh = () => client.invalidate(`rollouts:one:${id}`);
  // Live: rollout_updated invalidates `rollouts:` (shell/useLiveInvalidation.ts).
  if (q.error) return <ErrorState error={q.error} onRetry={() => void q.refetch()} title="Could not load this rollout" />;
  const r = q.data;
  if (!r) return <SkeletonRows rows={6} />;
  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title={`${r.kind === 'canary' ? 'Canary' : 'Rollout'} of ${r.bundle_name} v${r.bundle_version}`}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <EnvBadge env={r.env} />
            {r.previous_version !== null ? `from v${r.previous_version}` : 'first deploy'} · by {r.deployed_by} · {formatRelative(r.created_at)}
            <Badge tone={STATUS_TONE[r.status] ?? 'slate'} dot>
              {r.status.replace('_', ' ')}
            </Badge>
          </span>
        }
      />
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        <Stat label="Targets" value={r.counts.targets} />
        <Stat label="Activated" value={r.counts.activated} tone="text-emerald-600 dark:text-emerald-400" />
        <Stat label="Pending" value={r.counts.pending} />
        <Stat label="Stragglers" value={r.counts.stragglers} tone={r.counts.stragglers ? 'text-red-600 dark:text-red-400' : ''} />
      </div>
      {r.canary && <CanaryPanel r={r} onChanged={refresh} />}
      <Card>
        <CardHeader title="Deploy to activation" description="From the push to the first sign the agent runs the revision (its reconnect, or its next event)." />
        <div className="p-4">
          <Histogram r={r} />
        </div>
      </Card>
      <Card>
        <CardHeader title="Stragglers" description={`Not running the revision ${r.straggler_after_seconds} s after their push.`} />
        <div className="p-4">
          <AgentsTable caption="Stragglers" agents={r.stragglers} showReason />
        </div>
      </Card>
      <Card>
        <CardHeader title="All targets" />
        <div className="p-4">
          {r.agents.length ? <AgentsTable caption="Targets" agents={r.agents} /> : <EmptyState title="No agent targeted this bundle in this environment" />}
        </div>
      </Card>
    </div>
  );
}

import type { AgentCoverage, ToolStatus } from '../../../api/types';
import { Badge, type Tone } from '../../../components/ui/Badge';
import { EmptyState, SkeletonRows } from '../../../components/ui/Feedback';
import { Table, TBody, TD, TH, THead, TR } from '../../../components/ui/Table';
import { formatNumber, formatRelative } from '../../../lib/format';
import { CoverageBar } from '../CoverageBar';

const TONE: Record<ToolStatus, Tone> = { enforced: 'emerald', observed: 'blue', ungoverned: 'red' };
const ORDER: Record<ToolStatus, number> = { ungoverned: 0, observed: 1, enforced: 2 };

export function CoverageTab({ coverage }: { coverage: AgentCoverage | undefined }) {
  if (!coverage) return <SkeletonRows rows={6} />;
  const s = coverage.summary;
  if (coverage.tools.length === 0) return <EmptyState title="No tool calls in this window">Coverage is worked out from the tools the agent actually called.</EmptyState>;
  const tools = [...coverage.tools].sort((a, b) => ORDER[a.status] - ORDER[b.status] || b.event_count - a.event_count);
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-col gap-2 text-sm sm:flex-row sm:items-center sm:gap-3">
        <CoverageBar enforced={s.enforced} observed={s.observed} ungoverned={s.ungoverned} className="max-w-sm" />
        <span className="sm:whitespace-nowrap">
          {s.coverage_pct}% enforced · {s.enforced} enforced, {s.observed} observed, {s.ungoverned} ungoverned
        </span>
      </div>
      <Table caption="Coverage per tool">
        <THead>
          <tr>
            <TH>Tool</TH>
            <TH>Status</TH>
            <TH>Contract</TH>
            <TH>Bundle</TH>
            <TH>Calls</TH>
            <TH>Denied</TH>
            <TH>Would deny</TH>
            <TH>Last used</TH>
          </tr>
        </THead>
        <TBody>
          {tools.map((t) => (
            <TR key={t.tool_name}>
              <TD className="font-mono text-xs">{t.tool_name}</TD>
              <TD>
                <Badge tone={TONE[t.status]}>{t.status}</Badge>
                {t.source === 'local' && (
                  <Badge tone="slate" className="ml-1" title="From the agent's own manifest, not a console deployment">
                    local
                  </Badge>
                )}
              </TD>
              <TD className="font-mono text-xs">{t.contract_name ? `${t.contract_name}${t.contract_type ? ` (${t.contract_type})` : ''}` : '—'}</TD>
              <TD className="font-mono text-xs">{t.bundle_name ?? '—'}</TD>
              <TD className="tabular-nums">{formatNumber(t.event_count)}</TD>
              <TD className="tabular-nums text-red-600 dark:text-red-400">{t.deny_count ? formatNumber(t.deny_count) : '—'}</TD>
              <TD className="tabular-nums text-blue-600 dark:text-blue-400">{t.observe_count ? formatNumber(t.observe_count) : '—'}</TD>
              <TD className="text-xs text-slate-500">{formatRelative(t.last_used)}</TD>
            </TR>
          ))}
        </TBody>
      </Table>
    </div>
  );
}

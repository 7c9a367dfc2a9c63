/** The oversight record's figures, gathered while the pack streams, and its HTML rendering. */

export class SummaryTally {
  calls = 0;
  readonly verdicts = new Map<string, number>();
  readonly deniedByContract = new Map<string, number>();
  approvals = 0;
  readonly approvalStatus = new Map<string, number>();
  readonly decidedBy = new Map<string, number>();
  readonly decidedVia = new Map<string, number>();
  readonly approvalDenialsByContract = new Map<string, number>();
  readonly decisionMs: number[] = [];
  deploys = 0;

  event(verdict: string, decisionName: string | null): void {
    this.calls++;
    bump(this.verdicts, verdict);
    if (verdict === 'call_denied') bump(this.deniedByContract, decisionName ?? '(no contract named)');
  }

  approval(a: { status: string; decidedBy: string | null; decidedVia: string | null; contractName: string | null; createdAt: Date; decidedAt: Date | null }): void {
    this.approvals++;
    bump(this.approvalStatus, a.status);
    if (a.decidedBy) bump(this.decidedBy, a.decidedBy);
    if (a.decidedVia) bump(this.decidedVia, a.decidedVia);
    if (a.status === 'denied') bump(this.approvalDenialsByContract, a.contractName ?? '(no contract named)');
    if (a.decidedAt && (a.status === 'approved' || a.status === 'denied')) this.decisionMs.push(a.decidedAt.getTime() - a.createdAt.getTime());
  }

  medianDecisionMs(): number | null {
    if (this.decisionMs.length === 0) return null;
    const s = [...this.decisionMs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  }
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function table(title: string, m: Map<string, number>, head: string): string {
  const rows = [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (rows.length === 0) return `<h2>${escapeHtml(title)}</h2><p>None.</p>`;
  const body = rows.map(([k, n]) => `<tr><td>${escapeHtml(k)}</td><td class="n">${n}</td></tr>`).join('');
  return `<h2>${escapeHtml(title)}</h2><table><thead><tr><th>${escapeHtml(head)}</th><th>Count</th></tr></thead><tbody>${body}</tbody></table>`;
}

function duration(ms: number | null): string {
  if (ms === null) return 'no decisions in range';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function summaryHtml(t: SummaryTally, meta: { tenant: string; from: string; until: string; agent: string | null; bundle: string | null; generatedAt: string; generatedBy: string; chain: string; verification: string }): string {
  const filters = [meta.agent ? `agent ${meta.agent}` : null, meta.bundle ? `bundle ${meta.bundle}` : null].filter(Boolean).join(', ') || 'none';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Oversight record ${escapeHtml(meta.from)} to ${escapeHtml(meta.until)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px/1.5 system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#111}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}td.n{text-align:right}dt{font-weight:600}</style>
</head><body>
<h1>Human oversight record</h1>
<dl>
<dt>Tenant</dt><dd>${escapeHtml(meta.tenant)}</dd>
<dt>Period</dt><dd>${escapeHtml(meta.from)} to ${escapeHtml(meta.until)} (UTC)</dd>
<dt>Filters</dt><dd>${escapeHtml(filters)}</dd>
<dt>Generated</dt><dd>${escapeHtml(meta.generatedAt)} by ${escapeHtml(meta.generatedBy)}</dd>
<dt>Audit chain</dt><dd>${escapeHtml(meta.chain)}</dd>
<dt>Verification at export</dt><dd>${escapeHtml(meta.verification)}</dd>
</dl>
<h2>Figures</h2>
<table><tbody>
<tr><td>Tool calls recorded (events)</td><td class="n">${t.calls}</td></tr>
<tr><td>Calls that needed human approval</td><td class="n">${t.approvals}</td></tr>
<tr><td>Median time to a human decision</td><td class="n">${escapeHtml(duration(t.medianDecisionMs()))}</td></tr>
<tr><td>Deployments</td><td class="n">${t.deploys}</td></tr>
</tbody></table>
${table('Events by verdict', t.verdicts, 'Verdict')}
${table('Approval outcomes', t.approvalStatus, 'Status')}
${table('Decided by', t.decidedBy, 'Who')}
${table('Decided from', t.decidedVia, 'Channel')}
${table('Denials by contract (enforced calls)', t.deniedByContract, 'Contract')}
${table('Approvals denied, by contract', t.approvalDenialsByContract, 'Contract')}
<p>Every figure comes from the files of this pack; <code>node scripts/verify-evidence.mjs &lt;pack.zip&gt;</code> checks them against the signed audit chain offline (docs/audit.md).</p>
</body></html>
`;
}

import { useRef, useState } from 'react';
import { evidencePackUrl, verifyAudit, type AuditVerifyReport } from '../../api/audit';
import { errorMessage } from '../../api/client';
import { Button } from '../../components/ui/Button';
import { Dialog } from '../../components/ui/Dialog';
import { Input } from '../../components/ui/Field';
import { formatNumber } from '../../lib/format';

/** `datetime-local` value (local time, minutes) for a Date. */
function localValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

/**
 * The audit trail for a range (docs/audit.md): verify the hash chain and its signed checkpoints
 * on the server, or download the evidence pack (admin only) to verify offline.
 */
export function AuditDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [from, setFrom] = useState(() => localValue(new Date(Date.now() - 86_400_000)));
  const [until, setUntil] = useState(() => localValue(new Date()));
  const [agent, setAgent] = useState('');
  const [bundle, setBundle] = useState('');
  const [report, setReport] = useState<AuditVerifyReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const range = { from: toIso(from), until: toIso(until), agent: agent.trim() || undefined, bundle: bundle.trim() || undefined };

  const verify = async () => {
    const ac = new AbortController();
    abort.current = ac;
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      setReport(await verifyAudit(range, ac.signal));
    } catch (e) {
      if (!ac.signal.aborted) setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const close = () => {
    abort.current?.abort();
    onClose();
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      title="Audit trail"
      description="Verify the tamper-evident chain of events, approvals and deploys, or download the evidence pack."
      footer={
        <>
          <Button variant="ghost" onClick={close}>
            Close
          </Button>
          <a
            className="inline-flex h-9 items-center rounded-md border border-slate-300 px-3 text-sm font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800"
            href={evidencePackUrl(range)}
            download
          >
            Download evidence pack
          </a>
          <Button variant="primary" disabled={busy} onClick={() => void verify()}>
            {busy ? 'Verifying…' : 'Verify'}
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-3 text-sm">
        <div className="grid grid-cols-2 gap-3">
          <Input label="From" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          <Input label="Until" type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
          <Input label="Agent (pack only)" value={agent} maxLength={255} onChange={(e) => setAgent(e.target.value)} />
          <Input label="Bundle (pack only)" value={bundle} maxLength={128} onChange={(e) => setBundle(e.target.value)} />
        </div>
        {report && report.ok && (
          <p role="status" className="font-medium text-emerald-700 dark:text-emerald-400">
            Intact: {formatNumber(report.checked.entries)} chain entries, {formatNumber(report.checked.events)} events, {formatNumber(report.checked.checkpoints)} signed checkpoints
            {report.purged_events > 0 ? `, ${formatNumber(report.purged_events)} events removed by a recorded retention purge` : ''}.
          </p>
        )}
        {report && !report.ok && report.first_break && (
          <div role="alert" className="text-red-700 dark:text-red-400">
            <p className="font-medium">
              Broken: {report.first_break.problem} in {report.first_break.table}
              {report.first_break.row_id ? ` (row ${report.first_break.row_id})` : ''}
            </p>
            <p>{report.first_break.detail}</p>
            {report.problems.length > 1 && <p>{formatNumber(report.problems.length - 1)} further problem(s).</p>}
          </div>
        )}
        {error && (
          <p role="alert" className="text-red-600 dark:text-red-400">
            {error}
          </p>
        )}
      </div>
    </Dialog>
  );
}

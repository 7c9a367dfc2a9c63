import { useRef, useState } from 'react';
import { fetchAllEvents } from '../../api/events';
import { errorMessage } from '../../api/client';
import type { EventQuery } from '../../api/types';
import { Button } from '../../components/ui/Button';
import { Dialog } from '../../components/ui/Dialog';
import { useToast } from '../../components/ui/Toast';
import { downloadText, eventsToCsv } from '../../lib/download';
import { formatNumber } from '../../lib/format';

const CAP = 100_000;

/** Downloads the whole filtered set (paged from the server), not only the rows on screen. */
export function ExportDialog({ open, onClose, makeQuery, summary }: { open: boolean; onClose: () => void; makeQuery: () => EventQuery; summary: string }) {
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const toast = useToast();

  const run = async (format: 'csv' | 'json') => {
    const ac = new AbortController();
    abort.current = ac;
    setError(null);
    setProgress(0);
    try {
      const rows = await fetchAllEvents(makeQuery(), setProgress, ac.signal, CAP);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      if (format === 'csv') downloadText(eventsToCsv(rows), `edictum-events-${stamp}.csv`, 'text/csv;charset=utf-8');
      else downloadText(JSON.stringify(rows, null, 2), `edictum-events-${stamp}.json`, 'application/json');
      toast.success(`Exported ${formatNumber(rows.length)} events${rows.length >= CAP ? ` (capped at ${formatNumber(CAP)})` : ''}`);
      setProgress(null);
      onClose();
    } catch (e) {
      setProgress(null);
      if (!ac.signal.aborted) setError(errorMessage(e));
    }
  };

  const cancel = () => {
    abort.current?.abort();
    setProgress(null);
    onClose();
  };

  return (
    <Dialog
      open={open}
      onClose={cancel}
      title="Export events"
      description={summary}
      footer={
        <>
          <Button variant="ghost" onClick={cancel}>
            Cancel
          </Button>
          <Button variant="outline" disabled={progress !== null} onClick={() => void run('json')}>
            Download JSON
          </Button>
          <Button variant="primary" disabled={progress !== null} onClick={() => void run('csv')}>
            Download CSV
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-3 text-sm text-slate-600 dark:text-slate-400">
        <p>Every event matching the current filters and time range is fetched from the server, up to {formatNumber(CAP)} rows. CSV has one row per event with the arguments as JSON; JSON keeps every field.</p>
        {progress !== null && (
          <p role="status" className="font-medium text-slate-900 dark:text-slate-100">
            Fetching… {formatNumber(progress)} events so far
          </p>
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

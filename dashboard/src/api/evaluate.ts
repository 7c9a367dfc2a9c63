// The Evaluate playground and fleet replay (docs/contracts.md "Evaluate", "Replay").
import { useCallback, useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import type { EvaluateBody, EvaluateResponse as EvaluateResponseSchema } from '@server/modules/evaluate/evaluate.schemas';
import type { ReplayBody, ReplayJob as ReplayJobSchema } from '@server/modules/replay/replay.schemas';
import { api } from './client';
import { useLiveEvent, useLiveStatus } from '../live/LiveProvider';

export type EvaluateRequest = z.input<typeof EvaluateBody>;
export type EvaluateResult = z.infer<typeof EvaluateResponseSchema>;
export type Sdk = EvaluateResult['sdk'];
export type TraceEntry = EvaluateResult['trace'][number];

export const evaluateCall = (body: EvaluateRequest, signal?: AbortSignal) =>
  api<EvaluateResult>('/bundles/evaluate', { method: 'POST', body, signal });

// ---------- replay ----------

export type ReplayJob = z.infer<typeof ReplayJobSchema>;
export type ReplaySummary = NonNullable<ReplayJob['result']>;
export type ReplayExample = ReplaySummary['examples']['newly_denied'][number];
export type ChangeKind = keyof ReplaySummary['counts'];
export type ReplayRequest = z.input<typeof ReplayBody>;

export const startReplay = (body: ReplayRequest) => api<ReplayJob>('/bundles/replay', { method: 'POST', body });
export const getReplay = (id: string) => api<ReplayJob>(`/bundles/replay/${encodeURIComponent(id)}`);
export const cancelReplay = (id: string) => api<ReplayJob>(`/bundles/replay/${encodeURIComponent(id)}`, { method: 'DELETE' });

/**
 * Follows a replay job until it ends: one read, then the `replay_progress` events of the dashboard
 * stream (whichever console process runs the job publishes them); the final state is read once
 * when the stream says the job ended. Only while the stream is down does it poll (every 2 s).
 */
export function useReplayJob(id: string | null): { job: ReplayJob | null; counts: ReplaySummary['counts'] | null; error: unknown } {
  const [job, setJob] = useState<ReplayJob | null>(null);
  const [counts, setCounts] = useState<ReplaySummary['counts'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const live = useLiveStatus();
  const [ended, setEnded] = useState(0);
  const current = useRef(id);
  current.current = id;

  const read = useCallback((jobId: string) => {
    getReplay(jobId).then(
      (j) => {
        if (current.current !== jobId) return;
        setJob(j);
        if (j.result) setCounts(j.result.counts);
      },
      (e: unknown) => {
        if (current.current === jobId) setError(e);
      },
    );
  }, []);

  useEffect(() => {
    setJob(null);
    setCounts(null);
    setError(null);
    if (id) read(id);
  }, [id, read]);

  // The summary (breakdowns, examples) is read once, when the stream says the job ended.
  useEffect(() => {
    if (id && ended > 0) read(id);
  }, [id, ended, read]);

  useLiveEvent('replay_progress', (d) => {
    if (!id || d.job_id !== id) return;
    setCounts(d.counts);
    if (d.status !== 'running') {
      setEnded((n) => n + 1);
      return;
    }
    setJob((j) => (j && j.status === 'running' ? { ...j, processed: d.processed, total: d.total ?? j.total } : j));
  });

  // Fallback while the stream is not open: a slow poll, so a dropped stream never freezes the panel.
  const running = job?.status === 'running';
  useEffect(() => {
    if (!id || !running || live === 'open') return;
    const timer = setInterval(() => read(id), 2000);
    return () => clearInterval(timer);
  }, [id, running, live, read]);

  return { job, counts, error };
}

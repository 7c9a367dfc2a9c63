// The Evaluate playground and fleet replay (docs/contracts.md "Evaluate", "Replay").
import { useEffect, useState } from 'react';
import type { z } from 'zod';
import type { EvaluateBody, EvaluateResponse as EvaluateResponseSchema } from '@server/modules/evaluate/evaluate.schemas';
import type { ReplayBody, ReplayJob as ReplayJobSchema } from '@server/modules/replay/replay.schemas';
import { api } from './client';

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

/** Follows a replay job until it ends: polls every half second while it runs (any console process answers). */
export function useReplayJob(id: string | null): { job: ReplayJob | null; error: unknown } {
  const [job, setJob] = useState<ReplayJob | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setJob(null);
    setError(null);
    if (!id) return;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const j = await getReplay(id);
        if (stop) return;
        setJob(j);
        if (j.status === 'running') timer = setTimeout(() => void tick(), 500);
      } catch (e) {
        if (!stop) setError(e);
      }
    };
    void tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [id]);
  return { job, error };
}

import { setPriority } from 'node:os';

/**
 * Lowers the scheduling priority of the calling worker thread (nice 10), so the main thread, which
 * answers the API, wins the CPU whenever both want it. On Linux a "process" priority set with pid 0
 * applies to the calling thread only; where that is not so or not permitted, nothing changes.
 * Used by the threads that run untrusted or long work: bundle validation, evaluation, replay.
 */
export function lowerThisThreadPriority(): void {
  try {
    setPriority(0, 10);
  } catch {
    /* not permitted or not supported: normal priority */
  }
}

export type WorkerState = 'running' | 'stopped' | 'crashed' | 'standby';

/**
 * Health of background workers. `standby` means another process is the leader and runs it
 * (scale-out mode) — healthy, not stopped.
 */
export class WorkerRegistry {
  private readonly states = new Map<string, WorkerState>();
  set(name: string, state: WorkerState): void {
    this.states.set(name, state);
  }
  get(name: string): WorkerState {
    return this.states.get(name) ?? 'stopped';
  }
  snapshot(names: string[]): Record<string, WorkerState> {
    return Object.fromEntries(names.map((n) => [n, this.get(n)]));
  }
  unhealthy(names: string[]): boolean {
    return names.some((n) => {
      const s = this.get(n);
      return s === 'stopped' || s === 'crashed';
    });
  }
}

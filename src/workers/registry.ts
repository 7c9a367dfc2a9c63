import { EventEmitter } from 'node:events';

export type WorkerState = 'running' | 'stopped' | 'crashed' | 'standby';

/**
 * Health of background workers. `standby` means another process is the leader and runs it
 * (scale-out mode) — healthy, not stopped.
 */
export class WorkerRegistry {
  private readonly states = new Map<string, WorkerState>();
  private readonly events = new EventEmitter();
  /** The workers this process has; set once the app knows its jobs. */
  names: string[] = [];

  set(name: string, state: WorkerState): void {
    this.states.set(name, state);
    this.events.emit('change');
  }
  get(name: string): WorkerState {
    return this.states.get(name) ?? 'stopped';
  }
  snapshot(names: string[] = this.names): Record<string, WorkerState> {
    return Object.fromEntries(names.map((n) => [n, this.get(n)]));
  }
  unhealthy(names: string[] = this.names): boolean {
    return names.some((n) => {
      const s = this.get(n);
      return s === 'stopped' || s === 'crashed';
    });
  }
  /** Resolves when `predicate` holds (checked on every state change). */
  until(predicate: (r: WorkerRegistry) => boolean): Promise<void> {
    if (predicate(this)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (predicate(this)) {
          this.events.off('change', check);
          resolve();
        }
      };
      this.events.on('change', check);
    });
  }
}

// One EventSource to /api/v1/stream/dashboard for the whole app.
//
// Reconnects: the browser retries a dropped stream by itself (and sends Last-Event-ID), but at a
// fixed interval and not at all after a non-200 answer. So on any error we close it and open a
// new one ourselves with exponential backoff (1 s doubling to 60 s, ±30 % jitter so a restarted
// server is not hit by every tab at once). A new EventSource cannot carry headers, so the last
// id we saw goes in ?last_event_id= and the server replays what we missed.
import { LIVE_EVENT_NAMES, type LiveEventMap, type LiveEventName } from '../api/types';

export type LiveStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';
type Handler = (data: unknown, name: LiveEventName) => void;

const MIN_DELAY_MS = 1_000;
const MAX_DELAY_MS = 60_000;
/** A connection that stayed up this long resets the backoff. */
const STABLE_AFTER_MS = 10_000;

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** attempt);
  const jitter = base * 0.3 * (random() * 2 - 1);
  return Math.round(Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, base + jitter)));
}

export class LiveStream {
  private es: EventSource | null = null;
  private handlers = new Map<LiveEventName, Set<Handler>>();
  private statusListeners = new Set<(s: LiveStatus) => void>();
  private resyncListeners = new Set<() => void>();
  private lastEventId: string | null = null;
  private attempt = 0;
  private openedAt = 0;
  private timer: number | null = null;
  private stopped = true;
  status: LiveStatus = 'closed';

  constructor(private readonly url = '/api/v1/stream/dashboard') {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
    this.es?.close();
    this.es = null;
    this.setStatus('closed');
  }

  on<K extends LiveEventName>(name: K, handler: (data: LiveEventMap[K]) => void): () => void {
    let set = this.handlers.get(name);
    if (!set) {
      set = new Set();
      this.handlers.set(name, set);
    }
    const h = handler as Handler;
    set.add(h);
    return () => set.delete(h);
  }

  /**
   * The server sends `resync` when it no longer holds the events since our Last-Event-ID (a
   * restart, or a long disconnect): everything on screen must be refetched.
   */
  onResync(fn: () => void): () => void {
    this.resyncListeners.add(fn);
    return () => this.resyncListeners.delete(fn);
  }

  onStatus(fn: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  private setStatus(s: LiveStatus): void {
    if (this.status === s) return;
    this.status = s;
    for (const l of this.statusListeners) l(s);
  }

  private connect(): void {
    const url = this.lastEventId ? `${this.url}?last_event_id=${encodeURIComponent(this.lastEventId)}` : this.url;
    const es = new EventSource(url, { withCredentials: true });
    this.es = es;
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');

    es.onopen = () => {
      this.openedAt = Date.now();
      this.setStatus('open');
    };
    es.onerror = () => {
      if (this.es !== es) return;
      es.close();
      this.es = null;
      if (this.stopped) return;
      if (this.openedAt && Date.now() - this.openedAt > STABLE_AFTER_MS) this.attempt = 0;
      this.openedAt = 0;
      const delay = backoffDelay(this.attempt);
      this.attempt += 1;
      this.setStatus('reconnecting');
      this.timer = window.setTimeout(() => {
        this.timer = null;
        if (!this.stopped) this.connect();
      }, delay);
    };
    for (const name of LIVE_EVENT_NAMES) {
      es.addEventListener(name, (ev) => this.dispatch(name, ev as MessageEvent<string>));
    }
    es.addEventListener('resync', (ev) => {
      if ((ev as MessageEvent<string>).lastEventId) this.lastEventId = (ev as MessageEvent<string>).lastEventId;
      for (const l of [...this.resyncListeners]) l();
    });
  }

  private dispatch(name: LiveEventName, ev: MessageEvent<string>): void {
    if (ev.lastEventId) this.lastEventId = ev.lastEventId;
    let data: unknown = null;
    try {
      data = ev.data ? JSON.parse(ev.data) : null;
    } catch {
      return;
    }
    const set = this.handlers.get(name);
    if (!set) return;
    for (const h of [...set]) {
      try {
        h(data, name);
      } catch (e) {
        // One broken subscriber must not stop the others.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }
}

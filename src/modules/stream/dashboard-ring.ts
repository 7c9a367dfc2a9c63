/**
 * The last dashboard events of one tenant, as the bytes that were sent, so a dashboard that
 * reconnects with `Last-Event-ID` gets what it missed. Every process receives every bus message,
 * so every process holds the same ring and a reconnect may land on any of them.
 * Bounded by count and bytes (a `contract_update` carries a whole bundle): when an id is no longer
 * held the caller sends `resync` and the page refetches.
 */
export const RING_MAX_EVENTS = 500;
export const RING_MAX_BYTES = 2 * 1024 * 1024;

interface Entry {
  id: string;
  frame: Buffer;
}

export class EventRing {
  private entries: Entry[] = [];
  private head = 0;
  private bytes = 0;
  lastActivity = Date.now();

  constructor(
    private readonly maxEvents = RING_MAX_EVENTS,
    private readonly maxBytes = RING_MAX_BYTES,
  ) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  push(id: string, frame: Buffer): void {
    this.lastActivity = Date.now();
    if (frame.length > this.maxBytes) {
      // Too big to keep: forget everything, so no replay can silently skip over it.
      this.entries = [];
      this.head = 0;
      this.bytes = 0;
      return;
    }
    this.entries.push({ id, frame });
    this.bytes += frame.length;
    while (this.size > this.maxEvents || this.bytes > this.maxBytes) {
      this.bytes -= this.entries[this.head]!.frame.length;
      this.head++;
    }
    // Compact now and then instead of shifting on every push.
    if (this.head > this.maxEvents) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** Frames after `id`, oldest first; null when `id` is not held (too old, or never seen here). */
  since(id: string): Buffer[] | null {
    for (let i = this.entries.length - 1; i >= this.head; i--) {
      if (this.entries[i]!.id === id) return this.entries.slice(i + 1).map((e) => e.frame);
    }
    return null;
  }

  newestId(): string | null {
    return this.size > 0 ? this.entries[this.entries.length - 1]!.id : null;
  }
}

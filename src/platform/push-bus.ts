import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

/**
 * The push bus carries "something happened" messages between console processes: every process
 * receives every message (its own included) and delivers it to the streams it holds. In process
 * by default; Redis pub/sub when Redis is configured, so N processes behave as one.
 */
export interface BusMessage {
  /** Routing: which streams may receive it. */
  topic: 'agents' | 'dashboard' | 'control';
  tenantId: string;
  /** For agents: restrict to an environment / agent id / bundle (contract_update). */
  env?: string | undefined;
  agentId?: string | undefined;
  /** For contract_update: only connections currently targeting this bundle receive it. */
  bundleName?: string | undefined;
  /** A globally unique id, assigned by the publisher (used for the dashboard's Last-Event-ID). */
  id: string;
  type: string;
  data: Record<string, unknown>;
  /**
   * Sent from the outbox after an outage. A newer message may have overtaken it, so receivers
   * take a late deploy or assignment as a hint and re-read the current state from the database.
   */
  late?: true | undefined;
}

export interface PushBus {
  /**
   * Never loses a message to an outage of the bus itself: what cannot be sent now is kept in order
   * (bounded) and sent once the bus is back (the "outbox"). It rejects only when even that fails.
   */
  publish(message: BusMessage): Promise<void>;
  subscribe(handler: (message: BusMessage) => void): () => void;
  /**
   * Called after this process's subscription came back from a gap (Redis unreachable, restarted,
   * or never reached at start). Messages other processes published during the gap never reached
   * this process, so its streams catch up from the database (docs/operations.md).
   */
  onResume(handler: () => void): () => void;
  /** Whether the bus is connected (Redis) — reported on health. */
  healthy(): boolean;
  close(): Promise<void>;
}

export function inProcessBus(): PushBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(message) {
      // Deliver asynchronously, like a real bus, so a publisher never runs subscribers inline.
      queueMicrotask(() => emitter.emit('message', message));
    },
    subscribe(handler) {
      emitter.on('message', handler);
      return () => emitter.off('message', handler);
    },
    // One process, no network: there is never a gap.
    onResume: () => () => undefined,
    healthy: () => true,
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/** Messages kept while Redis cannot take them; past this the oldest go (catch-up covers state). */
export const OUTBOX_MAX_MESSAGES = 10_000;
const OUTBOX_RETRY_MS = 1_000;

/**
 * Redis pub/sub. Pub/sub delivers only to subscribers connected at that moment, so an outage
 * loses messages in two ways, and each has its own remedy:
 * - a publish that fails (this process cannot reach Redis) goes to an in-process outbox, sent in
 *   order once the publishing connection is ready again;
 * - a subscriber that was disconnected missed whatever others published meanwhile (even a publish
 *   that "succeeded" reaches only the subscribers connected at that instant): when it is
 *   subscribed again, `onResume` handlers run and the streams catch up from the database.
 */
export function redisBus(publisher: Redis, subscriber: Redis, onError: (err: unknown) => void, prefix = ''): PushBus {
  // Channels are not covered by ioredis' keyPrefix, so the prefix is applied here.
  const CHANNEL = `${prefix}edictum:push:v1`;
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let subscribed = false;
  /** Set when the subscription was lost (or never made): the next subscribe is a resume. */
  let gap = false;
  let closed = false;
  const outbox: BusMessage[] = [];
  let flushing: Promise<void> | null = null;

  /** Subscribe (again) and confirm it: only after Redis acknowledged is it safe to catch up. */
  async function ensureSubscribed(): Promise<void> {
    try {
      await subscriber.subscribe(CHANNEL);
    } catch (err) {
      gap = true;
      onError(err);
      return;
    }
    if (closed || subscriber.status !== 'ready') return;
    subscribed = true;
    if (gap) {
      gap = false;
      emitter.emit('resume');
    }
  }
  const ready = ensureSubscribed();
  subscriber.on('message', (channel: string, raw: string) => {
    if (channel !== CHANNEL) return;
    try {
      emitter.emit('message', JSON.parse(raw) as BusMessage);
    } catch (err) {
      onError(err);
    }
  });
  subscriber.on('close', () => {
    if (subscribed) gap = true;
    subscribed = false;
  });
  // ioredis re-subscribes by itself after a reconnect; subscribing once more is a no-op for Redis
  // and gives us the acknowledgement to wait for before the catch-up reads the database.
  subscriber.on('ready', () => {
    if (!closed) void ensureSubscribed();
  });

  /** Send the outbox in order; stops at the first failure (the next `ready` or publish retries). */
  function flush(): Promise<void> {
    flushing ??= (async () => {
      try {
        while (outbox.length > 0 && !closed) {
          await publisher.publish(CHANNEL, JSON.stringify(outbox[0]!));
          outbox.shift();
        }
      } catch (err) {
        onError(err);
      } finally {
        flushing = null;
      }
    })();
    return flushing;
  }
  publisher.on('ready', () => {
    if (outbox.length > 0) void flush();
  });
  // A publish can fail after the connection is already back (its retries ran out meanwhile), so
  // `ready` alone would leave it waiting for the next outage: retry on a timer while anything waits.
  const retry = setInterval(() => {
    if (outbox.length > 0 && publisher.status === 'ready') void flush();
  }, OUTBOX_RETRY_MS);
  retry.unref();

  function keep(message: BusMessage): void {
    outbox.push({ ...message, late: true });
    if (outbox.length > OUTBOX_MAX_MESSAGES) {
      outbox.shift();
      onError(new Error('push bus outbox full: the oldest message was dropped (streams catch up on resume)'));
    }
    if (publisher.status === 'ready') void flush();
  }

  return {
    async publish(message) {
      await ready;
      // Behind a non-empty outbox a message waits its turn, so order is kept.
      if (outbox.length > 0 || flushing) {
        keep(message);
        return;
      }
      try {
        await publisher.publish(CHANNEL, JSON.stringify(message));
      } catch (err) {
        onError(err);
        keep(message);
      }
    },
    subscribe(handler) {
      emitter.on('message', handler);
      return () => emitter.off('message', handler);
    },
    onResume(handler) {
      emitter.on('resume', handler);
      return () => emitter.off('resume', handler);
    },
    healthy: () => subscribed && publisher.status === 'ready',
    async close() {
      closed = true;
      clearInterval(retry);
      emitter.removeAllListeners();
      await subscriber.unsubscribe(CHANNEL).catch(() => undefined);
    },
  };
}

let counter = 0;
const PROCESS_TAG = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
/** Globally unique message id: milliseconds, a per-process tag, a counter. */
export function newMessageId(): string {
  counter = (counter + 1) % 1_000_000;
  return `${Date.now().toString(36)}-${PROCESS_TAG}-${counter.toString(36)}`;
}

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
}

export interface PushBus {
  publish(message: BusMessage): Promise<void>;
  subscribe(handler: (message: BusMessage) => void): () => void;
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
    healthy: () => true,
    async close() {
      emitter.removeAllListeners();
    },
  };
}

export function redisBus(publisher: Redis, subscriber: Redis, onError: (err: unknown) => void, prefix = ''): PushBus {
  // Channels are not covered by ioredis' keyPrefix, so the prefix is applied here.
  const CHANNEL = `${prefix}edictum:push:v1`;
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let subscribed = false;
  const ready = subscriber.subscribe(CHANNEL).then(
    () => {
      subscribed = true;
    },
    (err: unknown) => onError(err),
  );
  subscriber.on('message', (channel: string, raw: string) => {
    if (channel !== CHANNEL) return;
    try {
      emitter.emit('message', JSON.parse(raw) as BusMessage);
    } catch (err) {
      onError(err);
    }
  });
  // ioredis re-subscribes by itself after a reconnect; track the state for health.
  subscriber.on('close', () => {
    subscribed = false;
  });
  subscriber.on('ready', () => {
    subscribed = true;
  });
  return {
    async publish(message) {
      await ready;
      await publisher.publish(CHANNEL, JSON.stringify(message));
    },
    subscribe(handler) {
      emitter.on('message', handler);
      return () => emitter.off('message', handler);
    },
    healthy: () => subscribed && publisher.status === 'ready',
    async close() {
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

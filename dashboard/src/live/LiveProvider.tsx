import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { LiveEventMap, LiveEventName } from '../api/types';
import { LiveStream, type LiveStatus } from './live-stream';

const LiveContext = createContext<LiveStream | null>(null);

/** Opens the shared stream while mounted (the authenticated shell mounts it once). */
export function LiveProvider({ children }: { children: ReactNode }) {
  const [stream] = useState(() => new LiveStream());
  useEffect(() => {
    stream.start();
    return () => stream.stop();
  }, [stream]);
  return <LiveContext.Provider value={stream}>{children}</LiveContext.Provider>;
}

/**
 * Calls handler for every `name` event on the shared stream. The handler may change on every
 * render; the subscription does not.
 */
export function useLiveEvent<K extends LiveEventName>(name: K, handler: (data: LiveEventMap[K]) => void): void {
  const stream = useContext(LiveContext);
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!stream) return;
    return stream.on(name, (d) => ref.current(d));
  }, [stream, name]);
}

/** Same handler for several events (e.g. refetch approvals on created/decided/timeout). */
export function useLiveEvents(names: readonly LiveEventName[], handler: (name: LiveEventName) => void): void {
  const stream = useContext(LiveContext);
  const ref = useRef(handler);
  ref.current = handler;
  const key = names.join(',');
  useEffect(() => {
    if (!stream) return;
    const offs = key.split(',').map((n) => stream.on(n as LiveEventName, () => ref.current(n as LiveEventName)));
    return () => offs.forEach((off) => off());
  }, [stream, key]);
}

export function useLiveStatus(): LiveStatus {
  const stream = useContext(LiveContext);
  const [status, setStatus] = useState<LiveStatus>(stream?.status ?? 'closed');
  useEffect(() => {
    if (!stream) return;
    setStatus(stream.status);
    return stream.onStatus(setStatus);
  }, [stream]);
  return status;
}

/** Called when the server could not replay what was missed (see LiveStream.onResync). */
export function useLiveResync(handler: () => void): void {
  const stream = useContext(LiveContext);
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!stream) return;
    return stream.onResync(() => ref.current());
  }, [stream]);
}

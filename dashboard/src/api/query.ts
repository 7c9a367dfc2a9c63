// A small keyed cache for GET requests: enough for this dashboard without a data library.
// - Pages read through useQuery(key, fetcher); the same key shares one request and one result.
// - Refetches keep showing the previous data (no skeleton flash, no layout jump on live updates).
// - invalidate(prefix) refetches every mounted query under that prefix (live events call it).
import { createContext, createElement, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { ApiError } from './client';

export interface QuerySnapshot<T> {
  data: T | undefined;
  error: unknown;
  /** true while a request is in flight (first load or background refresh) */
  fetching: boolean;
  updatedAt: number;
}

interface Entry {
  snap: QuerySnapshot<unknown>;
  listeners: Set<() => void>;
  fetcher?: () => Promise<unknown>;
  inflight?: Promise<unknown>;
  stale: boolean;
}

const EMPTY: QuerySnapshot<unknown> = { data: undefined, error: undefined, fetching: false, updatedAt: 0 };

/** Cached data older than this is refreshed (in the background) when a page mounts it again. */
const STALE_AFTER_MS = 30_000;

export class QueryClient {
  private entries = new Map<string, Entry>();
  /** Called when any query answers 401 (session expired): the shell sends the user to login. */
  onUnauthorized: (() => void) | null = null;

  private entry(key: string): Entry {
    let e = this.entries.get(key);
    if (!e) {
      e = { snap: EMPTY, listeners: new Set(), stale: true };
      this.entries.set(key, e);
    }
    return e;
  }

  snapshot<T>(key: string): QuerySnapshot<T> {
    return (this.entries.get(key)?.snap ?? EMPTY) as QuerySnapshot<T>;
  }

  subscribe(key: string, fn: () => void): () => void {
    const e = this.entry(key);
    e.listeners.add(fn);
    return () => e.listeners.delete(fn);
  }

  private set(key: string, patch: Partial<QuerySnapshot<unknown>>): void {
    const e = this.entry(key);
    e.snap = { ...e.snap, ...patch };
    for (const l of e.listeners) l();
  }

  fetch<T>(key: string, fetcher: () => Promise<T>, force = false): Promise<T> {
    const e = this.entry(key);
    e.fetcher = fetcher;
    if (e.inflight) return e.inflight as Promise<T>;
    if (!force && !e.stale && e.snap.updatedAt > 0 && Date.now() - e.snap.updatedAt < STALE_AFTER_MS) return Promise.resolve(e.snap.data as T);
    // With nothing to show, a retry shows the loading state rather than the old error.
    this.set(key, e.snap.data === undefined ? { fetching: true, error: undefined } : { fetching: true });
    const p = fetcher().then(
      (data) => {
        e.inflight = undefined;
        e.stale = false;
        this.set(key, { data, error: undefined, fetching: false, updatedAt: Date.now() });
        return data;
      },
      (error: unknown) => {
        e.inflight = undefined;
        e.stale = true;
        this.set(key, { error, fetching: false, updatedAt: Date.now() });
        if (error instanceof ApiError && error.status === 401 && key !== 'auth:me') this.onUnauthorized?.();
        throw error;
      },
    );
    e.inflight = p;
    return p;
  }

  /**
   * A route loader's prefetch, once: the request still in flight, or its answer if younger than
   * `maxAgeMs`; the entry is forgotten either way, so the next visit asks again. For data a page
   * keeps outside this cache (the Events feed) but wants started before its chunk has loaded.
   */
  take<T>(key: string, maxAgeMs: number): Promise<T> | undefined {
    const e = this.entries.get(key);
    if (!e || e.listeners.size > 0) return undefined;
    this.entries.delete(key);
    if (e.inflight) return e.inflight as Promise<T>;
    if (e.snap.data !== undefined && e.snap.error === undefined && Date.now() - e.snap.updatedAt < maxAgeMs) return Promise.resolve(e.snap.data as T);
    return undefined;
  }

  /** Replace cached data without a request (optimistic updates). */
  setData<T>(key: string, update: (old: T | undefined) => T | undefined): void {
    const e = this.entry(key);
    e.stale = false;
    this.set(key, { data: update(e.snap.data as T | undefined), error: undefined, updatedAt: Date.now() });
  }

  /** Refetch mounted queries whose key starts with prefix; mark the rest stale. */
  invalidate(prefix: string): void {
    for (const [key, e] of this.entries) {
      if (!key.startsWith(prefix)) continue;
      e.stale = true;
      if (e.listeners.size > 0 && e.fetcher) this.fetch(key, e.fetcher, true).catch(() => undefined);
    }
  }

  /** Forget everything (sign-out). */
  clear(): void {
    for (const e of this.entries.values()) {
      e.snap = EMPTY;
      e.stale = true;
      for (const l of e.listeners) l();
    }
  }
}

const QueryContext = createContext<QueryClient | null>(null);

export function QueryProvider({ client, children }: { client: QueryClient; children: ReactNode }) {
  return createElement(QueryContext.Provider, { value: client }, children);
}

export function useQueryClient(): QueryClient {
  const c = useContext(QueryContext);
  if (!c) throw new Error('useQueryClient outside QueryProvider');
  return c;
}

export interface QueryResult<T> extends QuerySnapshot<T> {
  /** first load with nothing to show yet */
  isLoading: boolean;
  refetch: () => Promise<T | undefined>;
}

export interface QueryOptions {
  /** poll while mounted */
  refetchIntervalMs?: number;
  /** skip the request (e.g. missing parameter) */
  enabled?: boolean;
}

export function useQuery<T>(key: string, fetcher: () => Promise<T>, opts: QueryOptions = {}): QueryResult<T> {
  const client = useQueryClient();
  const enabled = opts.enabled ?? true;
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const stableFetcher = useCallback(() => fetcherRef.current(), []);

  const snap = useSyncExternalStore(
    useCallback((fn: () => void) => client.subscribe(key, fn), [client, key]),
    () => client.snapshot<T>(key),
  );

  useEffect(() => {
    if (!enabled) return;
    client.fetch(key, stableFetcher).catch(() => undefined);
  }, [client, key, enabled, stableFetcher]);

  useEffect(() => {
    if (!enabled || !opts.refetchIntervalMs) return;
    const id = window.setInterval(() => {
      if (document.visibilityState === 'visible') client.fetch(key, stableFetcher, true).catch(() => undefined);
    }, opts.refetchIntervalMs);
    return () => window.clearInterval(id);
  }, [client, key, enabled, opts.refetchIntervalMs, stableFetcher]);

  const refetch = useCallback(
    () => client.fetch(key, stableFetcher, true).then((d) => d, () => undefined),
    [client, key, stableFetcher],
  );

  return {
    ...snap,
    isLoading: enabled && snap.data === undefined && snap.error === undefined,
    refetch,
  };
}

export interface MutationState<V, R> {
  mutate: (vars: V) => Promise<R>;
  isPending: boolean;
  error: unknown;
  reset: () => void;
}

/** Wraps an async action with pending/error state; errors are rethrown to the caller too. */
export function useMutation<V, R>(fn: (vars: V) => Promise<R>): MutationState<V, R> {
  const [isPending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const mutate = useCallback(async (vars: V) => {
    setPending(true);
    setError(undefined);
    try {
      return await fnRef.current(vars);
    } catch (e) {
      setError(e);
      throw e;
    } finally {
      setPending(false);
    }
  }, []);
  const reset = useCallback(() => setError(undefined), []);
  return { mutate, isPending, error, reset };
}

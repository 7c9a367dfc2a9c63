/**
 * Valid API keys seen recently, by keyed hash, so the agent hot path (session store, approval
 * poll, event ingest) does not read `api_keys` on every request. Bounded in time and size, and
 * never trusted beyond what keeps revocation immediate:
 *
 * - a revoke evicts the key synchronously in the process that revoked it, before the response;
 * - other processes evict it when the `api_key_revoked` control message reaches them (the push
 *   bus: Redis pub/sub, milliseconds);
 * - while the bus reports itself disconnected the cache is emptied and bypassed, so a missed
 *   message cannot keep a revoked key alive; the TTL bounds what an undetected outage can do.
 *
 * Unknown or revoked keys are not cached: a stranger's guesses cannot fill it.
 */
export interface CachedApiKey {
  id: string;
  tenantId: string;
  env: string;
  prefix: string;
}

export const API_KEY_CACHE_TTL_MS = 10_000;
export const API_KEY_CACHE_MAX = 10_000;

export interface ApiKeyCache {
  get(hash: string): CachedApiKey | undefined;
  /** Taken before a database lookup and passed to `set` with its result. */
  generation(): number;
  /**
   * Caches a lookup's result unless a revoke (or a clear) happened since `generation` was taken:
   * a lookup that read the row just before the revoke committed must not cache the key after it.
   */
  set(hash: string, key: CachedApiKey, generation: number): void;
  /** Drop every entry of this key id (a revoke). */
  evict(keyId: string): void;
  clear(): void;
  readonly size: number;
}

export function createApiKeyCache(
  opts: { ttlMs?: number; max?: number; now?: () => number; usable?: () => boolean } = {},
): ApiKeyCache {
  const ttl = opts.ttlMs ?? API_KEY_CACHE_TTL_MS;
  const max = opts.max ?? API_KEY_CACHE_MAX;
  const now = opts.now ?? Date.now;
  const usable = opts.usable ?? (() => true);
  const byHash = new Map<string, { key: CachedApiKey; expires: number }>();
  let gen = 0;

  return {
    get(hash) {
      if (!usable()) {
        if (byHash.size > 0) byHash.clear();
        gen++;
        return undefined;
      }
      const hit = byHash.get(hash);
      if (!hit) return undefined;
      if (hit.expires <= now()) {
        byHash.delete(hash);
        return undefined;
      }
      return hit.key;
    },
    generation: () => gen,
    set(hash, key, generation) {
      if (generation !== gen || !usable()) return;
      byHash.delete(hash);
      // Map order is insertion order: the first entry is the oldest.
      if (byHash.size >= max) byHash.delete(byHash.keys().next().value!);
      byHash.set(hash, { key, expires: now() + ttl });
    },
    evict(keyId) {
      gen++;
      // A key has one hash, so at most one entry; a scan of ≤ 10,000 entries on a rare revoke.
      for (const [hash, e] of byHash) if (e.key.id === keyId) byHash.delete(hash);
    },
    clear() {
      gen++;
      byHash.clear();
    },
    get size() {
      return byHash.size;
    },
  };
}

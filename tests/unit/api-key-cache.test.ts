import { describe, expect, it } from 'vitest';
import { createApiKeyCache, type CachedApiKey } from '../../src/platform/api-key-cache.js';

const key = (id: string): CachedApiKey => ({ id, tenantId: 't1', env: 'production', prefix: `edk_production_${id}` });

describe('API-key cache', () => {
  it('serves an entry until its TTL, then misses', () => {
    let now = 1_000;
    const cache = createApiKeyCache({ ttlMs: 10_000, now: () => now });
    cache.set('h1', key('k1'), cache.generation());
    expect(cache.get('h1')).toEqual(key('k1'));
    now += 9_999;
    expect(cache.get('h1')?.id).toBe('k1');
    now += 1;
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the oldest entry when full', () => {
    const cache = createApiKeyCache({ max: 3 });
    for (const i of [1, 2, 3, 4]) cache.set(`h${i}`, key(`k${i}`), cache.generation());
    expect(cache.size).toBe(3);
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.get('h4')?.id).toBe('k4');
  });

  it('evicts a revoked key by id', () => {
    const cache = createApiKeyCache();
    cache.set('h1', key('k1'), cache.generation());
    cache.set('h2', key('k2'), cache.generation());
    cache.evict('k1');
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.get('h2')?.id).toBe('k2');
  });

  it('does not cache a lookup that started before a revoke', () => {
    const cache = createApiKeyCache();
    const before = cache.generation();
    // The database read returned the row, then the revoke committed and evicted.
    cache.evict('k1');
    cache.set('h1', key('k1'), before);
    expect(cache.get('h1')).toBeUndefined();
    // A lookup that starts after the revoke caches normally.
    cache.set('h2', key('k2'), cache.generation());
    expect(cache.get('h2')?.id).toBe('k2');
  });

  it('is emptied and bypassed while the push bus is down, so a missed revoke cannot linger', () => {
    let busUp = true;
    const cache = createApiKeyCache({ usable: () => busUp });
    cache.set('h1', key('k1'), cache.generation());
    const gen = cache.generation();
    busUp = false;
    expect(cache.get('h1')).toBeUndefined();
    cache.set('h1', key('k1'), cache.generation());
    busUp = true;
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.size).toBe(0);
    // A lookup that began before the outage was noticed does not repopulate it either.
    cache.set('h1', key('k1'), gen);
    expect(cache.get('h1')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { createSessions, SESSION_MAX_AGE_SECONDS, SESSION_RECHECK_MS } from '../../src/platform/auth.js';
import type { SessionStore } from '../../src/platform/kv.js';

/** An in-memory store with an explicit clock, to test the session rules without waiting. */
function memoryStore(clock: { now: number }) {
  const data = new Map<string, { value: string; expires: number }>();
  const store: SessionStore = {
    async put(token, value, ttl) {
      data.set(token, { value, expires: clock.now + ttl * 1000 });
    },
    async touch(token, ttl) {
      const e = data.get(token);
      if (!e || e.expires <= clock.now) return null;
      e.expires = clock.now + ttl * 1000;
      return e.value;
    },
    async peek(token) {
      const e = data.get(token);
      return !e || e.expires <= clock.now ? null : e.value;
    },
    async delete(token) {
      data.delete(token);
    },
    async sweep() {
      return 0;
    },
  };
  return { store, data };
}

const user = { user_id: 'u', tenant_id: 't', email: 'a@b.c', is_admin: true };

describe('dashboard sessions', () => {
  it('slides the TTL on every use', async () => {
    const clock = { now: 1_000_000 };
    const { store } = memoryStore(clock);
    const s = createSessions(store, 'k'.repeat(40), 3600, () => clock.now);
    const token = await s.create(user);
    for (let i = 0; i < 5; i++) {
      clock.now += 50 * 60 * 1000; // 50 minutes: beyond the TTL in total, never between uses
      expect(await s.resolve(token)).toHaveProperty('data.email', 'a@b.c');
    }
    clock.now += 61 * 60 * 1000;
    expect(await s.resolve(token)).toEqual({ error: 'Session expired or invalid.' });
  });

  it('peeks without sliding the TTL (a stream re-check is not activity)', async () => {
    const clock = { now: 1_000_000 };
    const { store } = memoryStore(clock);
    const s = createSessions(store, 'k'.repeat(40), 3600, () => clock.now);
    const token = await s.create(user);
    clock.now += 50 * 60 * 1000;
    expect(await s.peek(token)).toHaveProperty('data.email', 'a@b.c');
    clock.now += 11 * 60 * 1000; // 61 minutes after the last real use
    expect(await s.peek(token)).toEqual({ error: 'Session expired or invalid.' });
  });

  it('ends a session after 7 days however active it is', async () => {
    const clock = { now: 1_000_000 };
    const { store } = memoryStore(clock);
    const s = createSessions(store, 'k'.repeat(40), 24 * 3600, () => clock.now);
    const token = await s.create(user);
    const step = 12 * 3600 * 1000;
    for (let t = 0; t < SESSION_MAX_AGE_SECONDS * 1000 - step; t += step) {
      clock.now += step;
      expect(await s.resolve(token)).toHaveProperty('data');
    }
    clock.now += step + step / 2; // past the 7-day cap, still inside the sliding TTL
    expect(await s.resolve(token)).toEqual({ error: 'Session expired. Please log in again.' });
  });

  it('rejects and deletes a tampered session value', async () => {
    const clock = { now: 1_000_000 };
    const { store, data } = memoryStore(clock);
    const s = createSessions(store, 'k'.repeat(40), 3600, () => clock.now);
    const token = await s.create(user);
    const entry = data.get(token)!;
    entry.value = entry.value.replace('"is_admin":true', '"is_admin":false');
    expect(await s.resolve(token)).toEqual({ error: 'Session expired or invalid.' });
    expect(data.has(token)).toBe(false);
  });

  it('does not accept a value signed with another secret', async () => {
    const clock = { now: 1_000_000 };
    const { store } = memoryStore(clock);
    const a = createSessions(store, 'a'.repeat(40), 3600, () => clock.now);
    const b = createSessions(store, 'b'.repeat(40), 3600, () => clock.now);
    const token = await a.create(user);
    expect(await b.resolve(token)).toEqual({ error: 'Session expired or invalid.' });
  });

  it('a burst of requests reads the store once; a logout here is immediate, elsewhere within the recheck interval', async () => {
    const clock = { now: 1_000_000 };
    const { store, data } = memoryStore(clock);
    let reads = 0;
    const counted: SessionStore = { ...store, touch: (t, ttl) => ((reads += 1), store.touch(t, ttl)) };
    const s = createSessions(counted, 'k'.repeat(40), 3600, () => clock.now);
    const token = await s.create(user);
    const burst = await Promise.all(Array.from({ length: 100 }, () => s.resolve(token)));
    expect(burst.every((r) => 'data' in r)).toBe(true);
    expect(reads).toBe(1);
    clock.now += SESSION_RECHECK_MS - 1;
    await s.resolve(token);
    expect(reads).toBe(1);
    // Another process logs the session out (the row goes): seen once the interval has passed.
    data.delete(token);
    clock.now += 1;
    expect(await s.resolve(token)).toEqual({ error: 'Session expired or invalid.' });
    expect(reads).toBe(2);
    // A logout through this process is seen at once, even right after a lookup.
    const other = await s.create(user);
    expect(await s.resolve(other)).toHaveProperty('data');
    await s.destroy(other);
    expect(await s.resolve(other)).toEqual({ error: 'Session expired or invalid.' });
  });

  it('a logout during a lookup is not undone by it', async () => {
    const clock = { now: 1_000_000 };
    const { store } = memoryStore(clock);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow: SessionStore = { ...store, touch: async (t, ttl) => { const v = await store.touch(t, ttl); await gate; return v; } };
    const s = createSessions(slow, 'k'.repeat(40), 3600, () => clock.now);
    const token = await s.create(user);
    const pending = s.resolve(token);
    await s.destroy(token);
    release();
    await pending;
    expect(await s.resolve(token)).toEqual({ error: 'Session expired or invalid.' });
  });
});

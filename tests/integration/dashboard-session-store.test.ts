import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authSessions } from '../../src/db/schema.js';
import { sha256Hex } from '../../src/platform/crypto.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const user = { user_id: 'u1', tenant_id: 't1', email: 'peek@example.com', is_admin: false };

/** The database store (always) and the Redis store (when CI provides Redis), on the real servers. */
describe('dashboard session store: peek and sweep', () => {
  describe('database store', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ redis: false });
    });
    afterAll(async () => t?.close());

    const expiresAt = async (token: string) => {
      const rows = await t.deps.database.rows<{ expires_at: string }>(
        sql`SELECT expires_at::text FROM ${authSessions} WHERE token_hash = ${sha256Hex(token)}`,
      );
      return rows[0]?.expires_at;
    };

    it('peek reads a session without moving its expiry; resolve slides it', async () => {
      const token = await t.deps.sessions.create(user);
      // Pull the expiry back so a slide would be visible whatever the clock resolution.
      await t.deps.database.db.execute(
        sql`UPDATE ${authSessions} SET expires_at = now() + interval '1 minute' WHERE token_hash = ${sha256Hex(token)}`,
      );
      const before = await expiresAt(token);
      expect(await t.deps.sessions.peek(token)).toHaveProperty('data.email', 'peek@example.com');
      expect(await expiresAt(token)).toBe(before);
      expect(await t.deps.sessions.resolve(token)).toHaveProperty('data.email', 'peek@example.com');
      expect(await expiresAt(token)).not.toBe(before);
    });

    it('the sweep job deletes expired sessions and keeps live ones', async () => {
      const live = await t.deps.sessions.create(user);
      const dead = await t.deps.sessions.create(user);
      await t.deps.database.db.execute(
        sql`UPDATE ${authSessions} SET expires_at = now() - interval '1 second' WHERE token_hash = ${sha256Hex(dead)}`,
      );
      const job = t.jobs.find((j) => j.name === 'auth_session_sweep');
      expect(job).toBeDefined();
      await job!.run();
      expect(await expiresAt(dead)).toBeUndefined();
      expect(await expiresAt(live)).toBeDefined();
      expect(await t.deps.sessions.peek(dead)).toEqual({ error: 'Session expired or invalid.' });
    });
  });

  describe.runIf(process.env.TEST_REDIS_URL)('Redis store', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(async () => t?.close());

    it('peek leaves the key TTL alone; resolve refreshes it; the database copy is swept', async () => {
      const redis = t.deps.redis!;
      const token = await t.deps.sessions.create(user);
      const key = `session:${sha256Hex(token)}`;
      await redis.expire(key, 60);
      expect(await t.deps.sessions.peek(token)).toHaveProperty('data.email', 'peek@example.com');
      expect(await redis.ttl(key)).toBeLessThanOrEqual(60);
      expect(await t.deps.sessions.resolve(token)).toHaveProperty('data');
      expect(await redis.ttl(key)).toBeGreaterThan(60);
      expect(t.jobs.some((j) => j.name === 'auth_session_sweep')).toBe(true);
    });
  });
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/platform/push-bus.js';
import type { TestApp } from '../helpers/test-app.js';
import { agentStream, createStreamApp, data, uploadAndDeploy } from '../helpers/stream-kit.js';
import type { SseClient } from '../helpers/sse-client.js';
import { pollUntil } from '../helpers/poll.js';

/**
 * Issue 10's assignment race, made deterministic: a transaction holding a lock on the
 * live-connections table stops a connect between writing the agent's registration (and reading
 * its assignment) and joining the in-memory set of streams. The assignment is made in exactly
 * that window, its bus message is seen by the process, and only then is the connect released.
 * Needs a real Postgres server (a second connection holds the lock).
 */
describe.runIf(process.env.TEST_DATABASE_URL)('an assignment made while the agent is connecting', () => {
  let t: TestApp;
  let base: string;
  let cookie: string;
  let key: string;
  const open: SseClient[] = [];

  beforeAll(async () => {
    t = await createStreamApp();
    const admin = await t.admin();
    cookie = admin.cookie;
    key = await t.apiKey(cookie, 'production');
    base = await t.listen();
    await uploadAndDeploy(t, cookie, 'race-bundle', 'production', 'race');
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t?.close();
  });

  /** Opens the stream with the connect held just before its live row is written. */
  async function connectHeld(agentId: string, during: () => Promise<void>): Promise<SseClient> {
    const locker = new pg.Client({ connectionString: t.config.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      // Blocks INSERTs into the table (not reads): the connect waits on it after resolving.
      await locker.query('LOCK TABLE live_agent_connections IN EXCLUSIVE MODE');
      const pending = agentStream(base, key, { env: 'production' }, agentId);
      await pollUntil(
        async () => {
          const r = await locker.query(
            `SELECT
               (SELECT count(*)::int FROM agent_registrations WHERE agent_id = $1) AS registered,
               (SELECT count(*)::int FROM pg_locks WHERE NOT granted AND relation = 'live_agent_connections'::regclass) AS waiting`,
            [agentId],
          );
          const row = r.rows[0] as { registered: number; waiting: number };
          return row.registered === 1 && row.waiting > 0;
        },
        { what: 'the connect waiting on the live-connections lock' },
      );
      await during();
      await locker.query('COMMIT');
      const c = await pending;
      open.push(c);
      return c;
    } finally {
      await locker.end();
    }
  }

  /** Resolves once this process has handled a bus message (its own listener runs after the hub's). */
  function heard(pred: (m: BusMessage) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const off = t.deps.bus.subscribe((m) => {
        if (!pred(m)) return;
        off();
        resolve();
      });
    });
  }

  it('delivers an explicit assignment made after the registration was written and before the stream joined', async () => {
    const agentId = 'race-explicit';
    const c = await connectHeld(agentId, async () => {
      const seen = heard((m) => m.type === 'assignment_changed' && m.agentId === agentId);
      const res = await t.request({
        method: 'PATCH',
        url: `/api/v1/agent-registrations/${agentId}`,
        cookie,
        payload: { bundle_name: 'race-bundle' },
      });
      expect(res.statusCode, res.body).toBe(200);
      await seen;
    });
    expect(c.status).toBe(200);
    expect(data(await c.waitFor((e) => e.event === 'assignment_changed'))).toMatchObject({
      agent_id: agentId,
      bundle_name: 'race-bundle',
    });
    expect(data(await c.waitFor((e) => e.event === 'contract_update'))).toMatchObject({ bundle_name: 'race-bundle' });
  });

  it('retargets a stream whose assignment rule was created while it was connecting', async () => {
    const agentId = 'race-rule-1';
    const c = await connectHeld(agentId, async () => {
      const seen = heard((m) => m.topic === 'control' && m.type === 'assignment_rules_changed');
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/assignment-rules',
        cookie,
        payload: { priority: 10, pattern: 'race-rule-*', bundle_name: 'race-bundle', env: 'production' },
      });
      expect(res.statusCode, res.body).toBe(201);
      await seen;
    });
    expect(data(await c.waitFor((e) => e.event === 'contract_update'))).toMatchObject({ bundle_name: 'race-bundle' });
  });
});

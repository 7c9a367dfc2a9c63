import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { WorkerRegistry } from '../../src/workers/registry.js';
import { startScheduler, type Job } from '../../src/workers/scheduler.js';
import { createTestDatabase } from '../helpers/test-db.js';
import { createDatabase } from '../../src/db/client.js';

const silent = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

function countingJob(name: string, counter: { n: number }, onRun: () => void): Job {
  return {
    name,
    intervalMs: 60_000,
    leaderOnly: true,
    runAtStart: true,
    run: async () => {
      counter.n++;
      onRun();
    },
  };
}

// Leader election is a Postgres advisory lock held on a dedicated connection; it needs a real
// Postgres server (CI sets TEST_DATABASE_URL). PGlite is single-process and always the leader.
describe.runIf(process.env.TEST_DATABASE_URL)('leader election across processes', () => {
  it('runs leader-only jobs on one process and fails over when the leader stops', async () => {
    const shared = await createTestDatabase();
    // A second, independent pool on the same database = a second console process.
    const other = await createDatabase({ url: shared.url!, poolSize: 2 });
    try {
      const a = { n: 0 };
      const b = { n: 0 };
      const regA = new WorkerRegistry();
      const regB = new WorkerRegistry();
      let ranB!: () => void;
      const bRan = new Promise<void>((r) => (ranB = r));
      const schedA = startScheduler({ jobs: [countingJob('partition', a, () => undefined)], registry: regA, logger: silent, tryLeadership: () => shared.database.tryLeadership(), leaderCheckMs: 100 });
      await regA.until((r) => r.get('partition') === 'running');
      const schedB = startScheduler({ jobs: [countingJob('partition', b, () => ranB())], registry: regB, logger: silent, tryLeadership: () => other.tryLeadership(), leaderCheckMs: 100 });
      await regB.until((r) => r.get('partition') === 'standby');
      expect(schedA.isLeader()).toBe(true);
      expect(schedB.isLeader()).toBe(false);
      expect(a.n).toBe(1);
      expect(b.n).toBe(0);

      // The leader process goes away: its connection (and so its lock) closes.
      await schedA.stop();
      await shared.database.close();
      await bRan;
      expect(schedB.isLeader()).toBe(true);
      expect(b.n).toBe(1);
      await schedB.stop();
    } finally {
      await other.close();
      await shared.drop();
    }
  });
});

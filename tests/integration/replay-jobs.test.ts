import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { fromNow, postEvents, tsEvent } from '../helpers/events-fixtures.js';
import { createReplayService, type ReplayService } from '../../src/modules/replay/replay.service.js';
import { replayRepository } from '../../src/modules/replay/replay.repository.js';
import { ReplayBody } from '../../src/modules/replay/replay.schemas.js';
import { deploy, upload, watchBus, type BusWatch } from '../routes/bundles-helpers.js';
import { FLEET_V1, FLEET_V2, type JobJson } from '../routes/replay-fixtures.js';

const CALLS = 600;

/** A job's final state: waits for its last `replay_progress` on the bus of the process running it. */
async function settled(watch: BusWatch, id: string): Promise<void> {
  await watch.next((m) => m.type === 'replay_progress' && m.data.job_id === id && m.data.status !== 'running', 20_000);
}

describe('replay jobs: cancel, several processes, stale jobs', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: Principal;
  let watch: BusWatch;
  // Small pages and progress on every page, so a job has many steps to be cancelled between.
  let service: ReplayService;

  beforeAll(async () => {
    // One Redis prefix: the two processes share sessions, as replicas of one console do.
    const shared = { EDICTUM_REDIS_PREFIX: `t${randomUUID().slice(0, 8)}:` };
    a = await createTestApp({ env: shared });
    b = await createTestApp({ env: shared, database: { database: a.deps.database, url: a.config.databaseUrl } });
    admin = await a.admin();
    watch = watchBus(a);
    service = createReplayService(a.ctx, (t) => ({ ...t, batchSize: 5, progressEveryMs: 0 }));
    await upload(a, admin.cookie, FLEET_V1);
    await upload(a, admin.cookie, FLEET_V2);
    await deploy(a, admin.cookie, 'fleet', 1, 'production');
    const key = await a.apiKey(admin.cookie, 'production');
    const events = Array.from({ length: CALLS }, (_, i) =>
      tsEvent({ tool_name: 'shell', timestamp: fromNow(-(i + 1) * 1000), payload: { tool_args: { command: `rm -rf /tmp/${i}` }, environment: 'production' } }),
    );
    expect((await postEvents(a, key, { events })).statusCode).toBeLessThan(300);
  });
  afterAll(async () => {
    watch?.stop();
    await service?.close();
    await b?.close();
    await a?.close();
  });

  const body = () => ReplayBody.parse({ candidate: { bundle_name: 'fleet', version: 2 }, env: 'production' });

  it('a job started here is polled and cancelled through another process', async () => {
    const job = await service.start(admin.tenantId, admin.email, body());
    expect(job.total).toBe(CALLS);
    const polled = await b.request({ url: `/api/v1/bundles/replay/${job.id}`, cookie: admin.cookie });
    expect(polled.statusCode, polled.body).toBe(200);
    expect(polled.json()).toMatchObject({ id: job.id, total: CALLS });
    const del = await b.request({ method: 'DELETE', url: `/api/v1/bundles/replay/${job.id}`, cookie: admin.cookie });
    expect(del.statusCode, del.body).toBe(200);
    expect(del.json()).toMatchObject({ cancel_requested: true });
    await settled(watch, job.id);
    const end = (await b.request({ url: `/api/v1/bundles/replay/${job.id}`, cookie: admin.cookie })).json() as JobJson;
    expect(end.status).toBe('cancelled');
    expect(end.processed).toBeLessThan(CALLS);
    // What was counted before the cancel is kept.
    expect(end.result!.counts.newly_denied).toBe(end.result!.calls);
  });

  it('a cancel in the running process stops the job at its next page', async () => {
    const job = await service.start(admin.tenantId, admin.email, body());
    await service.cancel(admin.tenantId, job.id);
    await settled(watch, job.id);
    const end = await service.get(admin.tenantId, job.id);
    expect(end.status).toBe('cancelled');
    expect(end.processed).toBeLessThanOrEqual(5);
  });

  it('a job whose process stopped writing reads as failed', async () => {
    const id = randomUUID();
    await replayRepository.insertJob(a.deps.database.db, {
      id,
      tenantId: admin.tenantId,
      status: 'running',
      request: {},
      createdBy: admin.email,
      heartbeatAt: new Date(Date.now() - 5 * 60_000),
    });
    const res = await b.request({ url: `/api/v1/bundles/replay/${id}`, cookie: admin.cookie });
    expect(res.json()).toMatchObject({ status: 'failed', error: expect.stringMatching(/stopped/) });
  });

  it('the whole window, uncancelled, counts every call once', async () => {
    const res = await a.request({ method: 'POST', url: '/api/v1/bundles/replay', cookie: admin.cookie, payload: { candidate: { bundle_name: 'fleet', version: 2 }, env: 'production' } });
    expect(res.statusCode, res.body).toBe(202);
    const id = (res.json() as JobJson).id;
    await settled(watch, id);
    const end = (await a.request({ url: `/api/v1/bundles/replay/${id}`, cookie: admin.cookie })).json() as JobJson;
    expect(end).toMatchObject({ status: 'done', processed: CALLS });
    expect(end.result!.counts.newly_denied).toBe(CALLS);
  });
});

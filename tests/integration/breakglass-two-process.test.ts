import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, login, type TestApp } from '../helpers/test-app.js';
import { agentStream, createStreamApp, data } from '../helpers/stream-kit.js';
import { expectEnded, type SseClient } from '../helpers/sse-client.js';
import { act, arm, breakGlassId, decisions, runExpiry, uploadDeploy } from './breakglass-kit.js';
import { sql } from 'drizzle-orm';

/**
 * Break-glass across two console processes sharing Postgres and Redis (docs/scaling.md). Needs
 * both: PGlite lives inside one process and the in-process bus cannot cross processes.
 */
describe.runIf(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL)('break-glass on two processes', () => {
  let a: TestApp;
  let b: TestApp;
  let baseA: string;
  let baseB: string;
  let cookieA: string;
  let cookieB: string;
  const open: SseClient[] = [];
  const track = (c: SseClient) => (open.push(c), c);

  beforeAll(async () => {
    const shared = { EDICTUM_REDIS_PREFIX: `bg${randomBytes(4).toString('hex')}:` };
    a = await createStreamApp({ env: shared });
    b = await createStreamApp({ env: shared, database: { database: a.deps.database, url: a.config.databaseUrl } });
    baseA = await a.listen();
    baseB = await b.listen();
    const admin = await a.admin();
    cookieA = admin.cookie;
    cookieB = await login(b.app, admin.email, ADMIN_PASSWORD);
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await b?.close();
    await a?.close();
  });

  const update = async (c: SseClient, pred: (d: Record<string, unknown>) => boolean) =>
    data(await c.waitFor((e) => e.event === 'contract_update' && pred(data(e))));
  const bytesOf = (d: Record<string, unknown>) => new Uint8Array(Buffer.from(d.yaml_bytes as string, 'base64'));

  it('quarantine armed on A closes the agent’s streams on both processes and leaves other agents streaming', async () => {
    await uploadDeploy(a, cookieA, 'bg2-q', 'production');
    const qKey = await a.apiKey(cookieA, 'production');
    const okKey = await a.apiKey(cookieA, 'production');
    const onA = track(await agentStream(baseA, qKey, { env: 'production', bundle_name: 'bg2-q' }, 'bg2-q-agent'));
    const onB = track(await agentStream(baseB, qKey, { env: 'production', bundle_name: 'bg2-q' }, 'bg2-q-agent'));
    const bystander = track(await agentStream(baseB, okKey, { env: 'production', bundle_name: 'bg2-q' }, 'bg2-other'));
    for (const c of [onA, onB, bystander]) await update(c, () => true);
    const sw = await arm(a, cookieA, { kind: 'quarantine_agent', agent_id: 'bg2-q-agent' });
    await expectEnded(onA);
    await expectEnded(onB);
    expect((await b.request({ url: '/api/v1/bundles/bg2-q/current?env=production', apiKey: qKey })).statusCode).toBe(401);
    // The bystander is still connected and never got the quarantine overlay.
    const rule = breakGlassId(sw.id);
    const cur = await b.request({ url: '/api/v1/bundles/bg2-q/current?env=production', apiKey: okKey, agentId: 'bg2-other' });
    expect(Buffer.from((cur.json() as { yaml_bytes: string }).yaml_bytes, 'base64').toString('utf8')).not.toContain(rule);
    expect(
      bystander.sdkEvents.every(
        (e) =>
          e.event !== 'contract_update' ||
          !Buffer.from(bytesOf(data(e)))
            .toString('utf8')
            .includes(rule),
      ),
    ).toBe(true);
    expect((await act(b, cookieB, sw.id, 'disarm')).statusCode).toBe(200);
  });

  it('a freeze armed on B reaches an agent on A, and its expiry run by B’s job restores the bundle on A', async () => {
    const dep = await uploadDeploy(a, cookieA, 'bg2-f', 'production');
    const key = await a.apiKey(cookieA, 'production');
    const onA = track(await agentStream(baseA, key, { env: 'production', bundle_name: 'bg2-f' }, 'bg2-f-agent'));
    await update(onA, (d) => d.revision_hash === dep.revision);
    const sw = await arm(b, cookieB, { kind: 'freeze_tool', tool: 'send_email' });
    const frozen = await update(onA, (d) => d.revision_hash !== dep.revision);
    expect(decisions(bytesOf(frozen), 'send_email').map((v) => v.by)).toEqual([breakGlassId(sw.id), breakGlassId(sw.id)]);
    // A re-reads its switch cache on B's message: an agent fetching from A gets the overlay too.
    const fromA = await a.request({ url: '/api/v1/bundles/bg2-f/current?env=production', apiKey: key, agentId: 'bg2-f-agent' });
    expect((fromA.json() as { revision_hash: string }).revision_hash).toBe(frozen.revision_hash);
    await b.deps.database.db.execute(
      sql`UPDATE break_glass_switches SET expires_at = now() - interval '1 second' WHERE id = ${sw.id}`,
    );
    const n = onA.sdkEvents.length;
    await runExpiry(b);
    const back = await onA.waitFor((e) => onA.sdkEvents.indexOf(e) >= n && e.event === 'contract_update');
    expect(data(back).revision_hash).toBe(dep.revision);
    const again = await a.request({ url: '/api/v1/bundles/bg2-f/current?env=production', apiKey: key, agentId: 'bg2-f-agent' });
    expect((again.json() as { revision_hash: string }).revision_hash).toBe(dep.revision);
  });
});

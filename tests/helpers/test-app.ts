import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { createTestDatabase } from './test-db.js';

export { createTestDatabase };
import { createLogger, createRuntime } from '../../src/runtime.js';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { hashPassword } from '../../src/platform/auth.js';
import { authRepository } from '../../src/modules/auth/auth.repository.js';
import { bootstrapAdmin } from '../../src/modules/setup/setup.service.js';
import type { AppDeps } from '../../src/deps.js';
import { startScheduler, type Scheduler } from '../../src/workers/scheduler.js';

export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789';
export const TEST_SIGNING_SECRET = 'a'.repeat(64);
export const ADMIN_PASSWORD = 'correct-horse-battery-staple';

export interface TestApp extends BuiltApp {
  deps: AppDeps;
  config: Config;
  /** `app.inject` with the CSRF header added to mutating requests unless `csrf: false`. */
  request(opts: InjectOptions & { csrf?: boolean; cookie?: string; apiKey?: string; agentId?: string }): Promise<LightMyRequestResponse>;
  /** The first admin (via the real setup path) and a signed-in cookie. */
  admin(): Promise<Principal>;
  /** Another tenant with its own admin, for isolation tests. */
  otherTenant(): Promise<Principal>;
  /** A non-admin user in the admin's tenant. */
  member(): Promise<Principal>;
  /** Another admin in the admin's tenant (two-admin rules). */
  secondAdmin(): Promise<Principal>;
  apiKey(cookie: string, env?: string): Promise<string>;
  /** The running scheduler when created with `scheduler: true`. */
  scheduler(): Scheduler | null;
  /** Listen on a real socket (SSE tests); returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface Principal {
  cookie: string;
  tenantId: string;
  email: string;
}

export interface TestAppOptions {
  /** Extra EDICTUM_* settings. */
  env?: Record<string, string>;
  /** Use Redis (TEST_REDIS_URL) when it is configured; default true. */
  redis?: boolean;
  /** Reuse a database (two processes sharing one). */
  database?: { database: Database; url: string | undefined };
  /** Run the background jobs on their timers, with leader election, as main.ts does. */
  scheduler?: boolean;
  /** Where the log goes (a test that reads the log); stdout otherwise. */
  logStream?: { write(line: string): void };
}

export async function createTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const owned = opts.database ? null : await createTestDatabase();
  const db = opts.database ?? owned!;
  const dataDir = mkdtempSync(join(tmpdir(), 'edictum-test-'));
  const redisUrl = opts.redis === false ? undefined : process.env.TEST_REDIS_URL;
  const config = loadConfig({
    EDICTUM_DATA_DIR: dataDir,
    EDICTUM_SECRET_KEY: TEST_SECRET_KEY,
    EDICTUM_SIGNING_KEY_SECRET: TEST_SIGNING_SECRET,
    EDICTUM_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    EDICTUM_DATABASE_URL: db.url,
    EDICTUM_REDIS_URL: redisUrl,
    // A prefix per app keeps rate-limit counters and keys of parallel test files apart.
    EDICTUM_REDIS_PREFIX: `t${randomBytes(4).toString('hex')}:`,
    ...opts.env,
  });
  const logger = createLogger(config, opts.logStream);
  const runtime = await createRuntime(config, logger, { database: db.database });
  let scheduler: Scheduler | null = null;
  const built = await buildApp(runtime.deps, { isLeader: () => scheduler?.isLeader() ?? true });
  await built.app.ready();
  if (opts.scheduler) {
    scheduler = startScheduler({
      jobs: built.jobs,
      registry: runtime.deps.workers,
      logger: runtime.deps.logger,
      tryLeadership: () => runtime.deps.database.tryLeadership(),
      leaderCheckMs: 200,
    });
  }
  let adminP: Principal | null = null;
  let listening: string | null = null;

  const t: TestApp = {
    ...built,
    deps: runtime.deps,
    config,
    request(o) {
      const headers: Record<string, string> = { ...(o.headers as Record<string, string> | undefined) };
      const method = (o.method ?? 'GET').toUpperCase();
      if (o.csrf !== false && method !== 'GET' && !headers['x-requested-with']) headers['x-requested-with'] = 'XMLHttpRequest';
      if (o.cookie) headers.cookie = o.cookie;
      if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
      if (o.agentId) headers['x-edictum-agent-id'] = o.agentId;
      const { csrf: _c, cookie: _k, apiKey: _a, agentId: _g, ...rest } = o;
      return built.app.inject({ ...rest, headers });
    },
    async admin() {
      if (adminP) return adminP;
      const email = `admin-${randomBytes(3).toString('hex')}@example.com`;
      const out = await bootstrapAdmin(runtime.deps, { email, password: ADMIN_PASSWORD, tenantName: 'Default' });
      adminP = { cookie: await login(built.app, email, ADMIN_PASSWORD), tenantId: out.tenantId, email };
      return adminP;
    },
    async otherTenant() {
      return seedUser(runtime.deps, built.app, null, true);
    },
    async member() {
      const a = await t.admin();
      return seedUser(runtime.deps, built.app, a.tenantId, false);
    },
    async secondAdmin() {
      const a = await t.admin();
      return seedUser(runtime.deps, built.app, a.tenantId, true);
    },
    async apiKey(cookie, env = 'production') {
      const res = await t.request({ method: 'POST', url: '/api/v1/keys', cookie, payload: { env, label: 'test' } });
      if (res.statusCode !== 201) throw new Error(`key create failed: ${res.statusCode} ${res.body}`);
      return (res.json() as { key: string }).key;
    },
    async listen() {
      if (!listening) {
        await built.app.listen({ port: 0, host: '127.0.0.1' });
        const addr = built.app.server.address();
        if (!addr || typeof addr === 'string') throw new Error('no address');
        listening = `http://127.0.0.1:${addr.port}`;
      }
      return listening;
    },
    scheduler: () => scheduler,
    async close() {
      await scheduler?.stop();
      await built.app.close();
      await runtime.close();
      if (owned) await owned.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

export async function login(app: FastifyInstance, email: string, password: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'edictum_session');
  if (!cookie) throw new Error('no session cookie');
  return `edictum_session=${cookie.value}`;
}

// A cheap bcrypt cost for seeded users: the real cost (12) is exercised by the setup path.
async function seedUser(deps: AppDeps, app: FastifyInstance, tenantId: string | null, isAdmin: boolean): Promise<Principal> {
  const email = `user-${randomBytes(4).toString('hex')}@example.com`;
  const password = 'another-long-password';
  const db = deps.database.db;
  const tid = tenantId ?? (await authRepository.createTenant(db, `tenant-${randomBytes(4).toString('hex')}`)).id;
  await authRepository.createUser(db, { tenantId: tid, email, passwordHash: await hashPassword(password, 4), isAdmin });
  if (!tenantId) await db.transaction((tx) => deps.signing.ensureActive(tx, tid));
  return { cookie: await login(app, email, password), tenantId: tid, email };
}

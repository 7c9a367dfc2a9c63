import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger, createRuntime } from '../../src/runtime.js';
import { buildApp } from '../../src/app.js';
import { login } from '../helpers/test-app.js';
import { announceSetupLink, SETUP_URL_FILE } from '../../src/modules/setup/setup.token.js';

/**
 * The embedded mode is a real product: a console stopped and started again on the same data
 * dir keeps its users, keys, sessions and generated secrets.
 */
async function start(dataDir: string) {
  const config = loadConfig({ EDICTUM_DATA_DIR: dataDir, EDICTUM_LOG_LEVEL: 'silent' });
  const runtime = await createRuntime(config, createLogger(config));
  await runtime.deps.database.migrate();
  const { app } = await buildApp(runtime.deps);
  await app.ready();
  await announceSetupLink(runtime.deps); // as main.ts does once listening
  return {
    app,
    async stop() {
      await app.close();
      await runtime.close();
    },
  };
}

describe('embedded mode survives a restart', () => {
  // Creating an on-disk PGlite cluster (initdb) takes seconds on a loaded 2-core machine.
  it('keeps the admin, the session, API keys and secrets on the same data dir', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edictum-restart-'));
    try {
      const first = await start(dir);
      // The unclaimed console left its setup link in the data dir, readable by its owner only.
      const linkFile = join(dir, SETUP_URL_FILE);
      expect(statSync(linkFile).mode & 0o777).toBe(0o600);
      const link = new URL(readFileSync(linkFile, 'utf8').trim());
      expect(link.pathname).toBe('/dashboard/setup');
      const setup = await first.app.inject({
        method: 'POST',
        url: '/api/v1/setup',
        headers: { 'x-requested-with': '1' },
        payload: { email: 'owner@example.com', password: 'restart-password-1', setup_token: link.searchParams.get('token') },
      });
      expect(setup.statusCode).toBe(201);
      expect(existsSync(linkFile)).toBe(false);
      const cookie = await login(first.app, 'owner@example.com', 'restart-password-1');
      const key = await first.app.inject({
        method: 'POST',
        url: '/api/v1/keys',
        headers: { cookie, 'x-requested-with': '1' },
        payload: { env: 'production', label: 'survivor' },
      });
      expect(key.statusCode).toBe(201);
      await first.stop();

      const second = await start(dir);
      try {
        expect(existsSync(linkFile)).toBe(false); // a claimed console writes no link
        const me = await second.app.inject({ url: '/api/v1/auth/me', headers: { cookie } });
        expect(me.statusCode).toBe(200);
        expect(me.json()).toMatchObject({ email: 'owner@example.com' });
        const keys = await second.app.inject({ url: '/api/v1/keys', headers: { cookie } });
        expect((keys.json() as { label: string }[]).map((k) => k.label)).toEqual(['survivor']);
        expect((await second.app.inject({ url: '/api/v1/health' })).json()).toMatchObject({ status: 'ok', bootstrap_complete: true });
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

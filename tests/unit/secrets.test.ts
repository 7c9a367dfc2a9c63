import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { resolveSecrets } from '../../src/platform/secrets.js';

const quiet = { warn: () => undefined };

function warnings() {
  const seen: string[] = [];
  return { logger: { warn: (_o: object, msg: string) => void seen.push(msg) }, seen };
}

describe('secrets', () => {
  it('generates missing secrets once into the data dir with mode 0600 and reuses them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edictum-secrets-'));
    const w = warnings();
    const first = resolveSecrets(loadConfig({ EDICTUM_DATA_DIR: dir }), w.logger);
    expect(first.secretKey).toMatch(/^[0-9a-f]{64}$/);
    expect(first.signingKeySecret).toMatch(/^[0-9a-f]{64}$/);
    expect(w.seen.length).toBe(2);
    expect(w.seen[0]).toContain('EDICTUM_SECRET_KEY');
    const file = join(dir, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = warnings();
    const second = resolveSecrets(loadConfig({ EDICTUM_DATA_DIR: dir }), again.logger);
    expect(second).toEqual(first);
    expect(again.seen).toEqual([]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ EDICTUM_SECRET_KEY: first.secretKey });
  });

  it('uses secrets from the environment without writing anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edictum-secrets-'));
    const s = resolveSecrets(
      loadConfig({ EDICTUM_DATA_DIR: dir, EDICTUM_SECRET_KEY: 'x'.repeat(40), EDICTUM_SIGNING_KEY_SECRET: 'b'.repeat(64) }),
      quiet,
    );
    expect(s).toEqual({ secretKey: 'x'.repeat(40), signingKeySecret: 'b'.repeat(64) });
    expect(() => statSync(join(dir, 'secrets.json'))).toThrow();
  });

  it('stops in production when a secret is missing, naming it and how to make one', () => {
    const cfg = loadConfig({ EDICTUM_ENV_NAME: 'production', EDICTUM_SIGNING_KEY_SECRET: 'c'.repeat(64) });
    expect(() => resolveSecrets(cfg, quiet)).toThrow(/EDICTUM_SECRET_KEY is not set; generate one with: openssl rand -hex 32/);
  });

  it('refuses a short session secret and a malformed signing secret in any mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edictum-secrets-'));
    expect(() => resolveSecrets(loadConfig({ EDICTUM_DATA_DIR: dir, EDICTUM_SECRET_KEY: 'short' }), quiet)).toThrow(
      /EDICTUM_SECRET_KEY must be at least 32 characters/,
    );
    expect(() => resolveSecrets(loadConfig({ EDICTUM_DATA_DIR: dir, EDICTUM_SIGNING_KEY_SECRET: 'zz' }), quiet)).toThrow(
      /EDICTUM_SIGNING_KEY_SECRET must be exactly 64 hex characters/,
    );
  });
});

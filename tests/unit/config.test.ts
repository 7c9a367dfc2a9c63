import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('defaults to the embedded mode on port 8000 with ./data', () => {
    const c = loadConfig({});
    expect(c.storage).toBe('embedded');
    expect(c.port).toBe(8000);
    expect(c.dataDir).toBe('./data');
    expect(c.baseUrl).toBe('http://localhost:8000');
    expect(c.secretKey).toBeUndefined();
    expect(c.signingKeySecret).toBeUndefined();
  });

  it('listens on loopback in embedded mode and on every interface in server mode, unless told', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ EDICTUM_DATABASE_URL: 'postgresql://x@db/e' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '::', EDICTUM_HOST: '192.0.2.1' }).host).toBe('192.0.2.1');
  });

  it('knows whether the data dir was given, and takes a setup token for automated installs', () => {
    expect(loadConfig({}).dataDirSet).toBe(false);
    expect(loadConfig({ EDICTUM_DATA_DIR: '/data' })).toMatchObject({ dataDir: '/data', dataDirSet: true });
    expect(loadConfig({ EDICTUM_SETUP_TOKEN: 'a-token-of-20-chars!' }).setupToken).toBe('a-token-of-20-chars!');
    expect(() => loadConfig({ EDICTUM_SETUP_TOKEN: 'has a space in it ....' })).toThrow(/EDICTUM_SETUP_TOKEN: must be printable ASCII/);
  });

  it('falls back to DATABASE_URL and REDIS_URL and normalises the reference URL form', () => {
    const c = loadConfig({ DATABASE_URL: 'postgresql+asyncpg://u@h/db', REDIS_URL: 'redis://r:6379' });
    expect(c.storage).toBe('server');
    expect(c.databaseUrl).toBe('postgresql://u@h/db');
    expect(c.redisUrl).toBe('redis://r:6379');
  });

  it('prefers the EDICTUM_ names over the fallbacks', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://a/a', EDICTUM_DATABASE_URL: 'postgres://b/b' });
    expect(c.databaseUrl).toBe('postgresql://b/b');
  });

  it('names the variable when a value is invalid', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ EDICTUM_SESSION_TTL_HOURS: '0' })).toThrow(/EDICTUM_SESSION_TTL_HOURS/);
    expect(() => loadConfig({ EDICTUM_LOG_LEVEL: 'loud' })).toThrow(/EDICTUM_LOG_LEVEL/);
  });

  it('checks the outbound allow list at start, naming the bad entry', () => {
    expect(loadConfig({ EDICTUM_OUTBOUND_ALLOW: '127.0.0.1, 10.0.0.0/8,Hooks.Internal.' }).outbound.allow).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      'hooks.internal',
    ]);
    expect(() => loadConfig({ EDICTUM_OUTBOUND_ALLOW: '10.0.0.0/33' })).toThrow(ConfigError);
    expect(() => loadConfig({ EDICTUM_OUTBOUND_ALLOW: 'hooks.internal,http://x' })).toThrow(/EDICTUM_OUTBOUND_ALLOW: "http:\/\/x"/);
  });

  it('refuses a wildcard CORS origin', () => {
    expect(() => loadConfig({ EDICTUM_CORS_ORIGINS: 'https://a.example,*' })).toThrow(ConfigError);
  });

  it('marks https base URLs and production', () => {
    const c = loadConfig({ EDICTUM_BASE_URL: 'https://console.example.com/', EDICTUM_ENV_NAME: 'production' });
    expect(c.baseUrl).toBe('https://console.example.com');
    expect(c.baseUrlHttps).toBe(true);
    expect(c.production).toBe(true);
  });
});

import { z } from 'zod';
import { parseOutboundAllow } from './platform/ssrf-safe-fetch.js';

/**
 * The process environment, parsed once. Every setting is documented in docs/configuration.md.
 * Secrets have no defaults: `resolveSecrets` (src/platform/secrets.ts) fills them in embedded
 * development mode and refuses to start in production without them.
 */

const intFrom = (def: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? def : Number(v)),
    z.number().int().min(min).max(max),
  );

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const EnvSchema = z.object({
  PORT: intFrom(8000, 0, 65535),
  EDICTUM_HOST: optionalString,
  HOST: optionalString,
  EDICTUM_DATABASE_URL: optionalString,
  DATABASE_URL: optionalString,
  EDICTUM_REDIS_URL: optionalString,
  REDIS_URL: optionalString,
  EDICTUM_REDIS_PREFIX: z.string().max(64).regex(/^[A-Za-z0-9:_.-]*$/).default(''),
  EDICTUM_DATA_DIR: optionalString,
  EDICTUM_SECRET_KEY: optionalString,
  EDICTUM_SIGNING_KEY_SECRET: optionalString,
  EDICTUM_ADMIN_EMAIL: optionalString,
  EDICTUM_ADMIN_PASSWORD: optionalString,
  EDICTUM_AUTH_PROVIDER: z.string().default('local'),
  EDICTUM_BASE_URL: optionalString,
  EDICTUM_SETUP_TOKEN: optionalString.pipe(
    z
      .string()
      .min(16, 'must be at least 16 characters')
      .max(256, 'must be at most 256 characters')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .optional(),
  ),
  EDICTUM_SESSION_TTL_HOURS: intFrom(24, 1, 24 * 7),
  EDICTUM_RATE_LIMIT_MAX_ATTEMPTS: intFrom(10, 1, 10_000),
  EDICTUM_RATE_LIMIT_WINDOW_SECONDS: intFrom(300, 1, 86_400),
  EDICTUM_CORS_ORIGINS: csv,
  EDICTUM_ENV_NAME: z.string().default('development'),
  EDICTUM_LOG_LEVEL: z
    .string()
    .default('info')
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])),
  EDICTUM_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  EDICTUM_TRUSTED_PROXIES: csv,
  EDICTUM_API_V1_RULESET_AGENTS: csv,
  EDICTUM_STATIC_DIR: optionalString,
  EDICTUM_DB_POOL_SIZE: intFrom(20, 1, 500),
  EDICTUM_OUTBOUND_ALLOW: csv,
  EDICTUM_OUTBOUND_TIMEOUT_MS: intFrom(10_000, 100, 120_000),
  /** AI provider calls: time to the first byte and between streamed chunks (docs/assistant.md). */
  EDICTUM_AI_TIMEOUT_MS: intFrom(60_000, 100, 600_000),
  EDICTUM_TELEGRAM_API_BASE: z.string().url().default('https://api.telegram.org'),
  EDICTUM_SLACK_API_BASE: z.string().url().default('https://slack.com/api'),
  EDICTUM_DISCORD_API_BASE: z.string().url().default('https://discord.com/api/v10'),
  EDICTUM_SSE_KEEPALIVE_SECONDS: intFrom(15, 1, 110),
  EDICTUM_APPROVAL_TIMEOUT_INTERVAL_SECONDS: intFrom(10, 1, 3600),
  EDICTUM_SHUTDOWN_GRACE_SECONDS: intFrom(10, 1, 300),
  EDICTUM_EVENTS_SEARCH_SCAN: intFrom(10_000, 10, 1_000_000),
  EDICTUM_AUDIT_CHAIN: z.enum(['on', 'off']).default('on'),
  EDICTUM_AUDIT_CHECKPOINT_MINUTES: intFrom(15, 1, 1440),
  EDICTUM_AUDIT_OTLP_URL: optionalString.pipe(z.string().url().optional()),
  EDICTUM_AUDIT_OTLP_INTERVAL_SECONDS: intFrom(10, 1, 3600),
  EDICTUM_EVENTS_SEARCH_INDEX: z.enum(['on', 'off']).default('on'),
  EDICTUM_EVENTS_SEARCH_COUNT_CAP: intFrom(20_000, 10, 10_000_000),
});

export type StorageMode = 'embedded' | 'server';

export interface Config {
  port: number;
  host: string;
  storage: StorageMode;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Prefix for every Redis key and channel (several consoles, or test runs, sharing one Redis). */
  redisPrefix: string;
  dataDir: string;
  /** Whether EDICTUM_DATA_DIR was given (server mode writes files there only then). */
  dataDirSet: boolean;
  /** EDICTUM_SETUP_TOKEN: the token that claims a fresh console (else derived; setup.token.ts). */
  setupToken: string | undefined;
  secretKey: string | undefined;
  signingKeySecret: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  authProvider: string;
  baseUrl: string;
  baseUrlHttps: boolean;
  sessionTtlSeconds: number;
  loginRateLimit: { max: number; windowSeconds: number };
  corsOrigins: string[];
  envName: string;
  production: boolean;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  logFormat: 'auto' | 'json' | 'pretty';
  trustedProxies: string[];
  /** Agent-id globs served `kind: Ruleset` on /api/v1 (the in-between SDK releases, docs/agents.md). */
  apiV1RulesetAgents: string[];
  staticDir: string | undefined;
  dbPoolSize: number;
  outbound: { allow: string[]; timeoutMs: number };
  /** AI provider calls (the contract assistant): idle timeout, ms. */
  aiTimeoutMs: number;
  chatApi: { telegram: string; slack: string; discord: string };
  sseKeepaliveSeconds: number;
  approvalTimeoutIntervalSeconds: number;
  shutdownGraceSeconds: number;
  /** Events one free-text search request walks before it answers with a cursor (events.read-service). */
  eventsSearchScan: number;
  /** Chain ingested events (EDICTUM_AUDIT_CHAIN; `off` exists for the ingest benchmark's comparison). */
  auditChain: boolean;
  /** Minutes between signed checkpoints of each tenant's chain head (leader job). */
  auditCheckpointMinutes: number;
  /** OTLP/HTTP logs endpoint (…/v1/logs) for continuous export of the audit log; undefined = off. */
  auditOtlp: { url: string | undefined; intervalSeconds: number };
  /** Whether searches may use the trigram index (migration 0013) when the database has it. */
  eventsSearchIndex: boolean;
  /** Matches a searched histogram or facet count covers (the newest); beyond it they are labelled approximate. */
  eventsSearchCountCap: number;
}

export class ConfigError extends Error {}

/** Normalises `postgresql+asyncpg://` (the reference's form) to a URL node-postgres accepts. */
function normaliseDatabaseUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return url.replace(/^postgresql\+asyncpg:\/\//, 'postgresql://').replace(/^postgres:\/\//, 'postgresql://');
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.EDICTUM_CORS_ORIGINS.includes('*')) {
    throw new ConfigError('EDICTUM_CORS_ORIGINS must list origins explicitly; "*" is not allowed.');
  }
  const databaseUrl = normaliseDatabaseUrl(e.EDICTUM_DATABASE_URL ?? e.DATABASE_URL);
  const redisUrl = e.EDICTUM_REDIS_URL ?? e.REDIS_URL;
  let outboundAllow: string[];
  try {
    outboundAllow = parseOutboundAllow(e.EDICTUM_OUTBOUND_ALLOW.join(','));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message} (a comma-separated list of hostnames, IP addresses and CIDRs).`);
  }
  const storage: StorageMode = databaseUrl ? 'server' : 'embedded';
  const baseUrl = (e.EDICTUM_BASE_URL ?? `http://localhost:${e.PORT || 8000}`).replace(/\/+$/, '');
  try {
    new URL(baseUrl);
  } catch {
    throw new ConfigError(`EDICTUM_BASE_URL is not a valid URL: ${baseUrl}`);
  }
  return {
    port: e.PORT,
    // A fresh embedded console (npm start) listens on loopback only unless told otherwise, so
    // nobody else on the network reaches it before it is claimed; server mode runs behind a
    // proxy or in a container and listens on every interface.
    host: e.EDICTUM_HOST ?? e.HOST ?? (storage === 'embedded' ? '127.0.0.1' : '0.0.0.0'),
    storage,
    databaseUrl,
    redisUrl,
    redisPrefix: e.EDICTUM_REDIS_PREFIX,
    dataDir: e.EDICTUM_DATA_DIR ?? './data',
    dataDirSet: e.EDICTUM_DATA_DIR !== undefined,
    setupToken: e.EDICTUM_SETUP_TOKEN,
    secretKey: e.EDICTUM_SECRET_KEY,
    signingKeySecret: e.EDICTUM_SIGNING_KEY_SECRET,
    adminEmail: e.EDICTUM_ADMIN_EMAIL,
    adminPassword: e.EDICTUM_ADMIN_PASSWORD,
    authProvider: e.EDICTUM_AUTH_PROVIDER,
    baseUrl,
    baseUrlHttps: baseUrl.startsWith('https://'),
    sessionTtlSeconds: e.EDICTUM_SESSION_TTL_HOURS * 3600,
    loginRateLimit: { max: e.EDICTUM_RATE_LIMIT_MAX_ATTEMPTS, windowSeconds: e.EDICTUM_RATE_LIMIT_WINDOW_SECONDS },
    corsOrigins: e.EDICTUM_CORS_ORIGINS,
    envName: e.EDICTUM_ENV_NAME,
    production: e.EDICTUM_ENV_NAME === 'production',
    logLevel: e.EDICTUM_LOG_LEVEL,
    logFormat: e.EDICTUM_LOG_FORMAT,
    trustedProxies: e.EDICTUM_TRUSTED_PROXIES,
    apiV1RulesetAgents: e.EDICTUM_API_V1_RULESET_AGENTS,
    staticDir: e.EDICTUM_STATIC_DIR,
    dbPoolSize: e.EDICTUM_DB_POOL_SIZE,
    outbound: { allow: outboundAllow, timeoutMs: e.EDICTUM_OUTBOUND_TIMEOUT_MS },
    aiTimeoutMs: e.EDICTUM_AI_TIMEOUT_MS,
    chatApi: {
      telegram: e.EDICTUM_TELEGRAM_API_BASE.replace(/\/+$/, ''),
      slack: e.EDICTUM_SLACK_API_BASE.replace(/\/+$/, ''),
      discord: e.EDICTUM_DISCORD_API_BASE.replace(/\/+$/, ''),
    },
    sseKeepaliveSeconds: e.EDICTUM_SSE_KEEPALIVE_SECONDS,
    approvalTimeoutIntervalSeconds: e.EDICTUM_APPROVAL_TIMEOUT_INTERVAL_SECONDS,
    shutdownGraceSeconds: e.EDICTUM_SHUTDOWN_GRACE_SECONDS,
    eventsSearchScan: e.EDICTUM_EVENTS_SEARCH_SCAN,
    auditChain: e.EDICTUM_AUDIT_CHAIN === 'on',
    auditCheckpointMinutes: e.EDICTUM_AUDIT_CHECKPOINT_MINUTES,
    auditOtlp: { url: e.EDICTUM_AUDIT_OTLP_URL, intervalSeconds: e.EDICTUM_AUDIT_OTLP_INTERVAL_SECONDS },
    eventsSearchIndex: e.EDICTUM_EVENTS_SEARCH_INDEX === 'on',
    eventsSearchCountCap: e.EDICTUM_EVENTS_SEARCH_COUNT_CAP,
  };
}

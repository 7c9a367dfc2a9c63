import { mkdirSync, readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';

export interface ResolvedSecrets {
  secretKey: string;
  signingKeySecret: string;
}

interface Logger {
  warn(obj: object, msg: string): void;
}

const SECRETS_FILE = 'secrets.json';

const HOW_TO = {
  EDICTUM_SECRET_KEY: 'generate one with: openssl rand -hex 32',
  EDICTUM_SIGNING_KEY_SECRET: 'generate one with: openssl rand -hex 32 (exactly 64 hex characters)',
};

function problemWith(name: keyof typeof HOW_TO, value: string | undefined): string | null {
  if (!value) return `${name} is not set; ${HOW_TO[name]}`;
  if (name === 'EDICTUM_SECRET_KEY' && value.length < 32) {
    return `${name} must be at least 32 characters; ${HOW_TO[name]}`;
  }
  if (name === 'EDICTUM_SIGNING_KEY_SECRET' && !/^[0-9a-fA-F]{64}$/.test(value)) {
    return `${name} must be exactly 64 hex characters (32 bytes); ${HOW_TO[name]}`;
  }
  return null;
}

/**
 * No secret has a default (architecture decision 14). Outside production, a missing secret is
 * generated once into `<data dir>/secrets.json` (mode 0600) and reused on every start; in
 * production a missing or malformed secret stops the process with a message naming it.
 * A secret that is set but malformed is always an error: silently replacing it would
 * invalidate every session and encrypted value.
 */
export function resolveSecrets(config: Config, logger: Logger): ResolvedSecrets {
  const given = { EDICTUM_SECRET_KEY: config.secretKey, EDICTUM_SIGNING_KEY_SECRET: config.signingKeySecret };
  const problems: string[] = [];
  for (const name of Object.keys(given) as (keyof typeof given)[]) {
    const value = given[name];
    const problem = problemWith(name, value);
    if (problem && (value !== undefined || config.production)) problems.push(problem);
  }
  if (problems.length > 0) {
    throw new ConfigError(`Cannot start: ${problems.join('; ')}.`);
  }
  if (given.EDICTUM_SECRET_KEY && given.EDICTUM_SIGNING_KEY_SECRET) {
    return { secretKey: given.EDICTUM_SECRET_KEY, signingKeySecret: given.EDICTUM_SIGNING_KEY_SECRET };
  }

  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, SECRETS_FILE);
  let stored: Partial<Record<keyof typeof given, string>> = {};
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
    } catch {
      throw new ConfigError(`${file} is not valid JSON; fix or delete it (deleting signs everyone out).`);
    }
  }
  let changed = false;
  const out = { ...stored };
  for (const name of Object.keys(given) as (keyof typeof given)[]) {
    if (given[name]) {
      out[name] = given[name];
      continue;
    }
    if (!stored[name] || problemWith(name, stored[name])) {
      out[name] = randomBytes(32).toString('hex');
      changed = true;
      logger.warn(
        { secret: name, file },
        `${name} was not set; generated one and stored it in ${file}. Set ${name} explicitly for production or when running several processes.`,
      );
    }
  }
  if (changed) {
    const toStore: Record<string, string> = {};
    for (const name of Object.keys(given) as (keyof typeof given)[]) {
      if (!given[name] && out[name]) toStore[name] = out[name];
    }
    writeFileSync(file, JSON.stringify({ ...stored, ...toStore }, null, 2), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { secretKey: out.EDICTUM_SECRET_KEY!, signingKeySecret: out.EDICTUM_SIGNING_KEY_SECRET! };
}

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppDeps } from '../../deps.js';
import { forbidden } from '../../platform/errors.js';
import { authRepository } from '../auth/auth.repository.js';

/** The file in the data dir holding the setup link until the console is claimed. */
export const SETUP_URL_FILE = 'setup-url';

type TokenDeps = Pick<AppDeps, 'config' | 'secrets'>;

/**
 * The one-time token that claims a fresh console. `EDICTUM_SETUP_TOKEN` sets it; otherwise it is
 * derived from the secret key, so every process of one deployment (they share the secret key)
 * and every restart agree on it without storing anything, and it stops working the moment an
 * admin exists (the setup route refuses once any user does).
 */
export function setupToken(deps: TokenDeps): { token: string; fromEnv: boolean } {
  if (deps.config.setupToken) return { token: deps.config.setupToken, fromEnv: true };
  const mac = createHmac('sha256', deps.secrets.secretKey).update('edictum.setup-token.v1').digest();
  return { token: mac.subarray(0, 24).toString('base64url'), fromEnv: false };
}

export function setupLink(deps: TokenDeps, token: string): string {
  return `${deps.config.baseUrl}/dashboard/setup?token=${encodeURIComponent(token)}`;
}

/** 403 naming the token unless `given` is the setup token; compared in constant time. */
export function assertSetupToken(deps: TokenDeps, given: string | undefined): void {
  const where = 'open the setup link printed in the console log (or stored in <data dir>/setup-url)';
  if (!given) throw forbidden(`setup_token is required: ${where}.`, 'setup.token_missing');
  // Hash both sides so the comparison is constant-time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(setupToken(deps).token).digest();
  if (!timingSafeEqual(a, b)) throw forbidden(`setup_token is wrong: ${where}.`, 'setup.token_invalid');
}

/** Where the link is written: always in embedded mode; in server mode only when a data dir is set. */
function linkFile(deps: TokenDeps): string | null {
  const { config } = deps;
  if (config.storage === 'server' && !config.dataDirSet) return null;
  return join(config.dataDir, SETUP_URL_FILE);
}

/**
 * At start-up: while no admin exists, log the setup link on one line and write it (0600) to the
 * data dir; once claimed, remove the file. A token from the environment is not echoed back: the
 * operator who set it already has it, and logs travel further than the environment.
 */
export async function announceSetupLink(deps: AppDeps): Promise<void> {
  const file = linkFile(deps);
  if ((await authRepository.countUsers(deps.database.db)) > 0) {
    if (file) rmSync(file, { force: true });
    return;
  }
  const { token, fromEnv } = setupToken(deps);
  if (fromEnv) {
    deps.logger.warn(
      { setup_url: setupLink(deps, '<EDICTUM_SETUP_TOKEN>') },
      `No admin yet: claim this console at ${setupLink(deps, '<EDICTUM_SETUP_TOKEN>')} with the token from EDICTUM_SETUP_TOKEN`,
    );
    return;
  }
  const link = setupLink(deps, token);
  if (file) {
    try {
      mkdirSync(deps.config.dataDir, { recursive: true });
      writeFileSync(file, `${link}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
    } catch (err) {
      deps.logger.warn({ err, file }, 'could not write the setup link to the data dir');
    }
  }
  deps.logger.warn({ setup_url: link }, `No admin yet: claim this console at ${link}`);
}

/** After the first admin is created: the link in the data dir is dead, so it goes. */
export function forgetSetupLink(deps: TokenDeps): void {
  const file = linkFile(deps);
  if (file) rmSync(file, { force: true });
}

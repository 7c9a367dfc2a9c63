import { sql } from 'drizzle-orm';
import type { AppDeps } from '../../deps.js';
import { LOCKS } from '../../db/client.js';
import { conflict } from '../../platform/errors.js';
import { hashPassword } from '../../platform/auth.js';
import { authRepository } from '../auth/auth.repository.js';
import { recordActivity, type Actor } from '../activity/activity.service.js';

export interface BootstrapInput {
  email: string;
  password: string;
  tenantName: string;
}

/**
 * The first admin, created once (console-api.md 7.1): the wizard and the environment bootstrap
 * share one advisory lock and the "no users yet" check, so two racing requests or two processes
 * starting at once cannot both create an admin.
 */
export async function bootstrapAdmin(deps: AppDeps, input: BootstrapInput, from: Pick<Actor, 'source' | 'ip' | 'userAgent'> = { source: 'system', ip: null, userAgent: null }) {
  const passwordHash = await hashPassword(input.password); // never inside the transaction
  return deps.database.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCKS.bootstrap})`);
    if ((await authRepository.countUsers(tx)) > 0) throw conflict('Server is already set up.', 'setup.already_done');
    const tenant = await authRepository.createTenant(tx, input.tenantName);
    const user = await authRepository.createUser(tx, {
      tenantId: tenant.id,
      email: input.email,
      passwordHash,
      isAdmin: true,
    });
    await deps.signing.ensureActive(tx, tenant.id);
    const actor: Actor = { ...from, tenantId: tenant.id, actor: user.email, actorType: 'user', actorId: user.id };
    await recordActivity(tx, actor, { action: 'setup.complete', target: `user:${user.id}`, detail: { tenant_name: input.tenantName } });
    return { userId: user.id, tenantId: tenant.id };
  });
}

/** Start-up bootstrap from EDICTUM_ADMIN_EMAIL / EDICTUM_ADMIN_PASSWORD, when no user exists. */
export async function bootstrapFromEnv(deps: AppDeps): Promise<void> {
  const { adminEmail, adminPassword } = deps.config;
  if (!adminEmail || !adminPassword) return;
  if (adminPassword.length < 12) {
    deps.logger.error('EDICTUM_ADMIN_PASSWORD must be at least 12 characters; admin bootstrap skipped.');
    return;
  }
  if ((await authRepository.countUsers(deps.database.db)) > 0) return;
  try {
    await bootstrapAdmin(deps, { email: adminEmail, password: adminPassword, tenantName: 'default' });
    deps.logger.info({ email: adminEmail }, 'created the first admin from the environment');
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 409) throw err;
  }
}

/** Every tenant has an active signing key (backfill at start-up). */
export async function backfillSigningKeys(deps: AppDeps): Promise<void> {
  const { db } = deps.database;
  for (const tenantId of await authRepository.listTenantIds(db)) {
    await db.transaction((tx) => deps.signing.ensureActive(tx, tenantId));
  }
}

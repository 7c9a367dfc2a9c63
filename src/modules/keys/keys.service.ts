import type { AppDeps } from '../../deps.js';
import { generateApiKey } from '../../platform/auth.js';
import { notFound } from '../../platform/errors.js';
import type { ApiKeyCache } from '../../platform/api-key-cache.js';
import type { Publisher } from '../../platform/publisher.js';
import { keysRepository } from './keys.repository.js';
import type { ApiKeySummaryT, CreatedApiKeyT } from './keys.schemas.js';
import { recordActivity, type Actor } from '../activity/activity.service.js';
import type { DbOrTx } from '../../db/client.js';

export type KeysService = ReturnType<typeof createKeysService>;

export function createKeysService(deps: AppDeps, publish: Publisher, cache: ApiKeyCache) {
  const { db } = deps.database;
  async function revokeIn(tx: DbOrTx, actor: Actor, id: string, detail: Record<string, unknown>): Promise<boolean> {
    if (!(await keysRepository.revoke(tx, actor.tenantId, id, deps.now()))) return false;
    await recordActivity(tx, actor, { action: 'api_key.revoke', target: `api_key:${id}`, detail });
    return true;
  }
  const service = {
    async create(actor: Actor, env: string, label: string | null): Promise<CreatedApiKeyT> {
      const { tenantId } = actor;
      const { key, prefix } = generateApiKey(env);
      const row = await db.transaction(async (tx) => {
        const r = await keysRepository.insert(tx, { tenantId, keyPrefix: prefix, keyHash: deps.apiKeys.hash(key), env, label });
        await recordActivity(tx, actor, { action: 'api_key.create', target: `api_key:${r.id}`, detail: { prefix, env, label } });
        return r;
      });
      await publish.dashboard(tenantId, 'api_key_created', { key_id: row.id, env, label });
      return { id: row.id, key, prefix, env, label: row.label, created_at: row.createdAt.toISOString() };
    },
    async list(tenantId: string): Promise<ApiKeySummaryT[]> {
      const rows = await keysRepository.listActive(db, tenantId);
      return rows.map((r) => ({
        id: r.id,
        prefix: r.keyPrefix,
        env: r.env,
        label: r.label,
        created_at: r.createdAt.toISOString(),
        last_used_at: r.lastUsedAt?.toISOString() ?? null,
      }));
    },
    async revoke(actor: Actor, id: string): Promise<void> {
      const { tenantId } = actor;
      const done = await db.transaction((tx) => revokeIn(tx, actor, id, {}));
      if (!done) throw notFound('API key not found or already revoked.', 'keys.not_found');
      await afterRevoke(tenantId, id);
    },

    /**
     * Revokes inside the caller's transaction (break-glass quarantine revokes with its switch);
     * the caller runs afterRevoke once committed. False when the key was not live.
     */
    revokeIn,

    afterRevoke,
  };
  return service;

  /** After commit: the key stops working everywhere and its streams close on every process. */
  async function afterRevoke(tenantId: string, id: string): Promise<void> {
    // Refused from the next request on in this process; other processes evict on the message.
    cache.evict(id);
    await publish.dashboard(tenantId, 'api_key_revoked', { key_id: id });
    // Streams opened with this key close at once, in every process.
    await publish.control(tenantId, 'api_key_revoked', { key_id: id });
  }
}

import type { AppDeps } from '../../deps.js';
import { generateApiKey } from '../../platform/auth.js';
import { notFound } from '../../platform/errors.js';
import type { ApiKeyCache } from '../../platform/api-key-cache.js';
import type { Publisher } from '../../platform/publisher.js';
import { keysRepository } from './keys.repository.js';
import type { ApiKeySummaryT, CreatedApiKeyT } from './keys.schemas.js';

export function createKeysService(deps: AppDeps, publish: Publisher, cache: ApiKeyCache) {
  const { db } = deps.database;
  return {
    async create(tenantId: string, env: string, label: string | null): Promise<CreatedApiKeyT> {
      const { key, prefix } = generateApiKey(env);
      const row = await keysRepository.insert(db, { tenantId, keyPrefix: prefix, keyHash: deps.apiKeys.hash(key), env, label });
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
    async revoke(tenantId: string, id: string): Promise<void> {
      if (!(await keysRepository.revoke(db, tenantId, id, deps.now()))) {
        throw notFound('API key not found or already revoked.', 'keys.not_found');
      }
      // Refused from the next request on in this process; other processes evict on the message.
      cache.evict(id);
      await publish.dashboard(tenantId, 'api_key_revoked', { key_id: id });
      // Streams opened with this key close at once, in every process.
      await publish.control(tenantId, 'api_key_revoked', { key_id: id });
    },
  };
}

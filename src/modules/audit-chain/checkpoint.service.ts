import type { AppDeps } from '../../deps.js';
import { toBase64, toHex } from '../../platform/crypto.js';
import type { Job } from '../../workers/scheduler.js';
import { checkpointMessage } from './chain.hash.js';
import { chainRepository } from './chain.repository.js';

export interface CheckpointResult {
  seq: number;
  head_hash: string;
  signed_at: string;
  public_key: string;
  signature: string;
}

/**
 * Signed checkpoints: the tenant's active Ed25519 key signs "chain of tenant T has N entries
 * ending in hash H, at time S". Whoever holds the public key can then tell that nothing up to
 * entry N was rewritten after S, even by someone able to recompute every hash (a rewrite of the
 * chain would have to forge the signature). Signing runs outside any transaction.
 */
export function createCheckpointer(deps: Pick<AppDeps, 'database' | 'signing' | 'now' | 'logger'>) {
  const { db } = deps.database;
  async function checkpoint(tenantId: string, reason: 'periodic' | 'deploy' | 'manual'): Promise<CheckpointResult | null> {
    const head = await chainRepository.head(db, tenantId);
    if (!head) return null;
    const key = await deps.signing.active(db, tenantId);
    if (!key) return null;
    // Milliseconds: the stored timestamptz keeps them exactly, so the signed text reads back alike.
    const signedAt = `${deps.now().toISOString().slice(0, 23)}000Z`;
    const message = checkpointMessage({ tenantId, seq: head.seq, headHash: head.headHash, signedAt });
    const signature = toBase64(deps.signing.sign(key, new TextEncoder().encode(message)));
    const publicKey = toHex(key.publicKey);
    await chainRepository.insertCheckpoint(db, tenantId, { seq: head.seq, headHash: head.headHash, signedAt, reason, keyId: key.id, publicKey, signature });
    return { seq: head.seq, head_hash: head.headHash, signed_at: signedAt, public_key: publicKey, signature };
  }

  /** Leader job: a checkpoint for every tenant whose chain grew since its last one. */
  function job(intervalMinutes: number): Job {
    return {
      name: 'audit-checkpoint',
      intervalMs: intervalMinutes * 60_000,
      leaderOnly: true,
      async run() {
        for (const tenantId of await chainRepository.tenantsNeedingCheckpoint(deps.database)) {
          try {
            await checkpoint(tenantId, 'periodic');
          } catch (err) {
            deps.logger.error({ err, tenantId }, 'audit checkpoint failed');
          }
        }
      },
    };
  }
  return { checkpoint, job };
}

export type Checkpointer = ReturnType<typeof createCheckpointer>;

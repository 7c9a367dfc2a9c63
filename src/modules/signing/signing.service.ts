import { randomUUID } from 'node:crypto';
import type { DbOrTx } from '../../db/client.js';
import { generateSigningKey, secretBoxDecrypt, secretBoxEncrypt, secretBoxKeyFromHex, signDetached } from '../../platform/crypto.js';
import { signingRepository, type SigningKeyRow } from './signing.repository.js';

/** Key material made outside any transaction, installed later with `install`. */
export interface PreparedKey {
  id: string;
  publicKey: Uint8Array;
  privateKeyEncrypted: Uint8Array;
}

/**
 * Ed25519 keys per tenant. Seeds are stored encrypted with SecretBox (nonce ‖ box) under
 * EDICTUM_SIGNING_KEY_SECRET, the same layout PyNaCl writes.
 *
 * Every change of a tenant's active key, and every write of a signature that must have been made
 * by the active key, happens under `lockTenant` in one transaction: so a deploy and a rotation
 * can never interleave into a deployment signed by a retired key (decision 2).
 */
export function createSigningService(signingKeySecretHex: string) {
  const boxKey = secretBoxKeyFromHex(signingKeySecretHex);
  const service = {
    /** New key material with its row id; pure, no I/O. */
    prepare(): PreparedKey {
      const pair = generateSigningKey();
      const key = { id: randomUUID(), publicKey: pair.publicKey, privateKeyEncrypted: secretBoxEncrypt(boxKey, pair.seed) };
      pair.seed.fill(0);
      return key;
    },
    /** Make `key` the only active key. Call inside a transaction that holds `lockTenant`. */
    async install(db: DbOrTx, tenantId: string, key: PreparedKey): Promise<SigningKeyRow> {
      await signingRepository.deactivateAll(db, tenantId);
      return signingRepository.insert(db, { tenantId, ...key });
    },
    lockTenant: (db: DbOrTx, tenantId: string) => signingRepository.lockTenant(db, tenantId),
    /** Make a new active key (deactivating any other). Call inside the caller's transaction. */
    async rotate(db: DbOrTx, tenantId: string): Promise<SigningKeyRow> {
      await signingRepository.lockTenant(db, tenantId);
      return service.install(db, tenantId, service.prepare());
    },
    /** The active key, created when the tenant has none. Call inside the caller's transaction. */
    async ensureActive(db: DbOrTx, tenantId: string): Promise<SigningKeyRow> {
      const existing = await signingRepository.active(db, tenantId);
      if (existing) return existing;
      await signingRepository.lockTenant(db, tenantId);
      // Re-read under the lock: a concurrent caller may have just made one.
      return (await signingRepository.active(db, tenantId)) ?? service.install(db, tenantId, service.prepare());
    },
    active: (db: DbOrTx, tenantId: string) => signingRepository.active(db, tenantId),
    /** Sign with a stored (or prepared) key. Never call inside a transaction. */
    sign(key: { privateKeyEncrypted: Uint8Array }, message: Uint8Array): Uint8Array {
      const seed = secretBoxDecrypt(boxKey, key.privateKeyEncrypted);
      try {
        return signDetached(seed, message);
      } finally {
        seed.fill(0);
      }
    },
  };
  return service;
}

export type SigningService = ReturnType<typeof createSigningService>;

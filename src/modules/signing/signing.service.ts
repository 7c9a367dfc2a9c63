import type { DbOrTx } from '../../db/client.js';
import { generateSigningKey, secretBoxDecrypt, secretBoxEncrypt, secretBoxKeyFromHex, signDetached } from '../../platform/crypto.js';
import { signingRepository } from './signing.repository.js';

/**
 * Ed25519 keys per tenant. Seeds are stored encrypted with SecretBox (nonce ‖ box) under
 * EDICTUM_SIGNING_KEY_SECRET, the same layout PyNaCl writes.
 */
export function createSigningService(signingKeySecretHex: string) {
  const boxKey = secretBoxKeyFromHex(signingKeySecretHex);
  return {
    /** Make a new active key (deactivating any other). Call inside the caller's transaction. */
    async rotate(db: DbOrTx, tenantId: string) {
      const pair = generateSigningKey();
      await signingRepository.deactivateAll(db, tenantId);
      return signingRepository.insert(db, {
        tenantId,
        publicKey: pair.publicKey,
        privateKeyEncrypted: secretBoxEncrypt(boxKey, pair.seed),
      });
    },
    async ensureActive(db: DbOrTx, tenantId: string) {
      return (await signingRepository.active(db, tenantId)) ?? this.rotate(db, tenantId);
    },
    active: (db: DbOrTx, tenantId: string) => signingRepository.active(db, tenantId),
    /** Sign with a stored key row. */
    sign(key: { privateKeyEncrypted: Uint8Array }, message: Uint8Array): Uint8Array {
      const seed = secretBoxDecrypt(boxKey, key.privateKeyEncrypted);
      return signDetached(seed, message);
    },
  };
}

export type SigningService = ReturnType<typeof createSigningService>;

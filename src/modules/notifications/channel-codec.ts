import { secretBoxDecrypt, secretBoxEncrypt, secretBoxKeyFromHex } from '../../platform/crypto.js';
import { unavailable } from '../../platform/errors.js';
import type { ChannelRow } from './channels.repository.js';

/**
 * Channel config at rest: SecretBox(EDICTUM_SIGNING_KEY_SECRET) of the UTF-8 JSON, nonce ‖ tag ‖
 * ciphertext (console-api.md 6.1), readable by the reference and by us. The plaintext `config`
 * column is only read for legacy rows and never written.
 */
export interface ConfigCodec {
  encrypt(config: Record<string, unknown>): Uint8Array;
  /** Throws when the row cannot be decrypted (e.g. the secret was changed). */
  decrypt(row: Pick<ChannelRow, 'configEncrypted' | 'config'>): Record<string, unknown>;
}

export function configCodec(signingKeySecret: string | undefined): ConfigCodec {
  const key = signingKeySecret ? secretBoxKeyFromHex(signingKeySecret) : null;
  const need = (): Uint8Array => {
    if (!key) throw unavailable('EDICTUM_SIGNING_KEY_SECRET is not configured; channel secrets cannot be stored.', 'notifications.no_secret');
    return key;
  };
  return {
    encrypt: (config) => secretBoxEncrypt(need(), Buffer.from(JSON.stringify(config), 'utf8')),
    decrypt(row) {
      if (row.configEncrypted) {
        const plain = secretBoxDecrypt(need(), row.configEncrypted);
        const value: unknown = JSON.parse(Buffer.from(plain).toString('utf8'));
        if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
        throw new Error('channel config is not an object');
      }
      if (row.config && typeof row.config === 'object' && !Array.isArray(row.config)) return row.config as Record<string, unknown>;
      return {};
    },
  };
}

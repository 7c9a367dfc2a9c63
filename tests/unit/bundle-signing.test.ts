import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  secretBoxDecrypt,
  secretBoxKeyFromHex,
  signDetached,
  verifyDetached,
} from '../../src/platform/crypto.js';
import { createSigningService, signEd25519 } from '../../src/modules/signing/signing.service.js';

const SECRET = 'b'.repeat(64);

describe('bundle signing primitives', () => {
  it('makes exactly the signature tweetnacl (and so PyNaCl) makes for the same seed and bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 4096 }), (seed, message) => {
        expect(Buffer.from(signEd25519(seed, message)).equals(Buffer.from(signDetached(seed, message)))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('signs with a prepared key so that its public key verifies, and nothing else does', () => {
    const signing = createSigningService(SECRET);
    const key = signing.prepare();
    const message = new Uint8Array(randomBytes(2048));
    const sig = signing.sign(key, message);
    expect(sig).toHaveLength(64);
    expect(verifyDetached(key.publicKey, message, sig)).toBe(true);
    const tampered = new Uint8Array(message);
    tampered[100] = tampered[100]! ^ 1;
    expect(verifyDetached(key.publicKey, tampered, sig)).toBe(false);
    expect(verifyDetached(generateSigningKey().publicKey, message, sig)).toBe(false);
  });

  it('stores the seed only encrypted (nonce ‖ box), openable with the right secret alone', () => {
    const signing = createSigningService(SECRET);
    const key = signing.prepare();
    expect(key.privateKeyEncrypted).toHaveLength(24 + 16 + 32);
    expect(key.id).toMatch(/^[0-9a-f-]{36}$/);
    const seed = secretBoxDecrypt(secretBoxKeyFromHex(SECRET), key.privateKeyEncrypted);
    expect(seed).toHaveLength(32);
    expect(() => secretBoxDecrypt(secretBoxKeyFromHex('c'.repeat(64)), key.privateKeyEncrypted)).toThrow('decryption failed');
    expect(() => createSigningService('c'.repeat(64)).sign(key, new Uint8Array(1))).toThrow(/EDICTUM_SIGNING_KEY_SECRET/);
  });

  it('prepares a different key every time', () => {
    const signing = createSigningService(SECRET);
    const keys = new Set(Array.from({ length: 5 }, () => Buffer.from(signing.prepare().publicKey).toString('hex')));
    expect(keys.size).toBe(5);
  });

  it('refuses a seed of the wrong length', () => {
    expect(() => signEd25519(new Uint8Array(31), new Uint8Array(1))).toThrow('32 bytes');
  });
});

import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  fromHex,
  generateSigningKey,
  hmacSha256Hex,
  publicKeyFromSeed,
  randomToken,
  safeEqual,
  secretBoxDecrypt,
  secretBoxEncrypt,
  secretBoxKeyFromHex,
  sha256Hex,
  signDetached,
  toBase64,
  toHex,
  verifyDetached,
} from '../../src/platform/crypto.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** How the agent SDK checks a bundle signature: raw key wrapped in an SPKI DER prefix. */
function nodeVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
  const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  return verify(null, message, key, signature);
}

describe('randomToken', () => {
  it('is URL-safe base64 without padding, 32 bytes by default', () => {
    const t = randomToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(t, 'base64url')).toHaveLength(32);
  });

  it('honours the byte count and is not repeated', () => {
    expect(Buffer.from(randomToken(16), 'base64url')).toHaveLength(16);
    const seen = new Set(Array.from({ length: 100 }, () => randomToken()));
    expect(seen.size).toBe(100);
  });

  it('rejects nonsense sizes', () => {
    expect(() => randomToken(0)).toThrow();
    expect(() => randomToken(1.5)).toThrow();
  });
});

describe('hashes', () => {
  it('sha256Hex matches the known vector for "abc"', () => {
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(sha256Hex(enc('abc'))).toBe(sha256Hex('abc'));
  });

  it('hmacSha256Hex matches RFC 4231 test case 2', () => {
    expect(hmacSha256Hex('Jefe', 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    expect(hmacSha256Hex(enc('Jefe'), enc('what do ya want for nothing?'))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});

describe('safeEqual', () => {
  it('compares strings', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('abcd', 'abc')).toBe(false);
    expect(safeEqual('é', 'e\u0301')).toBe(false);
  });
});

describe('Ed25519', () => {
  it('generates a 32-byte seed and public key', () => {
    const kp = generateSigningKey();
    expect(kp.seed).toHaveLength(32);
    expect(kp.publicKey).toHaveLength(32);
    expect(publicKeyFromSeed(kp.seed)).toEqual(kp.publicKey);
    expect(generateSigningKey().seed).not.toEqual(kp.seed);
  });

  it('matches RFC 8032 test vector 1', () => {
    const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    expect(toHex(publicKeyFromSeed(seed))).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
    expect(toHex(signDetached(seed, new Uint8Array(0)))).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('round-trips sign/verify', () => {
    const kp = generateSigningKey();
    const msg = enc('bundle v1 contents');
    const sig = signDetached(kp.seed, msg);
    expect(sig).toHaveLength(64);
    expect(verifyDetached(kp.publicKey, msg, sig)).toBe(true);
  });

  it('fails without throwing on a tampered message, other key or malformed signature', () => {
    const kp = generateSigningKey();
    const other = generateSigningKey();
    const msg = enc('bundle v1 contents');
    const sig = signDetached(kp.seed, msg);

    expect(verifyDetached(kp.publicKey, enc('bundle v2 contents'), sig)).toBe(false);
    expect(verifyDetached(other.publicKey, msg, sig)).toBe(false);

    const flipped = new Uint8Array(sig);
    flipped[10] = (flipped[10] ?? 0) ^ 0x01;
    expect(verifyDetached(kp.publicKey, msg, flipped)).toBe(false);

    expect(verifyDetached(kp.publicKey, msg, sig.subarray(0, 63))).toBe(false);
    expect(verifyDetached(kp.publicKey, msg, new Uint8Array(65))).toBe(false);
    expect(verifyDetached(kp.publicKey, msg, new Uint8Array(0))).toBe(false);
    expect(verifyDetached(kp.publicKey.subarray(0, 31), msg, sig)).toBe(false);
    expect(verifyDetached(new Uint8Array(32), msg, sig)).toBe(false);
  });

  it('signDetached rejects a wrong-length seed', () => {
    expect(() => signDetached(new Uint8Array(31), enc('x'))).toThrow(/32 bytes/);
  });

  it('produces signatures node:crypto verifies with the SPKI-wrapped raw key (agent SDK path)', () => {
    const kp = generateSigningKey();
    const msg = enc('{"bundle":"yaml","version":3}');
    const sig = signDetached(kp.seed, msg);
    expect(nodeVerify(kp.publicKey, msg, sig)).toBe(true);
    expect(nodeVerify(kp.publicKey, enc('something else'), sig)).toBe(false);
  });
});

describe('secretbox', () => {
  const keyHex = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';

  it('parses a 64-hex-char key and rejects anything else clearly', () => {
    const key = secretBoxKeyFromHex(keyHex);
    expect(key).toHaveLength(32);
    expect(key[31]).toBe(0x1f);
    expect(secretBoxKeyFromHex(keyHex.toUpperCase())).toEqual(key);
    expect(() => secretBoxKeyFromHex(keyHex.slice(2))).toThrow(/64 hex characters/);
    expect(() => secretBoxKeyFromHex(`${keyHex}00`)).toThrow(/64 hex characters/);
    expect(() => secretBoxKeyFromHex(`${keyHex.slice(2)}zz`)).toThrow(/non-hex/);
    expect(() => secretBoxKeyFromHex('')).toThrow(/64 hex characters/);
  });

  it('round-trips and uses nonce(24) ‖ tag(16) ‖ ciphertext', () => {
    const key = secretBoxKeyFromHex(keyHex);
    const plaintext = enc('slack-bot-token-xoxb-123');
    const box = secretBoxEncrypt(key, plaintext);
    expect(box).toHaveLength(24 + 16 + plaintext.length);
    expect(secretBoxDecrypt(key, box)).toEqual(plaintext);

    // The nonce is random and sits at the front: two encryptions differ there.
    const box2 = secretBoxEncrypt(key, plaintext);
    expect(toHex(box2.subarray(0, 24))).not.toBe(toHex(box.subarray(0, 24)));
    expect(secretBoxDecrypt(key, box2)).toEqual(plaintext);
  });

  it('round-trips an empty plaintext', () => {
    const key = secretBoxKeyFromHex(keyHex);
    const box = secretBoxEncrypt(key, new Uint8Array(0));
    expect(box).toHaveLength(40);
    expect(secretBoxDecrypt(key, box)).toEqual(new Uint8Array(0));
  });

  it('fails with "decryption failed" on a wrong key, tampering or short input', () => {
    const key = secretBoxKeyFromHex(keyHex);
    const box = secretBoxEncrypt(key, enc('secret'));

    const wrong = secretBoxKeyFromHex('ff'.repeat(32));
    expect(() => secretBoxDecrypt(wrong, box)).toThrow('decryption failed');

    for (const idx of [0, 23, 24, 39, box.length - 1]) {
      const t = new Uint8Array(box);
      t[idx] = (t[idx] ?? 0) ^ 0x80;
      expect(() => secretBoxDecrypt(key, t)).toThrow('decryption failed');
    }

    expect(() => secretBoxDecrypt(key, box.subarray(0, 39))).toThrow('decryption failed');
    expect(() => secretBoxDecrypt(key, new Uint8Array(0))).toThrow('decryption failed');
  });

  it('rejects a key of the wrong size', () => {
    expect(() => secretBoxEncrypt(new Uint8Array(16), enc('x'))).toThrow(/32 bytes/);
  });
});

describe('encodings', () => {
  it('hex round-trips and is strict', () => {
    const b = new Uint8Array([0, 1, 0xab, 0xff]);
    expect(toHex(b)).toBe('0001abff');
    expect(fromHex('0001ABff')).toEqual(b);
    expect(fromHex('')).toEqual(new Uint8Array(0));
    expect(() => fromHex('abc')).toThrow();
    expect(() => fromHex('zz')).toThrow();
  });

  it('toHex/toBase64 respect subarray views', () => {
    const big = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const view = big.subarray(2, 5);
    expect(toHex(view)).toBe('010203');
    expect(toBase64(view)).toBe('AQID');
  });

  it('toBase64 is standard base64 with padding', () => {
    expect(toBase64(new Uint8Array([0xfb, 0xff]))).toBe('+/8=');
    expect(toBase64(enc('f'))).toBe('Zg==');
  });
});

/**
 * Pure crypto helpers used across the console.
 *
 * - Tokens, hashes and HMACs come from node:crypto.
 * - Ed25519 signing and XSalsa20-Poly1305 secretbox come from tweetnacl so the
 *   byte layouts match what the edictum SDKs (PyNaCl / node:crypto) expect.
 *
 * Nothing here touches I/O or global state.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import nacl from 'tweetnacl';

const SEED_BYTES = 32;
const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
const SECRETBOX_KEY_BYTES = 32;
const SECRETBOX_NONCE_BYTES = 24;
const SECRETBOX_TAG_BYTES = 16;

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Fresh random bytes as a plain Uint8Array (not a pooled Buffer view). */
function freshRandom(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

/** URL-safe base64 (no padding) of `bytes` random bytes; 32 bytes → 43 chars. */
export function randomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 1) {
    throw new Error(`randomToken: bytes must be a positive integer, got ${String(bytes)}`);
  }
  return randomBytes(bytes).toString('base64url');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(toBytes(data)).digest('hex');
}

export function hmacSha256Hex(key: string | Uint8Array, data: string | Uint8Array): string {
  return createHmac('sha256', toBytes(key)).update(toBytes(data)).digest('hex');
}

/**
 * Constant-time string comparison (over the UTF-8 bytes). Returns false when
 * the lengths differ; only the length is observable through timing.
 */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) return false;
  return timingSafeEqual(ab, bb);
}

export interface Ed25519KeyPair {
  publicKey: Uint8Array;
  /** 32-byte Ed25519 seed (the private key as stored; RFC 8032 form). */
  seed: Uint8Array;
}

export function generateSigningKey(): Ed25519KeyPair {
  const seed = freshRandom(SEED_BYTES);
  const kp = nacl.sign.keyPair.fromSeed(seed);
  const publicKey = new Uint8Array(kp.publicKey);
  kp.secretKey.fill(0);
  return { publicKey, seed };
}

/** Derive the 32-byte public key from a 32-byte seed. */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  if (seed.length !== SEED_BYTES) {
    throw new Error(`Ed25519 seed must be ${SEED_BYTES} bytes, got ${seed.length}`);
  }
  const kp = nacl.sign.keyPair.fromSeed(seed);
  const publicKey = new Uint8Array(kp.publicKey);
  kp.secretKey.fill(0);
  return publicKey;
}

/** 64-byte detached Ed25519 signature of `message` with the key derived from `seed`. */
export function signDetached(seed: Uint8Array, message: Uint8Array): Uint8Array {
  if (seed.length !== SEED_BYTES) {
    throw new Error(`Ed25519 seed must be ${SEED_BYTES} bytes, got ${seed.length}`);
  }
  const kp = nacl.sign.keyPair.fromSeed(seed);
  try {
    return nacl.sign.detached(message, kp.secretKey);
  } finally {
    kp.secretKey.fill(0);
  }
}

/** Verify a detached Ed25519 signature. Never throws: malformed input is simply invalid. */
export function verifyDetached(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false;
  if (!(message instanceof Uint8Array)) return false;
  try {
    return nacl.sign.detached.verify(message, signature, publicKey);
  } catch {
    return false;
  }
}

/** Parse a secretbox key given as exactly 64 hex characters (32 bytes). */
export function secretBoxKeyFromHex(hex: string): Uint8Array {
  const trimmed = hex.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(trimmed)) {
    throw new Error(
      `secret key must be exactly 64 hex characters (32 bytes); got ${trimmed.length} characters` +
        (/^[0-9a-fA-F]*$/.test(trimmed) ? '' : ' including non-hex characters') +
        '. Generate one with: openssl rand -hex 32',
    );
  }
  return fromHex(trimmed);
}

function assertSecretBoxKey(key: Uint8Array): void {
  if (key.length !== SECRETBOX_KEY_BYTES) {
    throw new Error(`secretbox key must be ${SECRETBOX_KEY_BYTES} bytes, got ${key.length}`);
  }
}

/**
 * Encrypt with XSalsa20-Poly1305. Output layout: nonce(24) ‖ tag(16) ‖ ciphertext,
 * byte-for-byte what PyNaCl's `SecretBox.encrypt` returns.
 */
export function secretBoxEncrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  assertSecretBoxKey(key);
  const nonce = freshRandom(SECRETBOX_NONCE_BYTES);
  const sealed = nacl.secretbox(plaintext, nonce, key);
  const out = new Uint8Array(SECRETBOX_NONCE_BYTES + sealed.length);
  out.set(nonce, 0);
  out.set(sealed, SECRETBOX_NONCE_BYTES);
  return out;
}

/** Inverse of secretBoxEncrypt. Throws Error('decryption failed') on any failure. */
export function secretBoxDecrypt(key: Uint8Array, box: Uint8Array): Uint8Array {
  assertSecretBoxKey(key);
  if (box.length < SECRETBOX_NONCE_BYTES + SECRETBOX_TAG_BYTES) {
    throw new Error('decryption failed');
  }
  const nonce = box.subarray(0, SECRETBOX_NONCE_BYTES);
  const sealed = box.subarray(SECRETBOX_NONCE_BYTES);
  let opened: Uint8Array | null;
  try {
    opened = nacl.secretbox.open(sealed, nonce, key);
  } catch {
    opened = null;
  }
  if (opened === null) throw new Error('decryption failed');
  return opened;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Strict hex decode: even length, hex digits only (Buffer.from silently truncates otherwise). */
export function fromHex(h: string): Uint8Array {
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) {
    throw new Error('invalid hex string');
  }
  return new Uint8Array(Buffer.from(h, 'hex'));
}

/** Standard base64 with padding. */
export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

import { Buffer } from 'node:buffer';
import { createPublicKey, verify } from 'node:crypto';
import nacl from 'tweetnacl';
import { expect } from 'vitest';
import type { BusMessage } from '../../src/platform/push-bus.js';
import type { TestApp } from '../helpers/test-app.js';
import { WAIT_MS } from '../helpers/wait.js';

/** A valid edictum/v1 bundle; `marker` changes the bytes without changing the shape. */
export function bundleYaml(name: string, marker = 'v', contracts = 1): string {
  let out = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: ${name}
  description: "${marker}"
defaults:
  mode: enforce
contracts:
`;
  for (let i = 0; i < contracts; i++) {
    out += `  - id: rule-${i}
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: "no secrets (${marker})"
`;
  }
  return out;
}

export interface BundleJson {
  id: string;
  tenant_id: string;
  name: string;
  version: number;
  revision_hash: string;
  signature_hex: string | null;
  uploaded_by: string;
  created_at: string;
}

export interface CurrentJson extends BundleJson {
  yaml_bytes: string;
  signature: string | null;
  public_key: string | null;
}

export async function upload(t: TestApp, cookie: string, yaml: string): Promise<BundleJson> {
  const res = await t.request({ method: 'POST', url: '/api/v1/bundles', cookie, payload: { yaml_content: yaml } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as BundleJson;
}

export async function deploy(t: TestApp, cookie: string, name: string, version: number, env: string) {
  const res = await t.request({ method: 'POST', url: `/api/v1/bundles/${name}/${version}/deploy`, cookie, payload: { env } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as {
    id: string;
    env: string;
    bundle_name: string;
    bundle_version: number;
    deployed_by: string;
    created_at: string;
  };
}

export async function current(
  t: TestApp,
  auth: { cookie?: string; apiKey?: string },
  name: string,
  env: string,
): Promise<CurrentJson> {
  const res = await t.request({ url: `/api/v1/bundles/${name}/current?env=${env}`, ...auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as CurrentJson;
}

// ---------- signature verification exactly as the SDKs do it (sdk-contract.md §4) ----------

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** TS SDK: hex key wrapped in SPKI, base64 that must round-trip, node:crypto verify with null. */
export function verifyLikeTsSdk(yamlBytes: Uint8Array, signatureB64: string, publicKeyHex: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(publicKeyHex)) return false;
  if (signatureB64.length > 512) return false;
  const sig = Buffer.from(signatureB64, 'base64');
  const strip = (s: string) => s.replace(/=+$/, '');
  if (strip(sig.toString('base64')) !== strip(signatureB64) && strip(sig.toString('base64url')) !== strip(signatureB64))
    return false;
  const key = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(publicKeyHex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  try {
    return verify(null, yamlBytes, key, sig);
  } catch {
    return false;
  }
}

/** Python SDK: strict standard base64 (validate=True), PyNaCl VerifyKey — tweetnacl here. */
export function verifyLikePythonSdk(yamlBytes: Uint8Array, signatureB64: string, publicKeyHex: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(publicKeyHex)) return false;
  if (signatureB64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(signatureB64)) return false;
  const sig = new Uint8Array(Buffer.from(signatureB64, 'base64'));
  if (sig.length !== 64) return false;
  return nacl.sign.detached.verify(yamlBytes, sig, new Uint8Array(Buffer.from(publicKeyHex, 'hex')));
}

export function yamlBytesOf(c: { yaml_bytes: string }): Uint8Array {
  return new Uint8Array(Buffer.from(c.yaml_bytes, 'base64'));
}

// ---------- observing the push bus ----------

export interface BusWatch {
  messages: BusMessage[];
  /** Resolves with the first message matching `pred` (already seen or future); rejects after `ms`. */
  next(pred: (m: BusMessage) => boolean, ms?: number): Promise<BusMessage>;
  stop(): void;
}

export function watchBus(t: TestApp): BusWatch {
  const messages: BusMessage[] = [];
  const waiters: { pred: (m: BusMessage) => boolean; resolve: (m: BusMessage) => void }[] = [];
  const unsubscribe = t.deps.bus.subscribe((m) => {
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  return {
    messages,
    next(pred, ms = WAIT_MS) {
      const seen = messages.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise<BusMessage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching bus message in time')), ms);
        waiters.push({
          pred,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    stop: unsubscribe,
  };
}

import { Buffer } from 'node:buffer';
import type { DeliveryOverrides } from '../../context.js';
import type { AppDeps } from '../../deps.js';
import type { DbOrTx, Tx } from '../../db/client.js';
import { sha256Hex, toBase64, toHex } from '../../platform/crypto.js';
import { unavailable } from '../../platform/errors.js';
import type { SigningKeyRow } from '../signing/signing.repository.js';
import type { ContractUpdatePayload } from '../protocol-types.js';
import { bundlesRepository, type BundleRow } from './bundles.repository.js';
import { renderBundle } from './bundle-rendering.js';

/**
 * The Ruleset bytes of a bundle: stored at upload; rows from before renderings existed are
 * rendered from their ContractBundle form on first use (then stored with their signature).
 */
export function rulesetBytesOf(bundle: Pick<BundleRow, 'yamlBytes' | 'rulesetBytes'>): Uint8Array | null {
  if (bundle.rulesetBytes) return bundle.rulesetBytes;
  const out = renderBundle(Buffer.from(bundle.yamlBytes).toString('utf8'), 'contract_bundle', 'ruleset');
  return out.ok ? new Uint8Array(Buffer.from(out.text, 'utf8')) : null;
}

/** A signature made by the key that was active when it was written. */
export interface Signed {
  signature: Uint8Array;
  keyId: string;
  publicKey: Uint8Array;
  /** The Ruleset rendering (decision 16), signed by the same key; null when it cannot be rendered. */
  ruleset: SignedRendering | null;
}

export interface SignedRendering {
  bytes: Uint8Array;
  revisionHash: string;
  signature: Uint8Array;
}

/** A deploy racing a rotation retries this often before giving up with a 503. */
const MAX_ATTEMPTS = 5;

export function contractUpdatePayload(bundle: BundleRow, signed: Signed): ContractUpdatePayload {
  return {
    type: 'contract_update',
    bundle_name: bundle.name,
    version: bundle.version,
    revision_hash: bundle.revisionHash,
    signature: toBase64(signed.signature),
    signature_hex: toHex(signed.signature),
    public_key: toHex(signed.publicKey),
    yaml_bytes: toBase64(bundle.yamlBytes),
    _ruleset: signed.ruleset && {
      yaml_bytes: toBase64(signed.ruleset.bytes),
      revision_hash: signed.ruleset.revisionHash,
      signature: toBase64(signed.ruleset.signature),
      signature_hex: toHex(signed.ruleset.signature),
    },
  };
}

/**
 * Decision 2: whatever a deploy or a read of the current bundle serves is signed by the tenant's
 * active key. Signing happens outside the transaction; the transaction then takes the tenant's
 * signing lock and checks the key is still the active one (a rotation that committed meanwhile
 * means: sign again with the new key).
 */
export function createBundleSigner(deps: AppDeps, overrides: () => DeliveryOverrides = () => ({ versionFor: async () => null })) {
  const { db } = deps.database;
  const signing = deps.signing;

  async function activeKey(tenantId: string): Promise<SigningKeyRow> {
    return (await signing.active(db, tenantId)) ?? db.transaction((tx) => signing.ensureActive(tx, tenantId));
  }

  /**
   * Makes sure the bundle `load` returns carries a signature by the active key, then runs `write`
   * in the same transaction (e.g. inserting the deployment). Null when the bundle does not exist.
   */
  async function withActiveSignature<T>(
    tenantId: string,
    load: (db: DbOrTx) => Promise<BundleRow | null>,
    write: (tx: Tx, bundle: BundleRow, signed: Signed) => Promise<T>,
  ): Promise<{ bundle: BundleRow; signed: Signed; value: T } | null> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const key = await activeKey(tenantId);
      const bundle = await load(db);
      if (!bundle) return null;
      const rulesetBytes = rulesetBytesOf(bundle);
      const reuseRuleset =
        bundle.rulesetBytes !== null && bundle.rulesetSignature !== null && bundle.rulesetSigningKeyId === key.id;
      const reuse = bundle.signature !== null && bundle.signingKeyId === key.id && (reuseRuleset || rulesetBytes === null);
      const signature = reuse ? bundle.signature! : signing.sign(key, bundle.yamlBytes);
      const ruleset: SignedRendering | null = rulesetBytes && {
        bytes: rulesetBytes,
        revisionHash: bundle.rulesetRevisionHash ?? sha256Hex(rulesetBytes),
        signature: reuseRuleset ? bundle.rulesetSignature! : signing.sign(key, rulesetBytes),
      };
      const signed: Signed = { signature, keyId: key.id, publicKey: key.publicKey, ruleset };
      const value = await db.transaction(async (tx) => {
        await signing.lockTenant(tx, tenantId);
        if ((await signing.active(tx, tenantId))?.id !== key.id) return { retry: true as const };
        if (!reuse) await bundlesRepository.setSignature(tx, tenantId, bundle.id, signature, key.id, ruleset);
        return { retry: false as const, value: await write(tx, bundle, signed) };
      });
      const stored = ruleset
        ? { rulesetBytes: ruleset.bytes, rulesetRevisionHash: ruleset.revisionHash, rulesetSignature: ruleset.signature, rulesetSigningKeyId: key.id }
        : {};
      if (!value.retry) return { bundle: { ...bundle, signature, signingKeyId: key.id, ...stored }, signed, value: value.value };
    }
    throw unavailable('The signing key changed while signing; try again.', 'signing.key_changed');
  }

  /**
   * The current deployment of `name` in `env` with a signature by the active key: one indexed
   * query in the normal case; re-signed on the spot when the stored signature is missing or
   * was made by a retired key (rows written before keys were tracked).
   */
  async function current(tenantId: string, env: string, name: string): Promise<{ bundle: BundleRow; signed: Signed } | null> {
    const row = await bundlesRepository.current(db, tenantId, env, name);
    if (!row) return null;
    const rulesetFresh =
      row.rulesetBytes !== null && row.rulesetRevisionHash !== null && row.rulesetSignature !== null && row.rulesetSigningKeyId === row.activeKeyId;
    if (row.signature && row.activeKeyId && row.activePublicKey && row.signingKeyId === row.activeKeyId && rulesetFresh) {
      const ruleset = { bytes: row.rulesetBytes!, revisionHash: row.rulesetRevisionHash!, signature: row.rulesetSignature! };
      return { bundle: row, signed: { signature: row.signature, keyId: row.activeKeyId, publicKey: row.activePublicKey, ruleset } };
    }
    deps.logger.warn(
      { tenantId, bundle: name, version: row.version },
      'deployed bundle lacked a signature by the active key; re-signing',
    );
    const healed = await withActiveSignature(
      tenantId,
      (d) => bundlesRepository.get(d, tenantId, name, row.version),
      async () => undefined,
    );
    return healed && { bundle: healed.bundle, signed: healed.signed };
  }

  /** One version of `name` (current or not) with a signature by the active key. */
  async function signedVersion(tenantId: string, name: string, version: number): Promise<{ bundle: BundleRow; signed: Signed } | null> {
    const out = await withActiveSignature(tenantId, (d) => bundlesRepository.get(d, tenantId, name, version), async () => undefined);
    return out && { bundle: out.bundle, signed: out.signed };
  }

  /**
   * THE delivery decision (docs/rollouts.md "Where delivery is decided"): the signed bundle that
   * agent `agentId` of `env` receives for `name`. The current deployment, unless an override
   * (an active canary slice holding this agent) names another version. Every path that hands an
   * agent a bundle goes through here or through BundlesApi.overrideUpdate, which asks the same
   * overrides: push on connect and catch-up (assignment-tracker.ts), `GET /bundles/{name}/current`
   * and `GET /v1/rulesets/{name}/current`.
   */
  async function deliveredTo(tenantId: string, env: string, name: string, agentId: string | null | undefined): Promise<{ bundle: BundleRow; signed: Signed } | null> {
    const version = agentId ? await overrides().versionFor(tenantId, env, name, agentId) : null;
    if (version === null) return current(tenantId, env, name);
    return signedVersion(tenantId, name, version);
  }

  return { activeKey, withActiveSignature, current, signedVersion, deliveredTo };
}

export type BundleSigner = ReturnType<typeof createBundleSigner>;

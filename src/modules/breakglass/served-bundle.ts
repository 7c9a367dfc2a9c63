import { Buffer } from 'node:buffer';
import type { AppContext } from '../../context.js';
import { sha256Hex } from '../../platform/crypto.js';
import type { ContractUpdatePayload } from '../protocol-types.js';
import { renderBundle } from '../bundles/bundle-rendering.js';
import { contractUpdatePayload, type BundleSigner, type Signed } from '../bundles/bundle-signatures.js';
import { bundlesRepository, type BundleRow } from '../bundles/bundles.repository.js';
import { EXCEPT_AGENTS_FIELD } from '../stream/stream-dialect.js';
import { breakGlassRepository, type SwitchRow } from './breakglass.repository.js';
import { overlayBundle, type SwitchKind } from './deny-overlay.js';

export interface ServedBundle {
  bundle: BundleRow;
  signed: Signed;
}

/** Active switches are re-read at least this often (every change also invalidates them through the bus). */
const SWITCHES_TTL_MS = 5_000;
/** Overlaid renderings kept (keyed by bundle revision, signing key and switch set). */
const OVERLAY_CACHE_MAX = 500;

/** The control message that tells every process a tenant's switches changed. */
export const BREAKGLASS_CHANGED = 'breakglass_changed';

const utf8 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
const bytesOf = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

/**
 * What bundle bytes an agent receives (issue 15, break-glass). Every path that hands a deployed
 * bundle to an agent goes through `bundleServedToAgent`: the SSE push of a deploy, the push on
 * connect, `GET /api/v1/bundles/{name}/current` and `GET /v1/rulesets/{name}/current` for API
 * keys, and the re-push after a key rotation. With no active switch it returns the deployed
 * bundle untouched; otherwise the deployed bundle plus the switches' deny contracts
 * (deny-overlay.ts), in both renderings, signed by the tenant's active key, so unchanged SDKs
 * verify and enforce it. Dashboards keep reading the deployed bundle itself.
 */
export function createServedBundles(ctx: AppContext, signer: BundleSigner) {
  const { deps } = ctx;
  const { db } = deps.database;
  const switchCache = new Map<string, { at: number; value: Promise<SwitchRow[]> }>();
  const overlays = new Map<string, ServedBundle>();

  const unsubscribe = deps.bus.subscribe((m) => {
    if (m.topic === 'control' && m.type === BREAKGLASS_CHANGED) switchCache.delete(m.tenantId);
  });
  const unsubscribeResume = deps.bus.onResume(() => switchCache.clear());

  function activeSwitches(tenantId: string): Promise<SwitchRow[]> {
    const hit = switchCache.get(tenantId);
    if (hit && Date.now() - hit.at < SWITCHES_TTL_MS) return hit.value;
    const value = breakGlassRepository.active(db, tenantId);
    switchCache.set(tenantId, { at: Date.now(), value });
    void value.catch(() => switchCache.delete(tenantId));
    return value;
  }

  const appliesTo = (agentId: string | null) => (s: SwitchRow) => s.agentId === null || s.agentId === agentId;

  async function overlaid(tenantId: string, found: ServedBundle, switches: SwitchRow[]): Promise<ServedBundle> {
    const key = [
      found.bundle.id,
      found.bundle.revisionHash,
      found.signed.keyId,
      ...switches.map((s) => `${s.id}@${s.expiresAt.getTime()}`),
    ].join('|');
    const hit = overlays.get(key);
    if (hit) return hit;
    const text = overlayBundle(
      utf8(found.bundle.yamlBytes),
      switches.map((s) => ({ id: s.id, kind: s.kind as SwitchKind, tool: s.tool, expiresAt: s.expiresAt })),
    );
    if (text === null) return found;
    const yamlBytes = bytesOf(text);
    const active = await signer.activeKey(tenantId);
    const rendered = renderBundle(text, 'contract_bundle', 'ruleset');
    if (!rendered.ok)
      deps.logger.error(
        { tenantId, bundle: found.bundle.name, problems: rendered.problems },
        'break-glass overlay has no Ruleset rendering',
      );
    const rulesetBytes = rendered.ok ? bytesOf(rendered.text) : null;
    const ruleset = rulesetBytes && {
      bytes: rulesetBytes,
      revisionHash: sha256Hex(rulesetBytes),
      signature: deps.signing.sign(active, rulesetBytes),
    };
    const signature = deps.signing.sign(active, yamlBytes);
    const out: ServedBundle = {
      bundle: {
        ...found.bundle,
        yamlBytes,
        revisionHash: sha256Hex(yamlBytes),
        signature,
        signingKeyId: active.id,
        rulesetBytes: ruleset?.bytes ?? null,
        rulesetRevisionHash: ruleset?.revisionHash ?? null,
        rulesetSignature: ruleset?.signature ?? null,
        rulesetSigningKeyId: ruleset ? active.id : null,
      },
      signed: { signature, keyId: active.id, publicKey: active.publicKey, ruleset },
    };
    if (overlays.size >= OVERLAY_CACHE_MAX) overlays.clear();
    overlays.set(key, out);
    return out;
  }

  /**
   * THE function: the bundle an agent (`agentId`; null: any agent of the fleet) receives for a
   * deployment `found`. Fleet-wide switches apply to every agent, one-agent switches to that agent.
   */
  async function bundleServedToAgent(tenantId: string, agentId: string | null, found: ServedBundle): Promise<ServedBundle> {
    const switches = (await activeSwitches(tenantId)).filter(appliesTo(agentId));
    if (switches.length === 0) return found;
    return overlaid(tenantId, found, switches);
  }

  /**
   * The served form of what agent `agentId` receives for `name` in `env` (the deployment, or the
   * version a canary slice holding the agent names: signer.deliveredTo), or null when none is.
   */
  async function current(tenantId: string, env: string, name: string, agentId: string | null): Promise<ServedBundle | null> {
    const found = await signer.deliveredTo(tenantId, env, name, agentId);
    return found && bundleServedToAgent(tenantId, agentId, found);
  }

  function busPayload(s: ServedBundle): Record<string, unknown> {
    const { _ruleset: ruleset, ...payload } = contractUpdatePayload(s.bundle, s.signed);
    return { ...payload, _ruleset: ruleset ?? null };
  }

  /**
   * Push the served form of a deployment to the agents streaming it, on every process: one
   * message for the fleet (agents with a switch of their own skip it), then one per such agent.
   */
  async function pushToAgents(tenantId: string, env: string, name: string, found?: ServedBundle): Promise<void> {
    const base = found ?? (await signer.current(tenantId, env, name));
    if (!base) return;
    const agents = [...new Set((await activeSwitches(tenantId)).map((s) => s.agentId).filter((a): a is string => a !== null))];
    const fleet = await bundleServedToAgent(tenantId, null, base);
    await ctx.publish.agents(
      tenantId,
      'contract_update',
      { ...busPayload(fleet), ...(agents.length ? { [EXCEPT_AGENTS_FIELD]: agents } : {}) },
      { env, bundleName: name },
    );
    for (const agentId of agents) {
      await ctx.publish.agents(tenantId, 'contract_update', busPayload(await bundleServedToAgent(tenantId, agentId, base)), {
        env,
        bundleName: name,
        agentId,
      });
    }
  }

  return {
    bundleServedToAgent,
    current,
    pushToAgents,

    /** A switch changed: every process re-reads, then every deployment is pushed again as now served. */
    async switchesChanged(tenantId: string): Promise<void> {
      switchCache.delete(tenantId);
      await ctx.publish.control(tenantId, BREAKGLASS_CHANGED, {});
      for (const d of await bundlesRepository.currentDeployments(db, tenantId)) await pushToAgents(tenantId, d.env, d.bundleName);
    },

    /** For the push on connect: the update for an agent with a switch of its own, else null (the fleet's applies). */
    async agentUpdate(tenantId: string, env: string, name: string, agentId: string): Promise<ContractUpdatePayload | null> {
      if (!(await activeSwitches(tenantId)).some((s) => s.agentId === agentId)) return null;
      const served = await current(tenantId, env, name, agentId);
      return served && contractUpdatePayload(served.bundle, served.signed);
    },

    close(): void {
      unsubscribe();
      unsubscribeResume();
    },
  };
}

export type ServedBundles = ReturnType<typeof createServedBundles>;

import type { AppContext } from '../../context.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { globMatch } from '../../platform/glob.js';
import { bundlesRepository } from '../bundles/bundles.repository.js';
import { fleetRepository } from '../fleet/fleet.repository.js';
import { tagsMatch } from '../fleet/resolution.js';
import type { BundlesApi, ContractUpdatePayload } from '../protocol-types.js';
import { breachOf, DEFAULT_THRESHOLDS, inPercentSlice, nextStep, ratesOf, type Comparison } from './canary-rules.js';
import { canaryRepository, LIVE_CANARY } from './canary.repository.js';
import { recordActivity, systemActor } from '../activity/activity.service.js';
import type { DbOrTx } from '../../db/client.js';
import { CANARY_CHANGED } from './canary-delivery.js';
import { rolloutsRepository as repo, type RolloutRow } from './rollouts.repository.js';
import type { CanaryBodyT, RolloutDetailT } from './rollouts.schemas.js';
import { canaryConfigOf, type CanaryConfig, type RolloutsService } from './rollouts.service.js';

type Actor = string;

/**
 * Every canary step also lands in the admin activity log (and so in the audit chain) in the same
 * transaction: `auto` steps as the system, the others as the admin who pressed the button.
 */
const canaries = {
  ...canaryRepository,
  async step(tx: DbOrTx, v: Parameters<typeof canaryRepository.step>[1]): Promise<void> {
    await canaryRepository.step(tx, v);
    const who = v.actor === 'auto' || v.actor.startsWith('canary:')
      ? systemActor(v.tenantId)
      : { tenantId: v.tenantId, actor: v.actor, actorType: 'user' as const, actorId: null, source: 'dashboard' as const, ip: null, userAgent: null };
    await recordActivity(tx, who, {
      action: `rollout.${v.action}`,
      target: `rollout:${v.rolloutId}`,
      detail: { percent: v.percent ?? null, reason: v.reason ?? null },
    });
  },
};

/**
 * Canaries (docs/rollouts.md): a version goes to a slice of a deploy's target first; the slice is
 * compared with the rest over each step's window; a breach rolls the slice back to the current
 * deployment by itself; a bake without one widens the slice through the admin's steps, the last
 * (100 %) being a real deploy. Every step is recorded, pushed per agent like a deploy (stream
 * dialects render it per generation), shown live and announced.
 */
export function createCanaryService(ctx: AppContext, deps: { rollouts: RolloutsService; bundles: BundlesApi; invalidate: (tenantId: string) => void }) {
  const { db } = ctx.deps.database;
  const now = () => ctx.deps.now();
  const log = ctx.deps.logger.child({ module: 'canary' });
  const { bundles, rollouts } = deps;

  async function push(r: RolloutRow, agentIds: string[], payload: ContractUpdatePayload | null): Promise<void> {
    if (!payload) return;
    const { _ruleset: ruleset, ...rest } = payload;
    for (const agentId of agentIds) {
      await ctx.publish.agents(r.tenantId, 'contract_update', { ...rest, _ruleset: ruleset ?? null }, { env: r.env, agentId, bundleName: r.bundleName });
    }
  }

  /** Slices changed: every process re-reads them before anything is pushed. */
  async function changed(r: RolloutRow, action: string): Promise<void> {
    deps.invalidate(r.tenantId);
    await ctx.publish.control(r.tenantId, CANARY_CHANGED, { rollout_id: r.id });
    await ctx.publish.dashboard(r.tenantId, 'rollout_updated', { rollout_id: r.id, action });
  }

  async function announce(r: RolloutRow, title: string, lines: string[]): Promise<void> {
    await ctx.announcer.announce(r.tenantId, { title: `Canary of ${r.bundleName} v${r.bundleVersion} in ${r.env}: ${title}`, lines, env: r.env, link: `/dashboard/rollouts/${r.id}` });
  }

  /** Which of `agentIds` carry `label`: set on the registration, or given by a matching rule of the env. */
  async function withLabel(tenantId: string, env: string, agentIds: string[], label: string): Promise<Set<string>> {
    const [{ labels, tags }, rules, ruleLabels] = await Promise.all([
      canaries.labelsAndTags(db, tenantId, agentIds),
      fleetRepository.rules(db, tenantId, env),
      canaries.ruleLabels(db, tenantId),
    ]);
    const labelled = rules.filter((r) => ruleLabels.get(r.id)?.includes(label));
    return new Set(
      agentIds.filter(
        (id) => labels.get(id)?.has(label) || labelled.some((r) => globMatch(r.pattern, id) && tagsMatch(r.tagMatch, tags.get(id) ?? {})),
      ),
    );
  }

  async function compare(r: RolloutRow): Promise<Comparison> {
    const agents = await repo.agents(db, r.id);
    const slice = agents.filter((a) => a.inSlice).map((a) => a.agentId);
    const rest = agents.filter((a) => !a.inSlice).map((a) => a.agentId);
    const since = r.stepStartedAt ?? r.createdAt;
    const [s, o] = await Promise.all([canaries.counts(db, r.tenantId, r.env, slice, since), canaries.counts(db, r.tenantId, r.env, rest, since)]);
    return { slice: ratesOf(s), rest: ratesOf(o), failed_activations: agents.filter((a) => a.inSlice && a.state === 'straggler').length };
  }

  async function load(tenantId: string, id: string): Promise<RolloutRow> {
    const r = await repo.get(db, tenantId, id);
    if (!r || r.kind !== 'canary') throw notFound('Canary not found', 'rollouts.canary_not_found');
    return r;
  }

  const ended = () => conflict('This canary has already ended.', 'rollouts.canary_ended');

  async function rollback(r: RolloutRow, actor: Actor, reason: string, metrics: Comparison | null): Promise<void> {
    const at = now();
    const ok = await db.transaction(async (tx) => {
      if (!(await canaries.transition(tx, r.id, LIVE_CANARY, { status: 'rolled_back', outcomeReason: reason, completedAt: at }))) return false;
      await canaries.step(tx, { rolloutId: r.id, tenantId: r.tenantId, action: 'rollback', percent: r.canaryPercent, actor, reason, metrics, createdAt: at });
      return true;
    });
    if (!ok) throw ended();
    await changed(r, 'rolled_back');
    const slice = (await repo.agents(db, r.id)).filter((a) => a.inSlice).map((a) => a.agentId);
    await push(r, slice, await bundles.currentUpdate(r.tenantId, r.env, r.bundleName));
    await announce(r, actor === 'auto' ? 'rolled back automatically' : `rolled back by ${actor}`, [reason, `The slice (${slice.length} agents) is back on v${r.previousVersion}.`]);
  }

  async function promote(r: RolloutRow, actor: Actor, reason: string): Promise<void> {
    const at = now();
    // Claim it first (a second promote, or a rollback racing this one, finds it taken).
    if (!(await canaries.transition(db, r.id, LIVE_CANARY, { status: 'promoting' }))) throw ended();
    let deploymentId: string;
    try {
      deploymentId = (await bundles.deploy(r.tenantId, actor === 'auto' ? `canary:${r.deployedBy}` : actor, r.bundleName, r.bundleVersion, r.env)).id;
    } catch (err) {
      await canaries.transition(db, r.id, ['promoting'], { status: r.status });
      throw err;
    }
    await canaries.transition(db, r.id, ['promoting', 'superseded'], { status: 'promoted', deploymentId, canaryPercent: 100, outcomeReason: reason, completedAt: at });
    await db.transaction((tx) => canaries.step(tx, { rolloutId: r.id, tenantId: r.tenantId, action: 'promote', percent: 100, actor, reason, createdAt: at }));
    await changed(r, 'promoted');
    await announce(r, actor === 'auto' ? 'promoted to the whole target' : `promoted by ${actor}`, [reason]);
  }

  async function widen(r: RolloutRow, c: CanaryConfig, actor: Actor): Promise<void> {
    const next = nextStep(c.steps, r.canaryPercent ?? 0);
    if (next === null || next >= 100) return promote(r, actor, `Baked ${c.bake_seconds} s at every step without a breach.`);
    const at = now();
    const holdback = (await repo.agents(db, r.id)).filter((a) => !a.inSlice).map((a) => a.agentId);
    const joining = holdback.filter((id) => inPercentSlice(id, next));
    const ok = await db.transaction(async (tx) => {
      const set = { canaryPercent: next, canaryStep: (r.canaryStep ?? 0) + 1, stepStartedAt: at };
      if (!(await canaries.transition(tx, r.id, ['canary'], set))) return false;
      await canaries.addToSlice(tx, r.id, joining, at);
      await canaries.step(tx, { rolloutId: r.id, tenantId: r.tenantId, action: 'widen', percent: next, actor, reason: null, createdAt: at });
      return true;
    });
    if (!ok) throw ended();
    await changed(r, 'widened');
    await push(r, joining, await bundles.versionUpdate(r.tenantId, r.bundleName, r.bundleVersion));
    await announce(r, `widened to ${next} %`, [`${joining.length} more agents receive v${r.bundleVersion}.`]);
  }

  return {
    compare,

    async create(tenantId: string, actor: Actor, b: CanaryBodyT): Promise<RolloutDetailT> {
      const bundle = await bundlesRepository.get(db, tenantId, b.bundle_name, b.version);
      if (!bundle) throw notFound(`Bundle '${b.bundle_name}' version ${b.version} not found`, 'bundles.version_not_found');
      const [current] = await bundlesRepository.currentDeployments(db, tenantId, { env: b.env, name: b.bundle_name });
      if (!current) throw conflict(`'${b.bundle_name}' is not deployed in '${b.env}': deploy a first version, then canary the next.`, 'rollouts.no_baseline');
      if (current.bundleVersion === b.version) throw new AppError(409, `Version ${b.version} is already the current deployment.`, 'rollouts.already_current');
      if (await canaries.liveFor(db, tenantId, b.env, b.bundle_name)) throw conflict('A canary of this bundle is already running in this env.', 'rollouts.canary_running');
      const payload = await bundles.versionUpdate(tenantId, b.bundle_name, b.version);
      const at = now();
      const config: CanaryConfig = { label: b.slice_label ?? null, steps: b.steps, bake_seconds: b.bake_seconds, thresholds: { ...DEFAULT_THRESHOLDS, ...b.thresholds } };
      // Targets and labels are read first (a read on the pool inside the transaction would wait
      // for the transaction's own connection in embedded mode).
      const targets = await rollouts.targetsOf(db, { tenantId, deploymentId: '', env: b.env, bundleName: b.bundle_name, bundleVersion: b.version, revisionHash: bundle.revisionHash, rulesetRevisionHash: null, deployedBy: actor, createdAt: at });
      const ids = [...targets.keys()];
      const labelled = b.slice_label ? await withLabel(tenantId, b.env, ids, b.slice_label) : new Set<string>();
      const slice = ids.filter((id) => labelled.has(id) || (b.slice_percent !== undefined && inPercentSlice(id, b.slice_percent)));
      const inSlice = new Set(slice);
      const row = await db.transaction(async (tx) => {
        const row = await repo.insert(tx, {
          tenantId,
          kind: 'canary',
          deploymentId: null,
          env: b.env,
          bundleName: b.bundle_name,
          bundleVersion: b.version,
          revisionHash: bundle.revisionHash,
          rulesetRevisionHash: payload?._ruleset?.revision_hash ?? null,
          previousVersion: current.bundleVersion,
          deployedBy: actor,
          status: 'canary',
          stragglerAfterSeconds: b.straggler_after_seconds ?? 300,
          canaryPercent: b.slice_percent ?? 0,
          canaryStep: 0,
          stepStartedAt: at,
          canaryConfig: config,
          createdAt: at,
        });
        await repo.insertAgents(
          tx,
          ids.map((agentId) => ({
            rolloutId: row.id,
            tenantId,
            agentId,
            inSlice: inSlice.has(agentId),
            state: inSlice.has(agentId) ? 'pending' : 'holdback',
            pushedAt: inSlice.has(agentId) ? targets.get(agentId)!.pushedAt : null,
            lastRevision: targets.get(agentId)!.reported,
            lastContactAt: targets.get(agentId)!.reportedAt,
          })),
        );
        const why = [b.slice_percent !== undefined ? `${b.slice_percent} %` : null, b.slice_label ? `label ${b.slice_label}` : null].filter(Boolean).join(' + ');
        await canaries.step(tx, { rolloutId: row.id, tenantId, action: 'start', percent: b.slice_percent ?? 0, actor, reason: `slice: ${why}`, createdAt: at });
        return row;
      });
      await changed(row, 'created');
      await push(row, slice, payload);
      await announce(row, `started by ${actor}`, [`${slice.length} agents in the slice receive v${b.version}; the rest stay on v${current.bundleVersion}.`, `Steps: ${b.steps.join(' → ')} %, bake ${b.bake_seconds} s each.`]);
      return rollouts.get(tenantId, row.id, compare);
    },

    async promote(tenantId: string, id: string, actor: Actor): Promise<RolloutDetailT> {
      await promote(await load(tenantId, id), actor, `Promoted by hand.`);
      return rollouts.get(tenantId, id, compare);
    },

    async rollback(tenantId: string, id: string, actor: Actor, reason: string | undefined): Promise<RolloutDetailT> {
      await rollback(await load(tenantId, id), actor, reason ?? 'Rolled back by hand.', null);
      return rollouts.get(tenantId, id, compare);
    },

    /** Stop the automatic steps: the slice keeps the canary version until promoted or rolled back. */
    async stop(tenantId: string, id: string, actor: Actor): Promise<RolloutDetailT> {
      const r = await load(tenantId, id);
      const at = now();
      if (!(await canaries.transition(db, r.id, ['canary'], { status: 'stopped' }))) throw ended();
      await db.transaction((tx) => canaries.step(tx, { rolloutId: r.id, tenantId, action: 'stop', percent: r.canaryPercent, actor, reason: null, createdAt: at }));
      await changed(r, 'stopped');
      await announce(r, `stopped by ${actor}`, ['Automatic steps are off; promote or roll back by hand.']);
      return rollouts.get(tenantId, id, compare);
    },

    /** The leader's pass (after activation tracking): breach → rollback; bake over → widen. */
    async evaluatePass(): Promise<void> {
      const at = now();
      for (const r of await canaries.running(db, 100)) {
        try {
          const c = canaryConfigOf(r)!;
          const m = await compare(r);
          const breach = breachOf(m, c.thresholds);
          if (breach) await rollback(r, 'auto', breach, m);
          else if (at.getTime() - (r.stepStartedAt ?? r.createdAt).getTime() >= c.bake_seconds * 1000) await widen(r, c, 'auto');
        } catch (err) {
          log.error({ err, rollout: r.id }, 'canary step failed');
        }
      }
    },
  };
}

export type CanaryService = ReturnType<typeof createCanaryService>;

import { and, desc, eq, ne } from 'drizzle-orm';
import type { AppContext, DeployRecord, DeployTracker } from '../../context.js';
import type { DbOrTx } from '../../db/client.js';
import { deployments } from '../../db/schema.js';
import { notFound } from '../../platform/errors.js';
import { fleetRepository } from '../fleet/fleet.repository.js';
import { resolveWith } from '../fleet/resolution.js';
import { latencySummary, track, type AgentState, type StragglerReason, type TrackedAgent } from './rollout-tracking.js';
import { rolloutsRepository as repo, type RolloutAgentRow, type RolloutRow } from './rollouts.repository.js';
import type { RolloutAgentT, RolloutDetailT, RolloutSummaryT } from './rollouts.schemas.js';
import { DEFAULT_THRESHOLDS, type Comparison, type Thresholds } from './canary-rules.js';
import { canaryRepository, LIVE_CANARY } from './canary.repository.js';
import { CANARY_CHANGED } from './canary-delivery.js';

/** How a canary was set up (rollouts.canary_config). */
export interface CanaryConfig {
  label: string | null;
  steps: number[];
  bake_seconds: number;
  thresholds: Thresholds;
}

export function canaryConfigOf(r: RolloutRow): CanaryConfig | null {
  if (r.kind !== 'canary' || !r.canaryConfig) return null;
  const c = r.canaryConfig as Partial<CanaryConfig>;
  return { label: c.label ?? null, steps: c.steps ?? [100], bake_seconds: c.bake_seconds ?? 600, thresholds: { ...DEFAULT_THRESHOLDS, ...c.thresholds } };
}

/** An agent still on the old revision this long after its push is a straggler (per deploy, overridable). */
export const DEFAULT_STRAGGLER_AFTER_SECONDS = 300;
/** A rollout is watched this long; after it, stragglers stay recorded and the job lets it go. */
export const TRACKING_WINDOW_MS = 24 * 3600_000;
/** Rollouts one tracking pass looks at (oldest first; the next pass takes the rest). */
const PASS_LIMIT = 100;

const asTags = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function countsOf(m: Record<string, number> | undefined) {
  const activated = m?.activated ?? 0;
  const pending = m?.pending ?? 0;
  const stragglers = m?.straggler ?? 0;
  return { targets: activated + pending + stragglers, activated, pending, stragglers };
}

function summaryOut(r: RolloutRow, counts: Record<string, number> | undefined): RolloutSummaryT {
  const c = canaryConfigOf(r);
  return {
    id: r.id,
    kind: r.kind as RolloutSummaryT['kind'],
    outcome_reason: r.outcomeReason,
    canary: c && {
      percent: r.canaryPercent ?? 0,
      step: r.canaryStep ?? 0,
      steps: c.steps,
      label: c.label,
      bake_seconds: c.bake_seconds,
      step_started_at: iso(r.stepStartedAt),
      thresholds: c.thresholds,
    },
    deployment_id: r.deploymentId,
    env: r.env,
    bundle_name: r.bundleName,
    bundle_version: r.bundleVersion,
    previous_version: r.previousVersion,
    revision_hash: r.revisionHash,
    ruleset_revision_hash: r.rulesetRevisionHash,
    deployed_by: r.deployedBy,
    status: r.status as RolloutSummaryT['status'],
    straggler_after_seconds: r.stragglerAfterSeconds,
    alerted_at: iso(r.alertedAt),
    created_at: r.createdAt.toISOString(),
    completed_at: iso(r.completedAt),
    counts: countsOf(counts),
  };
}

function agentOut(a: RolloutAgentRow): RolloutAgentT {
  return {
    agent_id: a.agentId,
    in_slice: a.inSlice,
    state: a.state as RolloutAgentT['state'],
    reason: a.reason as StragglerReason | null,
    activated_via: a.activatedVia as 'connect' | 'event' | null,
    pushed_at: iso(a.pushedAt),
    activated_at: iso(a.activatedAt),
    latency_ms: a.activatedAt && a.pushedAt ? Math.max(0, a.activatedAt.getTime() - a.pushedAt.getTime()) : null,
    last_revision: a.lastRevision,
    last_contact_at: iso(a.lastContactAt),
  };
}

function trackedOf(a: RolloutAgentRow): TrackedAgent {
  return {
    state: a.state as AgentState,
    reason: a.reason as StragglerReason | null,
    activatedVia: a.activatedVia as 'connect' | 'event' | null,
    pushedAt: a.pushedAt,
    activatedAt: a.activatedAt,
    lastRevision: a.lastRevision,
    lastContactAt: a.lastContactAt,
  };
}

const changed = (a: TrackedAgent, b: TrackedAgent) =>
  a.state !== b.state ||
  a.reason !== b.reason ||
  a.pushedAt?.getTime() !== b.pushedAt?.getTime() ||
  a.activatedAt?.getTime() !== b.activatedAt?.getTime() ||
  a.lastRevision !== b.lastRevision ||
  a.lastContactAt?.getTime() !== b.lastContactAt?.getTime();

export function createRolloutsService(ctx: AppContext) {
  const { db } = ctx.deps.database;
  const now = () => ctx.deps.now();
  const log = ctx.deps.logger.child({ module: 'rollouts' });

  /**
   * The agents a deploy targets at that moment: every live stream of the env on that bundle (any
   * process), plus every agent last seen in the env whose assignment (explicit, then the env's
   * rules) resolves to it. Connected ones are pushed by the deploy itself.
   */
  async function targetsOf(tx: DbOrTx, d: DeployRecord) {
    const [live, regs, rules] = await Promise.all([
      repo.liveInEnv(tx, d.tenantId, d.env),
      repo.registrationsInEnv(tx, d.tenantId, d.env),
      fleetRepository.rules(tx, d.tenantId, d.env),
    ]);
    const out = new Map<string, { pushedAt: Date | null; reported: string | null; reportedAt: Date | null }>();
    for (const l of live) if (l.bundleName === d.bundleName) out.set(l.agentId, { pushedAt: d.createdAt, reported: null, reportedAt: null });
    for (const r of regs) {
      const resolved = resolveWith({ explicit: r.bundleName, rules, agentId: r.agentId, tags: asTags(r.tags) }).bundle_name;
      const seen = out.get(r.agentId);
      if (seen) Object.assign(seen, { reported: r.lastPolicyVersion, reportedAt: r.lastSeenAt });
      else if (resolved === d.bundleName) out.set(r.agentId, { pushedAt: null, reported: r.lastPolicyVersion, reportedAt: r.lastSeenAt });
    }
    return out;
  }

  const tracker: DeployTracker = {
    async record(tx, d) {
      const [prev] = await tx
        .select({ version: deployments.bundleVersion })
        .from(deployments)
        .where(and(eq(deployments.tenantId, d.tenantId), eq(deployments.env, d.env), eq(deployments.bundleName, d.bundleName), ne(deployments.id, d.deploymentId)))
        .orderBy(desc(deployments.createdAt))
        .limit(1);
      const row = await repo.insert(tx, {
        tenantId: d.tenantId,
        deploymentId: d.deploymentId,
        env: d.env,
        bundleName: d.bundleName,
        bundleVersion: d.bundleVersion,
        revisionHash: d.revisionHash,
        rulesetRevisionHash: d.rulesetRevisionHash,
        previousVersion: prev?.version ?? null,
        deployedBy: d.deployedBy,
        stragglerAfterSeconds: d.stragglerAfterSeconds ?? DEFAULT_STRAGGLER_AFTER_SECONDS,
        createdAt: d.createdAt,
      });
      await repo.supersede(tx, { tenantId: d.tenantId, env: d.env, bundleName: d.bundleName, exceptId: row.id, at: d.createdAt, statuses: ['tracking', ...LIVE_CANARY] });
      const revisions = [d.revisionHash, ...(d.rulesetRevisionHash ? [d.rulesetRevisionHash] : [])];
      const targets = await targetsOf(tx, d);
      const rows = [...targets].map(([agentId, t]) => {
        // Already running this revision (a re-deploy of what it runs): activated at once.
        const runs = t.reported !== null && revisions.includes(t.reported);
        return {
          rolloutId: row.id,
          tenantId: d.tenantId,
          agentId,
          state: runs ? 'activated' : 'pending',
          activatedVia: runs ? 'connect' : null,
          pushedAt: t.pushedAt ?? (runs ? d.createdAt : null),
          activatedAt: runs ? d.createdAt : null,
          lastRevision: t.reported,
          lastContactAt: t.reportedAt,
        };
      });
      await repo.insertAgents(tx, rows);
      return row.id;
    },

    async recorded(tenantId, rolloutId) {
      // A deploy ends any canary of the same bundle and env: every process drops its slices.
      await ctx.publish.control(tenantId, CANARY_CHANGED, { rollout_id: rolloutId });
      await ctx.publish.dashboard(tenantId, 'rollout_updated', { rollout_id: rolloutId, action: 'created' });
    },
  };

  async function alert(r: RolloutRow, stragglers: RolloutAgentRow[]): Promise<void> {
    const shown = stragglers.slice(0, 10).map((s) => `${s.agentId}: ${s.reason ?? 'pending'}${s.lastContactAt ? `, last contact ${s.lastContactAt.toISOString()}` : ''}`);
    const more = stragglers.length > shown.length ? [`… and ${stragglers.length - shown.length} more`] : [];
    await ctx.announcer.announce(r.tenantId, {
      title: `Rollout of ${r.bundleName} v${r.bundleVersion} to ${r.env}: ${stragglers.length} straggler${stragglers.length === 1 ? '' : 's'}`,
      lines: [`Not running the new revision ${r.stragglerAfterSeconds} s after the push:`, ...shown, ...more],
      env: r.env,
      link: `/dashboard/rollouts/${r.id}`,
    });
  }

  /** One rollout: observe every not-yet-activated target, write what changed, settle the rollout. */
  async function trackOne(r: RolloutRow, at: Date): Promise<boolean> {
    // A canary tracks its slice's activations; it ends by its own rules (canary.service.ts).
    const open = await repo.agents(db, r.id, ['pending', 'straggler']);
    const revisions = [r.revisionHash, ...(r.rulesetRevisionHash ? [r.rulesetRevisionHash] : [])];
    let dirty = false;
    if (open.length > 0) {
      const ids = open.map((a) => a.agentId);
      const [live, regs, evs] = await Promise.all([
        repo.live(db, r.tenantId, ids),
        repo.registrations(db, r.tenantId, ids),
        repo.eventRevisions(db, r.tenantId, ids, revisions, r.createdAt),
      ]);
      const regBy = new Map(regs.map((x) => [x.agentId, x]));
      const target = { createdAt: r.createdAt, revisions, stragglerAfterMs: r.stragglerAfterSeconds * 1000 };
      for (const a of open) {
        const reg = regBy.get(a.agentId);
        const ev = evs.get(a.agentId);
        const before = trackedOf(a);
        const next = track(
          target,
          before,
          {
            connectedAt: live.get(a.agentId),
            reportedRevision: reg?.lastPolicyVersion,
            reportedAt: reg?.lastSeenAt,
            firstEventWithRevision: ev?.firstMatch,
            latestEventAt: ev?.latestAt,
            latestEventRevision: ev?.latestRevision,
          },
          at,
        );
        if (!changed(before, next)) continue;
        dirty = true;
        await repo.updateAgent(db, r.id, a.agentId, next);
        Object.assign(a, next);
      }
    }
    const left = open.filter((a) => a.state !== 'activated');
    if (left.length === 0 && r.kind === 'deploy') {
      await repo.setStatus(db, r.id, { status: 'complete', completedAt: at });
      return true;
    }
    const stragglers = left.filter((a) => a.state === 'straggler');
    if (stragglers.length > 0 && !r.alertedAt) {
      await repo.setStatus(db, r.id, { alertedAt: at });
      await alert(r, stragglers).catch((err: unknown) => log.warn({ err, rollout: r.id }, 'could not announce stragglers'));
      dirty = true;
    }
    return dirty;
  }

  return {
    tracker,
    targetsOf,
    trackOne,

    /** The leader's tracking pass (also what tests drive). */
    async trackPass(): Promise<void> {
      const at = now();
      for (const closed of await repo.closeOlderThan(db, new Date(at.getTime() - TRACKING_WINDOW_MS), at)) {
        await ctx.publish.dashboard(closed.tenantId, 'rollout_updated', { rollout_id: closed.id, action: 'closed' });
      }
      for (const r of await repo.tracking(db, PASS_LIMIT)) {
        try {
          if (await trackOne(r, at)) await ctx.publish.dashboard(r.tenantId, 'rollout_updated', { rollout_id: r.id, action: 'tracked' });
        } catch (err) {
          log.error({ err, rollout: r.id }, 'rollout tracking failed');
        }
      }
    },

    async list(tenantId: string, f: { env?: string | undefined; bundleName?: string | undefined; deploymentId?: string | undefined; limit: number }): Promise<RolloutSummaryT[]> {
      const rows = await repo.list(db, tenantId, f);
      const counts = await repo.stateCounts(db, rows.map((r) => r.id));
      return rows.map((r) => summaryOut(r, counts.get(r.id)));
    },

    async get(tenantId: string, id: string, compare?: (r: RolloutRow) => Promise<Comparison>): Promise<RolloutDetailT> {
      const r = await repo.get(db, tenantId, id);
      if (!r) throw notFound('Rollout not found', 'rollouts.not_found');
      const all = (await repo.agents(db, r.id)).map(agentOut);
      const agents = all.filter((a) => a.state !== 'holdback');
      const steps = await canaryRepository.steps(db, r.id);
      const comparison = r.kind === 'canary' && compare ? await compare(r) : null;
      const counts: Record<string, number> = {};
      for (const a of agents) counts[a.state] = (counts[a.state] ?? 0) + 1;
      const lat = latencySummary(agents.flatMap((a) => (a.latency_ms === null ? [] : [a.latency_ms])));
      return {
        ...summaryOut(r, counts),
        latency: { p50_ms: lat.p50Ms, p99_ms: lat.p99Ms, histogram: lat.histogram.map((h) => ({ le_ms: h.leMs, count: h.count })) },
        stragglers: agents.filter((a) => a.state === 'straggler'),
        agents: all,
        steps: steps.map((s) => ({ action: s.action, percent: s.percent, actor: s.actor, reason: s.reason, created_at: s.createdAt.toISOString() })),
        comparison,
      };
    },
  };
}

export type RolloutsService = ReturnType<typeof createRolloutsService>;

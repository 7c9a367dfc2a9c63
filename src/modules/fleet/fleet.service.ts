import type { AppContext } from '../../context.js';
import { recordActivity, type Actor } from '../activity/activity.service.js';
import { conflict, notFound } from '../../platform/errors.js';
import type { BundlesApi, FleetApi, Resolution } from '../protocol-types.js';
import { liveConnectionsRepository } from '../stream/live-connections.repository.js';
import { groupCommit } from '../stream/group-commit.js';
import { fleetRepository, type ConnectUpsert, type RegistrationRow, type RuleRow } from './fleet.repository.js';
import type { AgentStatusT, RegistrationT, RuleT } from './fleet.schemas.js';
import { resolveWith } from './resolution.js';
import { canarySlices, driftStatus, runningRevision, sameRevision, sliceKey, withCanary } from './drift.js';
import { canaryRepository } from '../rollouts/canary.repository.js';
import { coverageRepository } from '../coverage/coverage.repository.js';

export interface PatchInput {
  display_name?: string | null | undefined;
  tags?: Record<string, unknown> | undefined;
  bundle_name?: string | undefined;
}

export interface RuleInput {
  priority: number;
  pattern: string;
  tag_match?: Record<string, unknown> | null | undefined;
  bundle_name: string;
  env: string;
}

export type RulePatch = { [K in keyof RuleInput]?: RuleInput[K] | null | undefined };

const asTags = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

function registrationOut(r: RegistrationRow, resolved: string | null): RegistrationT {
  return {
    id: r.id,
    agent_id: r.agentId,
    display_name: r.displayName,
    tags: asTags(r.tags),
    bundle_name: r.bundleName,
    resolved_bundle: resolved,
    last_seen_at: r.lastSeenAt?.toISOString() ?? null,
    created_at: r.createdAt.toISOString(),
  };
}

export function ruleOut(r: RuleRow): RuleT {
  return {
    id: r.id,
    priority: r.priority,
    pattern: r.pattern,
    tag_match: r.tagMatch ? asTags(r.tagMatch) : null,
    bundle_name: r.bundleName,
    env: r.env,
    created_at: r.createdAt.toISOString(),
  };
}

/** Registrations, explicit assignment, assignment rules, resolution and drift (console-api.md 1.12-1.14, 4.8). */
export function createFleetService(ctx: AppContext, bundles: BundlesApi) {
  const { db } = ctx.deps.database;
  const now = () => ctx.deps.now();

  // Connects arriving together share one upsert statement (a reconnect storm is one batch).
  const upsert = groupCommit((items: ConnectUpsert[]) => fleetRepository.upsertOnConnect(db, items));

  const api: FleetApi = {
    async onConnect({ tenantId, agentId, env, policyVersion }) {
      return { tags: asTags(await upsert({ tenantId, agentId, env, policyVersion, at: now() })) };
    },
    async resolve({ tenantId, agentId, env, tags, agentProvided }): Promise<Resolution> {
      const [reg, rules] = await Promise.all([
        fleetRepository.get(db, tenantId, agentId),
        fleetRepository.rules(db, tenantId, env),
      ]);
      return resolveWith({ explicit: reg?.bundleName ?? null, rules, agentId, tags, agentProvided });
    },
  };

  /** Live streams re-resolve through the rules in every process (decision 5). */
  const rulesChanged = (tenantId: string, ruleId: string, action: 'created' | 'updated' | 'deleted') =>
    Promise.all([
      ctx.publish.dashboard(tenantId, 'assignment_changed', { rule_id: ruleId, action }),
      ctx.publish.control(tenantId, 'assignment_rules_changed', { rule_id: ruleId }),
    ]);

  const explicitChanged = async (tenantId: string, agentId: string, bundleName: string | null) => {
    const data = { agent_id: agentId, bundle_name: bundleName, source: 'explicit' };
    await ctx.publish.agents(tenantId, 'assignment_changed', data, { agentId });
  };

  return {
    api,

    async listRegistrations(tenantId: string): Promise<RegistrationT[]> {
      const [rows, rules] = await Promise.all([fleetRepository.list(db, tenantId), fleetRepository.rules(db, tenantId)]);
      return rows.map((r) =>
        registrationOut(r, resolveWith({ explicit: r.bundleName, rules, agentId: r.agentId, tags: asTags(r.tags) }).bundle_name),
      );
    },

    async patchRegistration(actor: Actor, agentId: string, body: PatchInput): Promise<RegistrationT> {
      const { tenantId } = actor;
      const before = await fleetRepository.get(db, tenantId, agentId);
      if (!before) throw notFound('Agent not found', 'fleet.agent_not_found');
      const set: { displayName?: string | null; tags?: Record<string, unknown>; bundleName?: string | null } = {};
      if (body.display_name !== undefined)
        set.displayName = body.display_name === null || body.display_name === '' ? null : body.display_name;
      if (body.tags !== undefined) set.tags = body.tags;
      if (body.bundle_name !== undefined) set.bundleName = body.bundle_name === '' ? null : body.bundle_name;
      const row = Object.keys(set).length
        ? await db.transaction(async (tx) => {
            const r = await fleetRepository.update(tx, tenantId, agentId, set, now());
            if (r) {
              const detail: Record<string, unknown> = { changed: Object.keys(set) };
              if (set.bundleName !== undefined) detail.bundle_name = set.bundleName;
              await recordActivity(tx, actor, { action: 'agent.update', target: `agent:${agentId}`, detail });
            }
            return r;
          })
        : before;
      if (!row) throw notFound('Agent not found', 'fleet.agent_not_found');

      if (set.bundleName !== undefined && set.bundleName !== before.bundleName) {
        await explicitChanged(tenantId, agentId, row.bundleName);
        await ctx.publish.dashboard(tenantId, 'assignment_changed', {
          agent_id: agentId,
          bundle_name: row.bundleName,
          source: 'explicit',
        });
      } else if (set.tags !== undefined && JSON.stringify(set.tags) !== JSON.stringify(before.tags)) {
        // Tags feed rule matching: live streams of this agent re-resolve with the new ones.
        await ctx.publish.control(tenantId, 'agent_tags_changed', { agent_id: agentId, tags: set.tags });
      }
      const rules = await fleetRepository.rules(db, tenantId);
      return registrationOut(row, resolveWith({ explicit: row.bundleName, rules, agentId, tags: asTags(row.tags) }).bundle_name);
    },

    async bulkAssign(actor: Actor, agentIds: string[], bundleName: string): Promise<{ updated: number }> {
      const { tenantId } = actor;
      const ids = [...new Set(agentIds)];
      const target = bundleName === '' ? null : bundleName;
      const updated = await db.transaction(async (tx) => {
        const n = await fleetRepository.setBundle(tx, tenantId, ids, target, now());
        await recordActivity(tx, actor, { action: 'agent.bulk_assign', target: target ? `bundle:${target}` : null, detail: { agent_ids: ids.slice(0, 100), agents: ids.length, bundle_name: target, updated: n } });
        return n;
      });
      // Every listed id is told, registered or not (console-api.md 1.13): it may connect later.
      await Promise.all(ids.map((id) => explicitChanged(tenantId, id, target)));
      await ctx.publish.dashboard(tenantId, 'assignment_changed', {
        agent_id: '__bulk__',
        bundle_name: target,
        source: 'explicit',
      });
      return { updated };
    },

    async listRules(tenantId: string): Promise<RuleT[]> {
      return (await fleetRepository.rules(db, tenantId)).map(ruleOut);
    },

    async createRule(actor: Actor, body: RuleInput): Promise<RuleT> {
      const { tenantId } = actor;
      if (await fleetRepository.priorityTaken(db, tenantId, body.priority)) {
        throw conflict(`Priority ${body.priority} already exists for this tenant`, 'fleet.priority_conflict');
      }
      let row: RuleRow;
      try {
        row = await db.transaction(async (tx) => {
          const r = await fleetRepository.insertRule(tx, {
            tenantId,
            priority: body.priority,
            pattern: body.pattern,
            tagMatch: body.tag_match ?? null,
            bundleName: body.bundle_name,
            env: body.env,
          });
          await recordActivity(tx, actor, { action: 'assignment_rule.create', target: `assignment_rule:${r.id}`, detail: { ...body } });
          return r;
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw conflict(`Priority ${body.priority} already exists for this tenant`, 'fleet.priority_conflict');
        throw err;
      }
      await rulesChanged(tenantId, row.id, 'created');
      return ruleOut(row);
    },

    async updateRule(actor: Actor, ruleId: string, body: RulePatch): Promise<RuleT> {
      const { tenantId } = actor;
      const set: Partial<{
        priority: number;
        pattern: string;
        tagMatch: Record<string, unknown>;
        bundleName: string;
        env: string;
      }> = {};
      if (body.priority != null) set.priority = body.priority;
      if (body.pattern != null) set.pattern = body.pattern;
      if (body.tag_match != null) set.tagMatch = body.tag_match;
      if (body.bundle_name != null) set.bundleName = body.bundle_name;
      if (body.env != null) set.env = body.env;
      if (!(await fleetRepository.rule(db, tenantId, ruleId))) throw notFound('Rule not found', 'fleet.rule_not_found');
      if (set.priority !== undefined && (await fleetRepository.priorityTaken(db, tenantId, set.priority, ruleId))) {
        throw conflict('Priority conflict', 'fleet.priority_conflict');
      }
      let row: RuleRow | null;
      try {
        row = await db.transaction(async (tx) => {
          const r = await fleetRepository.updateRule(tx, tenantId, ruleId, set, now());
          if (r) await recordActivity(tx, actor, { action: 'assignment_rule.update', target: `assignment_rule:${ruleId}`, detail: { ...body } });
          return r;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict('Priority conflict', 'fleet.priority_conflict');
        throw err;
      }
      if (!row) throw notFound('Rule not found', 'fleet.rule_not_found');
      await rulesChanged(tenantId, row.id, 'updated');
      return ruleOut(row);
    },

    async deleteRule(actor: Actor, ruleId: string): Promise<void> {
      const { tenantId } = actor;
      const deleted = await db.transaction(async (tx) => {
        if (!(await fleetRepository.deleteRule(tx, tenantId, ruleId))) return false;
        await recordActivity(tx, actor, { action: 'assignment_rule.delete', target: `assignment_rule:${ruleId}` });
        return true;
      });
      if (!deleted) throw notFound('Rule not found', 'fleet.rule_not_found');
      await rulesChanged(tenantId, ruleId, 'deleted');
    },

    async dryRun(
      tenantId: string,
      agentId: string,
      env: string | undefined,
      agentProvided: string | undefined,
    ): Promise<Resolution> {
      const reg = await fleetRepository.get(db, tenantId, agentId);
      return api.resolve({ tenantId, agentId, env: env ?? null, tags: asTags(reg?.tags), agentProvided: agentProvided ?? null });
    },

    /**
     * Live agents (any process) with drift per bundle (decision 10, fleet/drift.ts): the revision
     * on the live connection against ITS bundle's current deployment in ITS env.
     */
    async status(tenantId: string, bundleName?: string): Promise<{ agents: AgentStatusT[] }> {
      const rows = await liveConnectionsRepository.listTenant(db, tenantId, bundleName);
      const revisions = new Map<string, Promise<{ revision: string; ruleset: string | null } | null>>();
      const revisionOf = (env: string, bundle: string) => {
        const key = `${env}\u0000${bundle}`;
        let p = revisions.get(key);
        if (!p) {
          p = bundles.deployedRevisions(tenantId, env, bundle);
          revisions.set(key, p);
        }
        return p;
      };
      const [latestRows, sliceRows] = await Promise.all([
        coverageRepository.latestEvents(ctx.deps.database, tenantId, [...new Set(rows.map((r) => r.agentId))], null),
        canaryRepository.liveSlices(db, tenantId),
      ]);
      const latest = new Map(latestRows.map((e) => [e.agent_id, e]));
      const slices = canarySlices(sliceRows);
      const agents = await Promise.all(
        rows.map(async (r): Promise<AgentStatusT> => {
          const deployed = r.bundleName ? await revisionOf(r.env, r.bundleName) : null;
          const running = runningRevision(r, latest.get(r.agentId), undefined);
          // A current-generation agent runs the Ruleset rendering: its hash is the same deployment.
          const runsRuleset = deployed?.ruleset != null && running.revision !== null && sameRevision(running.revision, deployed.ruleset);
          const status = runsRuleset
            ? 'current'
            : withCanary(driftStatus(running.revision, deployed?.revision ?? null), running.revision, r.bundleName ? slices.get(sliceKey(r.env, r.bundleName, r.agentId)) : undefined);
          return {
            agent_id: r.agentId,
            env: r.env,
            bundle_name: r.bundleName,
            policy_version: r.policyVersion,
            status,
            connected_at: r.connectedAt.toISOString(),
          };
        }),
      );
      return { agents };
    },
  };
}

export type FleetService = ReturnType<typeof createFleetService>;

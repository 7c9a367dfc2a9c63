import type { AppContext, BreakGlassStep } from '../../context.js';
import type { Tx } from '../../db/client.js';
import { conflict, forbidden, notFound } from '../../platform/errors.js';
import { recordActivity, systemActor, type Actor } from '../activity/activity.service.js';
import type { KeysService } from '../keys/keys.service.js';
import { breakGlassRepository as repo, type SwitchRow } from './breakglass.repository.js';
import { MAX_MINUTES, type ArmBodyT, type SwitchResponseT } from './breakglass.schemas.js';
import type { ServedBundles } from './served-bundle.js';

/** An unconfirmed request lapses after this long. */
export const PENDING_TTL_MS = 30 * 60_000;
/** Due switches ended per transaction by the expiry job. */
const EXPIRY_BATCH = 100;

type AdminActor = Actor & { actorId: string };

export function switchResponse(s: SwitchRow, viewerUserId: string | null): SwitchResponseT {
  return {
    id: s.id,
    kind: s.kind as SwitchResponseT['kind'],
    tool: s.tool,
    agent_id: s.agentId,
    reason: s.reason,
    status: s.status as SwitchResponseT['status'],
    duration_seconds: s.durationSeconds,
    armed_by: s.armedBy,
    confirmed_by: s.confirmedBy,
    confirmed_at: s.confirmedAt?.toISOString() ?? null,
    expires_at: s.expiresAt.toISOString(),
    ended_by: s.endedBy,
    ended_at: s.endedAt?.toISOString() ?? null,
    effects: (s.effects ?? {}) as Record<string, unknown>,
    created_at: s.createdAt.toISOString(),
    can_confirm: s.status === 'pending' && viewerUserId !== null && s.armedByUserId !== viewerUserId,
  };
}

const what = (s: SwitchRow) => ({ kind: s.kind, tool: s.tool, agent_id: s.agentId, reason: s.reason });

/**
 * Break-glass switches (issue 15): arm (pending a second admin when the tenant has two or more),
 * confirm, extend, disarm, and the expiry job. Each transition is one transaction with its
 * activity row; pushes, stream closes and approval denials follow the commit.
 */
export function createBreakGlassService(ctx: AppContext, served: ServedBundles, keys: KeysService) {
  const { deps } = ctx;
  const { db } = deps.database;
  const now = () => deps.now();

  /** Inside the activating transaction: what cannot wait for the commit (the agent's keys go with it). */
  async function activateIn(tx: Tx, s: SwitchRow, actor: Actor): Promise<SwitchRow> {
    if (s.kind !== 'quarantine_agent' || !s.agentId) return s;
    const revoked: string[] = [];
    for (const keyId of await repo.agentKeyIds(tx, s.tenantId, s.agentId)) {
      if (await keys.revokeIn(tx, actor, keyId, { reason: 'break-glass quarantine', switch_id: s.id, agent_id: s.agentId }))
        revoked.push(keyId);
    }
    return repo.update(tx, s.id, { effects: { revoked_key_ids: revoked } });
  }

  /** After commit: agents get the overlaid bundle; a quarantined agent loses its streams and its pending approvals. */
  async function afterActivate(s: SwitchRow, actor: Actor): Promise<void> {
    await served.switchesChanged(s.tenantId);
    if (s.kind === 'quarantine_agent' && s.agentId) {
      const revoked = (s.effects as { revoked_key_ids?: string[] }).revoked_key_ids ?? [];
      for (const keyId of revoked) await keys.afterRevoke(s.tenantId, keyId);
      await ctx.publish.control(s.tenantId, 'agent_quarantined', { agent_id: s.agentId, switch_id: s.id });
      for (const id of await repo.pendingApprovalIds(db, s.tenantId, s.agentId)) {
        await ctx.approvals.decide(s.tenantId, id, {
          approved: false,
          reason: `Agent quarantined by break-glass switch ${s.id}.`,
          decidedBy: actor.actor,
          decidedVia: 'console',
          actor,
        });
      }
    }
  }

  /** After commit: dashboards, then chat channels (with the buttons for the new state). */
  async function announce(s: SwitchRow, step: BreakGlassStep, actor: Actor): Promise<void> {
    await ctx.publish.dashboard(s.tenantId, 'breakglass_changed', { id: s.id, status: s.status, kind: s.kind });
    await ctx.announcer.breakGlass(switchResponse(s, null), step, actor);
  }

  async function transition(actor: Actor, id: string, step: (tx: Tx, s: SwitchRow) => Promise<SwitchRow>): Promise<SwitchRow> {
    return db.transaction(async (tx) => {
      const s = await repo.lock(tx, actor.tenantId, id);
      if (!s) throw notFound('Switch not found.', 'breakglass.not_found');
      return step(tx, s);
    });
  }

  return {
    adminByEmail: (tenantId: string, email: string) => repo.adminByEmail(db, tenantId, email),

    async list(tenantId: string, viewerUserId: string): Promise<{ switches: SwitchResponseT[]; admins: number }> {
      const [rows, admins] = await Promise.all([repo.list(db, tenantId, 200), repo.adminCount(db, tenantId)]);
      return { switches: rows.map((r) => switchResponse(r, viewerUserId)), admins };
    },

    async arm(actor: AdminActor, body: ArmBodyT): Promise<SwitchResponseT> {
      const at = now();
      const durationSeconds = body.duration_minutes * 60;
      const row = await db.transaction(async (tx) => {
        const twoMan = (await repo.adminCount(tx, actor.tenantId)) >= 2;
        const inserted = await repo.insert(tx, {
          tenantId: actor.tenantId,
          kind: body.kind,
          tool: body.tool ?? null,
          agentId: body.agent_id ?? null,
          reason: body.reason,
          status: twoMan ? 'pending' : 'active',
          durationSeconds,
          armedBy: actor.actor,
          armedByUserId: actor.actorId,
          confirmedAt: twoMan ? null : at,
          expiresAt: new Date(at.getTime() + (twoMan ? PENDING_TTL_MS : durationSeconds * 1000)),
        });
        await recordActivity(tx, actor, {
          action: 'breakglass.arm',
          target: `switch:${inserted.id}`,
          detail: { ...what(inserted), duration_minutes: body.duration_minutes, status: inserted.status },
        });
        return twoMan ? inserted : activateIn(tx, inserted, actor);
      });
      if (row.status === 'active') await afterActivate(row, actor);
      await announce(row, 'arm', actor);
      return switchResponse(row, actor.actorId);
    },

    async confirm(actor: AdminActor, id: string): Promise<SwitchResponseT> {
      const row = await transition(actor, id, async (tx, s) => {
        if (s.status !== 'pending') throw conflict(`Switch is ${s.status}, not pending.`, 'breakglass.not_pending');
        if (s.armedByUserId === actor.actorId)
          throw forbidden('The admin who armed a switch cannot confirm it; another admin must.', 'breakglass.self_confirm');
        const at = now();
        const active = await repo.update(tx, s.id, {
          status: 'active',
          confirmedBy: actor.actor,
          confirmedAt: at,
          expiresAt: new Date(at.getTime() + s.durationSeconds * 1000),
        });
        await recordActivity(tx, actor, {
          action: 'breakglass.confirm',
          target: `switch:${s.id}`,
          detail: { ...what(s), armed_by: s.armedBy },
        });
        return activateIn(tx, active, actor);
      });
      await afterActivate(row, actor);
      await announce(row, 'confirm', actor);
      return switchResponse(row, actor.actorId);
    },

    async extend(actor: AdminActor, id: string, minutes: number): Promise<SwitchResponseT> {
      const row = await transition(actor, id, async (tx, s) => {
        if (s.status !== 'active')
          throw conflict(`Only an active switch can be extended (this one is ${s.status}).`, 'breakglass.not_active');
        const cap = now().getTime() + MAX_MINUTES * 60_000;
        const expiresAt = new Date(Math.min(s.expiresAt.getTime() + minutes * 60_000, cap));
        const out = await repo.update(tx, s.id, { expiresAt });
        await recordActivity(tx, actor, {
          action: 'breakglass.extend',
          target: `switch:${s.id}`,
          detail: { ...what(s), minutes, from: s.expiresAt.toISOString(), to: expiresAt.toISOString() },
        });
        return out;
      });
      // The deadline is in the deny message: agents get the new one.
      await served.switchesChanged(row.tenantId);
      await announce(row, 'extend', actor);
      return switchResponse(row, actor.actorId);
    },

    /** One admin may always disarm (or withdraw a pending request): ending a switch only makes things as before. */
    async disarm(actor: AdminActor, id: string, reason: string | null): Promise<SwitchResponseT> {
      let wasActive = false;
      const row = await transition(actor, id, async (tx, s) => {
        if (s.status !== 'pending' && s.status !== 'active')
          throw conflict(`Switch is already ${s.status}.`, 'breakglass.not_live');
        wasActive = s.status === 'active';
        const out = await repo.update(tx, s.id, { status: 'disarmed', endedBy: actor.actor, endedAt: now() });
        await recordActivity(tx, actor, {
          action: 'breakglass.disarm',
          target: `switch:${s.id}`,
          detail: { ...what(s), was: s.status, why: reason },
        });
        return out;
      });
      if (wasActive) await served.switchesChanged(row.tenantId);
      await announce(row, 'disarm', actor);
      return switchResponse(row, actor.actorId);
    },

    /**
     * The expiry job's pass (leader only): active switches past their deadline end (`expired`) and
     * agents get the deployed bundle back; unconfirmed requests past theirs lapse.
     */
    async tick(): Promise<number> {
      let total = 0;
      for (;;) {
        const ended = await db.transaction(async (tx) => {
          const due = await repo.due(tx, now(), EXPIRY_BATCH);
          const out: SwitchRow[] = [];
          for (const s of due) {
            const status = s.status === 'active' ? 'expired' : 'lapsed';
            out.push(await repo.update(tx, s.id, { status, endedBy: 'system', endedAt: now() }));
            await recordActivity(tx, systemActor(s.tenantId), {
              action: `breakglass.${status === 'expired' ? 'expire' : 'lapse'}`,
              target: `switch:${s.id}`,
              detail: what(s),
            });
          }
          return out;
        });
        for (const tenantId of new Set(ended.filter((s) => s.status === 'expired').map((s) => s.tenantId)))
          await served.switchesChanged(tenantId);
        for (const s of ended) await announce(s, s.status === 'expired' ? 'expire' : 'lapse', systemActor(s.tenantId));
        total += ended.length;
        if (ended.length < EXPIRY_BATCH) return total;
      }
    },
  };
}

export type BreakGlassService = ReturnType<typeof createBreakGlassService>;

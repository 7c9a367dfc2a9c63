import type { AppContext, ApprovalDecision, ApprovalRow, ApprovalsApi, DecideResult } from '../../context.js';
import { approvalDecided, approvalRequested, approvalsDecided } from '../audit-chain/chain.append.js';
import { chatActor, recordActivity, systemActor } from '../activity/activity.service.js';
import { tooManyRequests } from '../../platform/errors.js';
import { EXPIRE_BATCH, approvalsRepository, type ApprovalView, type ListFilter } from './approvals.repository.js';
import { isStorableText, type ApprovalResponseT, type ApprovalStatus, type CreateApprovalInput } from './approvals.schemas.js';

/** Approval creation limit per (tenant, agent): console-api.md 7.5. */
export const APPROVAL_RATE_LIMIT = { max: 10, windowSeconds: 60 } as const;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The logical view: a pending approval past its deadline is a timeout, as the worker will make it. */
export function logicalRow(v: ApprovalView): ApprovalRow {
  return v.expired ? { ...v.row, status: 'timeout', decidedVia: v.row.decidedVia ?? 'system' } : v.row;
}

export function toResponse(row: ApprovalRow): ApprovalResponseT {
  return {
    id: row.id,
    status: row.status as ApprovalStatus,
    agent_id: row.agentId,
    tool_name: row.toolName,
    tool_args: (row.toolArgs as Record<string, unknown> | null) ?? null,
    message: row.message,
    env: row.env,
    timeout_seconds: row.timeoutSeconds,
    timeout_effect: row.timeoutEffect,
    decision_source: row.decisionSource,
    contract_name: row.contractName,
    decided_by: row.decidedBy,
    decided_at: row.decidedAt?.toISOString() ?? null,
    decision_reason: row.decisionReason,
    decided_via: row.decidedVia,
    session_id: row.sessionId ?? null,
    timeout_action: row.timeoutEffect === 'allow' ? 'allow' : 'block',
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt.toISOString(),
  };
}

/**
 * Chat callbacks pass text from outside (usernames, typed reasons): make it fit its column and
 * storable (no NUL, no lone surrogate) rather than fail the decision with a database error.
 */
function storable(s: string, max: number): string {
  const clean = isStorableText(s)
    ? s
    : s.replaceAll('\u0000', '').replace(/[\ud800-\udfff]/g, (c, i: number, all: string) => {
        const code = c.charCodeAt(0);
        const pairedHigh = code < 0xdc00 && /[\udc00-\udfff]/.test(all[i + 1] ?? '');
        const pairedLow = code >= 0xdc00 && /[\ud800-\udbff]/.test(all[i - 1] ?? '');
        return pairedHigh || pairedLow ? c : '\ufffd';
      });
  // Cut on a code point boundary.
  return Array.from(clean).length > max ? Array.from(clean).slice(0, max).join('') : clean;
}

export type ApprovalsService = ReturnType<typeof createApprovalsService>;

/**
 * Rules for approvals. Every write is one statement (so nothing is half-written); pushes and
 * notifications run after it. Notifications are not awaited by the caller: a slow chat API must
 * not hold the agent's request, and a failure there is logged, never surfaced.
 */
export function createApprovalsService(ctx: AppContext) {
  const { deps } = ctx;
  const db = () => deps.database.db;
  const inFlight = new Set<Promise<void>>();

  /** Runs a notifier call in the background; read `ctx.notifier` now (it is replaced after registration). */
  function notify(what: string, call: () => Promise<void>): void {
    const p = Promise.resolve()
      .then(call)
      .catch((err: unknown) => deps.logger.error({ err, what }, 'approval notification failed'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  async function publishDecided(row: ApprovalRow): Promise<void> {
    const data = {
      approval_id: row.id,
      status: row.status,
      decided_by: row.decidedBy,
      decision_reason: row.decisionReason,
      decided_via: row.decidedVia,
    };
    await ctx.publish.agents(row.tenantId, 'approval_decided', { ...data, agent_id: row.agentId }, { env: row.env });
    await ctx.publish.dashboard(row.tenantId, 'approval_decided', { ...toResponse(row), ...data });
    notify('approvalDecided', () => ctx.notifier.approvalDecided(row));
  }

  async function classifyFailure(tenantId: string, id: string): Promise<DecideResult> {
    const current = await approvalsRepository.find(db(), tenantId, id);
    if (!current) return { ok: false, reason: 'not_found', approval: null };
    const row = logicalRow(current);
    const reason = row.status === 'approved' || row.status === 'denied' ? 'already_decided' : 'expired';
    return { ok: false, reason, approval: row };
  }

  const api: ApprovalsApi = {
    async decide(tenantId: string, approvalId: string, d: ApprovalDecision): Promise<DecideResult> {
      // Chat callbacks hand over ids from outside; a malformed one is simply not found.
      if (!UUID_RE.test(approvalId)) return { ok: false, reason: 'not_found', approval: null };
      const decidedBy = storable(d.decidedBy, 255);
      const actor = d.actor ?? (d.decidedVia === 'console' ? { ...systemActor(tenantId), actor: decidedBy, actorType: 'user' as const, source: 'dashboard' as const } : chatActor(tenantId, decidedBy));
      const row = await db().transaction(async (tx) => {
        const r = await approvalsRepository.decide(tx, tenantId, approvalId, {
          status: d.approved ? 'approved' : 'denied',
          decidedBy,
          reason: d.reason === null ? null : storable(d.reason, 2000),
          decidedVia: storable(d.decidedVia, 64),
        });
        if (r) {
          await recordActivity(tx, { ...actor, tenantId }, {
            action: `approval.${d.approved ? 'approve' : 'deny'}`,
            target: `approval:${r.id}`,
            detail: { agent_id: r.agentId, tool_name: r.toolName, via: r.decidedVia, reason: r.decisionReason },
          });
          // The decision's audit-chain entry goes last: it holds the chain head until commit.
          await approvalDecided(tx, r);
        }
        return r;
      });
      if (!row) return classifyFailure(tenantId, approvalId);
      await publishDecided(row);
      return { ok: true, approval: row };
    },
    async get(tenantId: string, approvalId: string): Promise<ApprovalRow | null> {
      if (!UUID_RE.test(approvalId)) return null;
      const v = await approvalsRepository.find(db(), tenantId, approvalId);
      return v ? logicalRow(v) : null;
    },
  };

  return {
    api,

    async create(p: { tenantId: string; env: string; agentId: string }, body: CreateApprovalInput): Promise<ApprovalResponseT> {
      const rate = await deps.rateLimiter.hit(
        `approval:${p.tenantId}:${p.agentId}`,
        APPROVAL_RATE_LIMIT.max,
        APPROVAL_RATE_LIMIT.windowSeconds,
      );
      if (!rate.allowed)
        throw tooManyRequests('Too many approval requests. Please slow down.', rate.retryAfterSeconds, 'approvals.rate_limited');
      const row = await db().transaction(async (tx) => {
        const created = await approvalsRepository.insert(tx, {
        tenantId: p.tenantId,
        agentId: p.agentId,
        env: p.env,
        toolName: body.tool_name,
        toolArgs: body.tool_args ?? null,
        message: body.message,
        timeoutSeconds: body.timeout,
        timeoutEffect: body.timeout_action ? (body.timeout_action === 'allow' ? 'allow' : 'deny') : body.timeout_effect,
        decisionSource: body.decision_source ?? null,
        contractName: body.contract_name ?? null,
        sessionId: body.session_id ?? null,
        });
        await approvalRequested(tx, created);
        return created;
      });
      const response = toResponse(row);
      const brief = { approval_id: row.id, agent_id: row.agentId, tool_name: row.toolName, message: row.message };
      await ctx.publish.agents(
        row.tenantId,
        'approval_created',
        { ...brief, env: row.env, timeout_seconds: row.timeoutSeconds },
        { env: row.env },
      );
      // The dashboard gets the whole record so the page can show it without a refetch.
      await ctx.publish.dashboard(row.tenantId, 'approval_created', { ...response, ...brief });
      notify('approvalCreated', () => ctx.notifier.approvalCreated(row));
      return response;
    },

    async get(tenantId: string, id: string, env?: string): Promise<ApprovalResponseT | null> {
      const v = await approvalsRepository.find(db(), tenantId, id, env);
      return v ? toResponse(logicalRow(v)) : null;
    },

    async list(tenantId: string, filter: ListFilter): Promise<ApprovalResponseT[]> {
      const views = await approvalsRepository.list(db(), tenantId, filter);
      return views.map((v) => toResponse(logicalRow(v)));
    },

    /** One pass of the timeout worker; returns the rows it expired. */
    async expireOverdue(): Promise<ApprovalRow[]> {
      const expired: ApprovalRow[] = [];
      for (;;) {
        // Expired and chained in one transaction; heads taken in tenant order (no lock cycles).
        const rows = await db().transaction(async (tx) => {
          const out = await approvalsRepository.expireOverdue(tx);
          await approvalsDecided(tx, out);
          return out;
        });
        expired.push(...rows);
        for (const row of rows) {
          const data = { approval_id: row.id, agent_id: row.agentId, tool_name: row.toolName };
          await ctx.publish.agents(row.tenantId, 'approval_timeout', { ...data, env: row.env }, { env: row.env });
          await ctx.publish.dashboard(row.tenantId, 'approval_timeout', { ...data, status: 'timeout', decided_via: 'system' });
        }
        if (rows.length > 0) notify('approvalsTimedOut', () => ctx.notifier.approvalsTimedOut(rows));
        if (rows.length < EXPIRE_BATCH) return expired;
      }
    },

    /** Waits for background notifications (graceful shutdown, tests). */
    async drain(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

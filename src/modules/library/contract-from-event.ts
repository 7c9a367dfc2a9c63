import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import type { Database, DbOrTx } from '../../db/client.js';
import { approvals } from '../../db/schema.js';
import { notFound, tooManyRequests, unprocessable } from '../../platform/errors.js';
import type { EvaluationInput } from '../../engine/engine.js';
import type { PlaygroundResult } from '../evaluate/evaluation-core.js';
import { principalFromEvent } from '../evaluate/evaluation-core.js';
import { EvaluationTimeout, type EvaluationPool } from '../evaluate/evaluation-pool.js';
import type { ContractsService } from './contracts.service.js';
import { contractsRepository } from './contracts.repository.js';
import type { CompositionsService } from './compositions.service.js';
import { contractCheckYaml, type Definition } from './library-content.js';
import type { DraftFromEventBodyT, SaveFromEventBodyT } from './contracts.schemas.js';
import type { z } from 'zod';
import type { DraftFromEventResponse, EventCheck, SaveFromEventResponse } from './contracts.schemas.js';

type Source = z.output<typeof DraftFromEventResponse>['source'] & { environment: string; principal: EvaluationInput['principal'] };
type Check = z.output<typeof EventCheck>;

/** Arguments that usually tell what a call did, most telling first. */
const TELLING = ['command', 'cmd', 'sql', 'query', 'path', 'file_path', 'filePath', 'url', 'to', 'recipient', 'amount', 'destination', 'domain', 'host'];

/** The two places a call can come from; SQL stays here (the events table is partitioned and read raw). */
const sourcesRepository = {
  async event(database: Database, tenantId: string, id: string) {
    const [row] = await database.rows<{ id: string; agent_id: string; tool_name: string; verdict: string; env: string | null; args: unknown; principal: unknown; environment: string | null }>(
      sql`SELECT id::text AS id, agent_id, tool_name, verdict, env, payload->'tool_args' AS args, payload->'principal' AS principal,
            payload->>'environment' AS environment
          FROM events WHERE tenant_id = ${tenantId}::uuid AND id = ${id}::uuid LIMIT 1`,
    );
    return row ?? null;
  },
  async approval(db: DbOrTx, tenantId: string, id: string) {
    const [row] = await db.select().from(approvals).where(and(eq(approvals.tenantId, tenantId), eq(approvals.id, id))).limit(1);
    return row ?? null;
  },
};

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '');
const isArgs = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The argument the draft keys on: a known telling one, else the first scalar. */
export function tellingArgument(args: Record<string, unknown>): string | null {
  const scalar = (k: string) => ['string', 'number', 'boolean'].includes(typeof args[k]) && /^[A-Za-z0-9_-]{1,64}$/.test(k);
  return TELLING.find((k) => k in args && scalar(k)) ?? Object.keys(args).find(scalar) ?? null;
}

/** A pre contract that denies this very call: the tool, and the telling argument's value. */
export function draftFor(source: { id: string; tool_name: string; tool_args: Record<string, unknown> }) {
  const arg = tellingArgument(source.tool_args);
  const value = arg ? source.tool_args[arg] : undefined;
  let when: Record<string, unknown>;
  if (arg === null) when = { 'tool.name': { equals: source.tool_name } };
  else if (typeof value === 'number') when = { [`args.${arg}`]: { gte: value } };
  else if (typeof value === 'string' && value.length > 200) when = { [`args.${arg}`]: { starts_with: value.slice(0, 200) } };
  else when = { [`args.${arg}`]: { equals: value } };
  const base = slug(`block-${source.tool_name}${arg ? `-${arg}` : ''}`).slice(0, 100) || 'block-call';
  const definition: Definition = {
    tool: source.tool_name.replace(/[*?[\]]/g, '?'),
    when,
    then: { effect: 'deny', message: arg ? `{tool.name} with this ${arg} is not allowed ({args.${arg}}).` : '{tool.name} is not allowed.', tags: ['from-event'] },
  };
  return {
    contract_id: base,
    name: `Block ${source.tool_name}${arg ? ` by ${arg}` : ''}`.slice(0, 255),
    type: 'pre' as const,
    description: `Made from ${source.id}.`,
    definition,
    tags: ['from-event'],
    arg,
  };
}

/**
 * "Create contract" on an event or an approval (issue 13): a draft pre contract keyed on the
 * tool and the telling argument; the draft (and what the admin saves) is evaluated by the engine
 * against that very call, on the evaluation pool, before anything is stored.
 */
export function createFromEventService(ctx: AppContext, deps: { pool: EvaluationPool; contracts: ContractsService; compositions: CompositionsService }) {
  const { database } = ctx.deps;

  async function sourceOf(tenantId: string, ref: { event_id?: string | undefined; approval_id?: string | undefined }): Promise<Source> {
    if (ref.event_id) {
      const e = await sourcesRepository.event(database, tenantId, ref.event_id);
      if (!e) throw notFound('Event not found', 'events.not_found');
      const args = isArgs(e.args) ? e.args : {};
      return { kind: 'event', id: e.id, tool_name: e.tool_name, tool_args: args, agent_id: e.agent_id, verdict: e.verdict, telling_argument: tellingArgument(args), environment: e.environment ?? e.env ?? 'production', principal: principalFromEvent(e.principal) };
    }
    if (ref.approval_id) {
      const a = await sourcesRepository.approval(database.db, tenantId, ref.approval_id);
      if (!a) throw notFound('Approval not found', 'approvals.not_found');
      const args = isArgs(a.toolArgs) ? a.toolArgs : {};
      return { kind: 'approval', id: a.id, tool_name: a.toolName, tool_args: args, agent_id: a.agentId, verdict: a.status, telling_argument: tellingArgument(args), environment: a.env, principal: null };
    }
    throw unprocessable([{ loc: ['body'], msg: 'give event_id or approval_id' }]);
  }

  /** Does the contract fire on the call? Evaluated by the engine on a worker thread. */
  async function check(contractId: string, definition: Definition, source: Source): Promise<Check> {
    const yaml = contractCheckYaml(contractId, 'pre', definition);
    const input: EvaluationInput = { tool: source.tool_name, args: source.tool_args, environment: source.environment, principal: source.principal ?? null };
    let out: { value: PlaygroundResult } | null;
    try {
      out = await deps.pool.run<PlaygroundResult>({ op: 'playground', req: { yaml, input, sdks: ['python'], deadlineMs: 2000 } }, 5000, 1000);
    } catch (err) {
      if (err instanceof EvaluationTimeout) throw unprocessable('Evaluation timed out — contract may be too complex.', 'contracts.check_timeout');
      throw err;
    }
    if (!out) throw tooManyRequests('Too many concurrent evaluations. Try again shortly.', 1, 'evaluate.busy');
    const r = out.value.python;
    if (!r?.verdict) {
      const first = r && !r.load.ok ? r.load.errors[0] : undefined;
      throw unprocessable([{ loc: ['body', 'contract', 'definition'], msg: first ? `${first.path}: ${first.message}` : 'the contract does not load' }], 'contracts.invalid');
    }
    const t = r.verdict.trace.find((x) => x.id === contractId);
    return {
      matched: r.verdict.decidingContract === contractId,
      outcome: r.verdict.outcome,
      message: r.verdict.message,
      reason: t?.reason ?? 'the contract does not apply to this tool',
    };
  }

  return {
    async draft(tenantId: string, body: DraftFromEventBodyT) {
      const source = await sourceOf(tenantId, body);
      const d = draftFor(source);
      // A free id: `block-x`, else `block-x-2`, `block-x-3`…
      const base = d.contract_id;
      for (let n = 2; n < 100 && (await contractsRepository.exists(database.db, tenantId, d.contract_id)); n++) d.contract_id = `${base}-${n}`;
      const { arg: _arg, ...draft } = d;
      const { environment: _e, principal: _p, ...shown } = source;
      return { draft, source: shown, check: await check(d.contract_id, d.definition, source) };
    },

    /** Saved only when it fires on the call it was made from; then optionally appended to a composition. */
    async save(tenantId: string, by: string, body: SaveFromEventBodyT): Promise<z.output<typeof SaveFromEventResponse>> {
      if (!body.event_id === !body.approval_id) throw unprocessable([{ loc: ['body', 'event_id'], msg: 'give exactly one of event_id and approval_id' }]);
      const source = await sourceOf(tenantId, body);
      const { id: _id, type: _type, ...definition } = body.contract.definition;
      const result = await check(body.contract.contract_id, definition, source);
      if (!result.matched) {
        throw unprocessable(
          [{ loc: ['body', 'contract', 'definition'], msg: `does not fire on the ${source.kind} it was made from (${result.reason})`, check: result }],
          'contracts.does_not_match',
        );
      }
      if (body.composition) await deps.compositions.load(tenantId, body.composition.name);
      const contract = await deps.contracts.create(tenantId, by, { ...body.contract, type: 'pre' });
      if (body.composition) await deps.compositions.append(tenantId, body.composition.name, contract.id, body.composition.mode_override ?? null);
      return { contract, check: result, composition_name: body.composition?.name ?? null };
    },
  };
}

export type FromEventService = ReturnType<typeof createFromEventService>;

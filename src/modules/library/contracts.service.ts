import { recordActivity, type Actor } from '../activity/activity.service.js';
import type { AppContext } from '../../context.js';
import type { Tx } from '../../db/client.js';
import { conflict, notFound, unprocessable, type Problem } from '../../platform/errors.js';
import { bundlesRepository } from '../bundles/bundles.repository.js';
import type { BundleValidator } from '../bundles/bundle-validator.js';
import { contractsRepository, type ContractRow } from './contracts.repository.js';
import { compositionsRepository } from './compositions.repository.js';
import { contentHash, contractCheckYaml, splitDefinition, type Definition } from './library-content.js';
import type {
  ContractDetailT,
  ContractSummaryT,
  ContractUsageT,
  CreateContractBodyT,
  UpdateContractBodyT,
} from './contracts.schemas.js';

/** What compositions do when a library contract gets a new version (compositions.service.ts). */
export interface ContractChangeHooks {
  /** Inside the new version's transaction: items following the latest move to it; the compositions moved. */
  moved(tx: Tx, tenantId: string, contractId: string, previousRowId: string, newRowId: string): Promise<string[]>;
  /** After commit: the update strategies (mark, re-deploy, ship in observe mode). */
  changed(tenantId: string, contractId: string, moved: string[], by: string): Promise<void>;
}

/** SQLSTATE 23503, wherever the driver or drizzle put it. */
function isForeignKeyViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === '23503') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export const contractNotFound = (id: string) => notFound(`Contract '${id}' not found`, 'contracts.not_found');

export function summaryOf(r: ContractRow, usage: number): ContractSummaryT {
  return {
    contract_id: r.contractId,
    name: r.name,
    type: r.type,
    tags: (r.tags as string[] | null) ?? [],
    version: r.version,
    description: r.description,
    created_at: r.createdAt.toISOString(),
    usage_count: usage,
  };
}

export function detailOf(r: ContractRow, usage: number, versions: ContractDetailT['versions']): ContractDetailT {
  return {
    ...summaryOf(r, usage),
    id: r.id,
    tenant_id: r.tenantId,
    definition: r.definition as Record<string, unknown>,
    is_latest: r.isLatest,
    created_by: r.createdBy,
    versions,
    content_hash: r.contentHash,
  };
}

/**
 * The engine's verdict on one contract, wrapped in a bundle exactly as it would ship
 * (library-content.ts), through the shared validator (off the event loop when large). Problems
 * come back located under `root` (`['body', 'definition']`), their line given for the wrapper.
 */
export async function checkContract(validator: BundleValidator, contractId: string, type: string, definition: Definition, root: (string | number)[]): Promise<Problem[]> {
  const result = await validator.validate(contractCheckYaml(contractId, type, definition));
  if (result.ok) return [];
  return result.problems.map((p) => {
    const [head, index, field, ...rest] = p.loc;
    const inContract = head === 'contracts' && index === 0;
    const loc = !inContract || field === undefined ? [...root] : field === 'id' ? ['body', 'contract_id'] : field === 'type' ? ['body', 'type'] : [...root, field, ...rest];
    const path = inContract && field !== undefined ? [field, ...rest].join('.') : p.path;
    return { loc, msg: `${path}: ${p.msg}`, path };
  });
}

export function createContractsService(ctx: AppContext, validator: BundleValidator, hooks: ContractChangeHooks) {
  const { db } = ctx.deps.database;

  async function prepared(contractId: string, type: string, raw: Definition): Promise<Definition> {
    const split = splitDefinition(raw, { contractId, type });
    if (!split.ok) throw unprocessable([{ loc: ['body', 'definition', split.field], msg: split.msg }]);
    const problems = await checkContract(validator, contractId, type, split.definition, ['body', 'definition']);
    if (problems.length > 0) throw unprocessable(problems, 'contracts.invalid');
    return split.definition;
  }

  async function versionsOf(tenantId: string, contractId: string): Promise<ContractDetailT['versions']> {
    return (await contractsRepository.versions(db, tenantId, contractId)).map((v) => ({
      version: v.version,
      created_at: v.createdAt.toISOString(),
      created_by: v.createdBy,
    }));
  }

  async function usageCount(tenantId: string, contractId: string): Promise<number> {
    return (await contractsRepository.usageCounts(db, tenantId)).get(contractId) ?? 0;
  }

  return {
    async list(tenantId: string, f: { type?: string | undefined; tag?: string | undefined; search?: string | undefined }): Promise<ContractSummaryT[]> {
      const [rows, usage] = await Promise.all([contractsRepository.listLatest(db, tenantId, f), contractsRepository.usageCounts(db, tenantId)]);
      return rows.map((r) => summaryOf(r, usage.get(r.contractId) ?? 0));
    },

    async create(tenantId: string, by: string, body: CreateContractBodyT, actor?: Actor): Promise<ContractDetailT> {
      const definition = await prepared(body.contract_id, body.type, body.definition);
      const row = await db.transaction(async (tx) => {
        await contractsRepository.lock(tx, tenantId, body.contract_id);
        if (await contractsRepository.exists(tx, tenantId, body.contract_id)) {
          throw conflict(`Contract '${body.contract_id}' already exists. Use PUT to create a new version.`, 'contracts.exists');
        }
        const out = await contractsRepository.insertVersion(tx, {
          tenantId,
          contractId: body.contract_id,
          type: body.type,
          name: body.name,
          description: body.description ?? null,
          definition,
          tags: body.tags,
          createdBy: by,
          contentHash: contentHash(body.type, definition),
        });
        if (actor) await recordActivity(tx, actor, { action: 'contract.create', target: `contract:${body.contract_id}`, detail: { version: out.row.version, type: body.type } });
        return out.row;
      });
      await ctx.publish.dashboard(tenantId, 'contract_created', { contract_id: row.contractId, version: row.version });
      return detailOf(row, 0, await versionsOf(tenantId, row.contractId));
    },

    async get(tenantId: string, contractId: string): Promise<ContractDetailT> {
      const row = await contractsRepository.latest(db, tenantId, contractId);
      if (!row) throw contractNotFound(contractId);
      return detailOf(row, await usageCount(tenantId, contractId), await versionsOf(tenantId, contractId));
    },

    async version(tenantId: string, contractId: string, version: number): Promise<ContractDetailT> {
      const row = await contractsRepository.version(db, tenantId, contractId, version);
      if (!row) throw notFound(`Contract '${contractId}' v${version} not found`, 'contracts.version_not_found');
      return detailOf(row, await usageCount(tenantId, contractId), []);
    },

    /** A new version with the given fields changed (type never changes); old versions stay readable. */
    async update(tenantId: string, by: string, contractId: string, body: UpdateContractBodyT, actor?: Actor): Promise<ContractDetailT> {
      const given = Object.values(body).some((v) => v !== null && v !== undefined);
      if (!given) throw unprocessable('At least one field must be provided for update', 'contracts.empty_update');
      const current = await contractsRepository.latest(db, tenantId, contractId);
      if (!current) throw contractNotFound(contractId);
      const definition = body.definition ? await prepared(contractId, current.type, body.definition) : (current.definition as Definition);
      const { row, moved } = await db.transaction(async (tx) => {
        const out = await contractsRepository.insertVersion(tx, {
          tenantId,
          contractId,
          type: current.type,
          name: body.name ?? current.name,
          description: body.description !== undefined && body.description !== null ? body.description : current.description,
          definition,
          tags: body.tags ?? (current.tags as string[]),
          createdBy: by,
          contentHash: contentHash(current.type, definition),
        });
        const movedIds = out.previous ? await hooks.moved(tx, tenantId, contractId, out.previous.id, out.row.id) : [];
        if (actor) await recordActivity(tx, actor, { action: 'contract.update', target: `contract:${contractId}`, detail: { version: out.row.version } });
        return { row: out.row, moved: movedIds };
      });
      await ctx.publish.dashboard(tenantId, 'contract_updated', { contract_id: contractId, version: row.version });
      await hooks.changed(tenantId, contractId, moved, by);
      return detailOf(row, await usageCount(tenantId, contractId), await versionsOf(tenantId, contractId));
    },

    /** Every version goes; refused (409, naming them) while any composition uses any version. */
    async remove(tenantId: string, contractId: string, actor?: Actor): Promise<void> {
      await db
        .transaction(async (tx) => {
        await contractsRepository.lock(tx, tenantId, contractId);
        const users = await contractsRepository.referencingCompositions(tx, tenantId, contractId);
        if (users.length > 0) {
          throw conflict(`Contract '${contractId}' is referenced by compositions: ${users.join(', ')}. Remove it from those first.`, 'contracts.in_use');
        }
        if ((await contractsRepository.deleteAll(tx, tenantId, contractId)) === 0) throw contractNotFound(contractId);
        if (actor) await recordActivity(tx, actor, { action: 'contract.delete', target: `contract:${contractId}` });
        })
        .catch((err: unknown) => {
          // A composition that took it up between the check and the delete (the foreign key said no).
          if (isForeignKeyViolation(err)) throw conflict(`Contract '${contractId}' was just added to a composition. Remove it from there first.`, 'contracts.in_use');
          throw err;
        });
      // No `contract_deleted` type exists on the dashboard stream (console-api.md 2.2): an update saying so.
      await ctx.publish.dashboard(tenantId, 'contract_updated', { contract_id: contractId, deleted: true });
    },

    /** Compositions using it, and in which envs their bundle currently ships which version of it. */
    async usage(tenantId: string, contractId: string): Promise<ContractUsageT[]> {
      if (!(await contractsRepository.exists(db, tenantId, contractId))) throw contractNotFound(contractId);
      const rows = await contractsRepository.usage(db, tenantId, contractId);
      const out: ContractUsageT[] = [];
      for (const r of rows) {
        const current = await bundlesRepository.currentDeployments(db, tenantId, { name: r.compositionName });
        const deployed = [];
        for (const c of current) {
          const snapshot = await compositionSnapshot(tenantId, c.bundleId);
          const entry = snapshot.find((s) => s.contract_id === contractId && !s.observe) ?? snapshot.find((s) => s.contract_id === contractId);
          if (snapshot.length > 0 && !entry) continue;
          deployed.push({ env: c.env, bundle_name: c.bundleName, bundle_version: c.bundleVersion, contract_version: entry?.version ?? null });
        }
        out.push({
          composition_id: r.compositionId,
          composition_name: r.compositionName,
          update_strategy: r.updateStrategy,
          contract_version: r.contractVersion,
          follow_latest: r.followLatest,
          deployed,
        });
      }
      return out;
    },
  };

  async function compositionSnapshot(tenantId: string, bundleId: string): Promise<{ contract_id: string; version: number; observe: boolean }[]> {
    const snap = await compositionsRepository.snapshotOf(db, tenantId, bundleId);
    return Array.isArray(snap) ? (snap as { contract_id: string; version: number; observe: boolean }[]) : [];
  }
}

export type ContractsService = ReturnType<typeof createContractsService>;

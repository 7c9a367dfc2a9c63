import { recordActivity, type Actor } from '../activity/activity.service.js';
import type { AppContext } from '../../context.js';
import type { DbOrTx, Tx } from '../../db/client.js';
import { conflict, notFound, unprocessable, type Problem } from '../../platform/errors.js';
import { bundlesRepository, isUniqueViolation } from '../bundles/bundles.repository.js';
import type { BundlesService } from '../bundles/bundles.service.js';
import type { DeploymentsService } from '../bundles/deployments.service.js';
import type { BundleValidator } from '../bundles/bundle-validator.js';
import { contractsRepository, type ContractRow } from './contracts.repository.js';
import { compositionsRepository, type CompositionRow, type ItemInsert } from './compositions.repository.js';
import { assemble, type Assembly, type AssemblyItem } from './composition-assembly.js';
import type { ContractChangeHooks } from './contracts.service.js';
import type {
  CompositionDetailT,
  CompositionItemInT,
  CompositionSummaryT,
  CreateCompositionBodyT,
  DeployCompositionResponseT,
  PreviewResponseT,
  PromoteResponseT,
  UpdateCompositionBodyT,
} from './compositions.schemas.js';

export const compositionNotFound = (name: string) => notFound(`Composition '${name}' not found`, 'compositions.not_found');

function summaryOf(c: CompositionRow, contractCount: number): CompositionSummaryT {
  return {
    name: c.name,
    description: c.description,
    defaults_mode: c.defaultsMode,
    update_strategy: c.updateStrategy,
    contract_count: contractCount,
    updated_at: c.updatedAt.toISOString(),
    created_by: c.createdBy,
    update_available: c.updateAvailable,
  };
}

export function createCompositionsService(ctx: AppContext, deps: { validator: BundleValidator; bundles: BundlesService; deployments: DeploymentsService }) {
  const { db } = ctx.deps.database;
  const log = ctx.deps.logger;

  async function load(tenantId: string, name: string, d: DbOrTx = db): Promise<CompositionRow> {
    const row = await compositionsRepository.byName(d, tenantId, name);
    if (!row) throw compositionNotFound(name);
    return row;
  }

  /** Each item with its version row and, under observe_first, the version still enforcing. */
  async function assemblyItems(tenantId: string, comp: CompositionRow, d: DbOrTx = db): Promise<AssemblyItem[]> {
    const rows = await compositionsRepository.items(d, tenantId, comp.id);
    const enforcingIds = rows.map((r) => r.item.observeFromContractId).filter((x): x is string => x !== null);
    const enforcing = new Map((await contractsRepository.byIds(d, tenantId, enforcingIds)).map((c) => [c.id, c]));
    return rows.map((r) => ({ ...r, enforcing: r.item.observeFromContractId ? (enforcing.get(r.item.observeFromContractId) ?? null) : null }));
  }

  async function detail(tenantId: string, comp: CompositionRow): Promise<CompositionDetailT> {
    const items = await assemblyItems(tenantId, comp);
    const latest = new Map(
      (await contractsRepository.latestMany(db, tenantId, [...new Set(items.map((i) => i.contract.contractId))])).map((c) => [c.contractId, c.version]),
    );
    const [current, versions] = await Promise.all([
      bundlesRepository.currentDeployments(db, tenantId, { name: comp.name }),
      bundlesRepository.versions(db, tenantId, comp.name),
    ]);
    const hashOf = new Map(versions.map((v) => [v.version, v.revisionHash]));
    return {
      ...summaryOf(comp, items.length),
      id: comp.id,
      tenant_id: comp.tenantId,
      contracts: items.map(({ item, contract, enforcing }) => {
        const newest = latest.get(contract.contractId) ?? contract.version;
        return {
          contract_id: contract.contractId,
          contract_name: contract.name,
          contract_type: contract.type,
          contract_version: contract.version,
          position: item.position,
          mode_override: item.modeOverride,
          enabled: item.enabled,
          has_newer_version: newest > contract.version,
          follow_latest: item.followLatest,
          latest_version: newest,
          observe_from_version: enforcing?.version ?? null,
        };
      }),
      tools_config: (comp.toolsConfig as Record<string, unknown> | null) ?? null,
      observability: (comp.observability as Record<string, unknown> | null) ?? null,
      deployments: current
        .map((c) => ({ env: c.env, bundle_version: c.bundleVersion, revision_hash: hashOf.get(c.bundleVersion) ?? '', deployed_at: c.deployedAt.toISOString() }))
        .sort((a, b) => a.env.localeCompare(b.env)),
    };
  }

  /** Items as rows: each contract's requested (or latest) version; 422 naming the item. */
  async function resolveItems(tenantId: string, items: CompositionItemInT[], keep: Map<string, string | null> = new Map()): Promise<ItemInsert[]> {
    const seen = new Set<string>();
    const out: ItemInsert[] = [];
    for (const [i, it] of items.entries()) {
      const loc = ['body', 'contracts', i, 'contract_id'];
      if (seen.has(it.contract_id)) throw unprocessable([{ loc, msg: `Contract '${it.contract_id}' appears more than once` }]);
      seen.add(it.contract_id);
      const row: ContractRow | null = it.version
        ? await contractsRepository.version(db, tenantId, it.contract_id, it.version)
        : await contractsRepository.latest(db, tenantId, it.contract_id);
      if (!row) {
        throw unprocessable([{ loc: it.version ? ['body', 'contracts', i, 'version'] : loc, msg: it.version ? `Contract '${it.contract_id}' v${it.version} not found` : `Contract '${it.contract_id}' not found` }]);
      }
      out.push({
        contractId: row.id,
        position: it.position,
        modeOverride: it.mode_override ?? null,
        enabled: it.enabled,
        followLatest: it.follow_latest,
        observeFromContractId: it.follow_latest ? (keep.get(row.id) ?? null) : null,
      });
    }
    return out;
  }

  async function assembly(tenantId: string, comp: CompositionRow, opts: { promoted?: boolean } = {}): Promise<Assembly> {
    return assemble(comp, await assemblyItems(tenantId, comp), opts);
  }

  /** The engine's problems with an assembled bundle (none when it is valid). */
  async function problemsOf(asm: Assembly): Promise<{ path: string; msg: string; line: number | null }[]> {
    if (asm.contractsCount === 0) return [{ path: 'contracts', msg: 'Composition has no enabled contracts', line: null }];
    const v = await deps.validator.validate(asm.yaml);
    return v.ok ? [] : v.problems.map((p) => ({ path: p.path, msg: p.msg, line: p.line }));
  }

  /** Assemble, store as an ordinary bundle version (the upload path), then deploy it (the deploy path). */
  async function deployTo(tenantId: string, by: string, comp: CompositionRow, env: string, asm?: Assembly): Promise<DeployCompositionResponseT> {
    const a = asm ?? (await assembly(tenantId, comp));
    if (a.contractsCount === 0) throw unprocessable('Composition has no enabled contracts', 'compositions.empty');
    const problems = await problemsOf(a);
    if (problems.length > 0) {
      throw unprocessable(problems.map((p): Problem => ({ loc: ['composition', ...p.path.split('.')], msg: `${p.path}: ${p.msg}`, path: p.path, line: p.line })), 'compositions.invalid');
    }
    // Library routes are admin-only (a dashboard session): the activity log names the admin.
    const actor: Actor = { tenantId, actor: by, actorType: 'user', actorId: null, source: 'dashboard', ip: null, userAgent: null };
    const bundle = await deps.bundles.upload(actor, a.yaml);
    await compositionsRepository.linkBundle(db, tenantId, bundle.id, comp.id, a.snapshot);
    const dep = await deps.deployments.deploy(tenantId, by, comp.name, bundle.version, env, actor);
    await compositionsRepository.markUpdateAvailable(db, tenantId, [comp.id], false);
    await ctx.publish.dashboard(tenantId, 'composition_changed', { composition_name: comp.name, bundle_version: bundle.version, env });
    return {
      bundle_name: comp.name,
      bundle_version: bundle.version,
      contracts_assembled: a.snapshot,
      deployment_id: dep.id,
      revision_hash: bundle.revision_hash,
    };
  }

  /** Every env where the composition's bundle is current gets the newly assembled version. */
  async function redeploy(tenantId: string, by: string, comp: CompositionRow): Promise<(DeployCompositionResponseT & { env: string })[]> {
    const envs = (await bundlesRepository.currentDeployments(db, tenantId, { name: comp.name })).map((c) => c.env).sort();
    if (envs.length === 0) return [];
    const asm = await assembly(tenantId, comp);
    const out = [];
    for (const env of envs) out.push({ ...(await deployTo(tenantId, by, comp, env, asm)), env });
    return out;
  }

  const changed = () => ({ updatedAt: new Date() });

  const hooks: ContractChangeHooks = {
    async moved(tx: Tx, tenantId, contractId, previousRowId, newRowId) {
      const moved = await compositionsRepository.follow(tx, tenantId, previousRowId, newRowId);
      const using = await compositionsRepository.using(tx, tenantId, contractId);
      await compositionsRepository.markUpdateAvailable(tx, tenantId, using.map((c) => c.id), true);
      return moved;
    },
    async changed(tenantId, contractId, moved, by) {
      const using = await compositionsRepository.using(db, tenantId, contractId);
      for (const comp of using) {
        let result: Record<string, unknown> = {};
        if (moved.includes(comp.id) && (comp.updateStrategy === 'auto_deploy' || comp.updateStrategy === 'observe_first')) {
          try {
            const done = await redeploy(tenantId, `${by} (${comp.updateStrategy})`, comp);
            result = { deployed: done.map((d) => ({ env: d.env, bundle_version: d.bundle_version })) };
          } catch (err) {
            // The edit stands; the composition stays "update available" and says why it did not ship.
            log.warn({ err, composition: comp.name }, 'automatic re-deploy of a composition failed');
            result = { error: err instanceof Error ? err.message.slice(0, 300) : 'deploy failed' };
          }
        }
        await ctx.publish.dashboard(tenantId, 'composition_changed', { composition_name: comp.name, contract_id: contractId, ...result });
      }
    },
  };

  return {
    hooks,
    assembly,
    load,

    async list(tenantId: string): Promise<CompositionSummaryT[]> {
      return (await compositionsRepository.list(db, tenantId)).map((c) => summaryOf(c, c.contractCount));
    },

    async get(tenantId: string, name: string): Promise<CompositionDetailT> {
      return detail(tenantId, await load(tenantId, name));
    },

    async create(tenantId: string, by: string, body: CreateCompositionBodyT, actor?: Actor): Promise<CompositionDetailT> {
      const items = await resolveItems(tenantId, body.contracts);
      let comp: CompositionRow;
      try {
        comp = await db.transaction(async (tx) => {
          const row = await compositionsRepository.insert(tx, {
            tenantId,
            name: body.name,
            description: body.description ?? null,
            defaultsMode: body.defaults_mode,
            updateStrategy: body.update_strategy,
            toolsConfig: body.tools_config ?? null,
            observability: body.observability ?? null,
            createdBy: by,
          });
          await compositionsRepository.replaceItems(tx, tenantId, row.id, items);
          if (actor) await recordActivity(tx, actor, { action: 'composition.create', target: `composition:${body.name}`, detail: { contracts: items.length } });
          return row;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`Composition '${body.name}' already exists.`, 'compositions.exists');
        throw err;
      }
      await ctx.publish.dashboard(tenantId, 'composition_changed', { composition_name: comp.name });
      return detail(tenantId, comp);
    },

    async update(tenantId: string, name: string, body: UpdateCompositionBodyT, actor?: Actor): Promise<CompositionDetailT> {
      const before = await load(tenantId, name);
      const keep = new Map((await compositionsRepository.items(db, tenantId, before.id)).map((r) => [r.item.contractId, r.item.observeFromContractId]));
      const items = body.contracts ? await resolveItems(tenantId, body.contracts, keep) : null;
      await db.transaction(async (tx) => {
        const row = await compositionsRepository.byName(tx, tenantId, name, { forUpdate: true });
        if (!row) throw compositionNotFound(name);
        await compositionsRepository.update(tx, tenantId, row.id, {
          ...changed(),
          ...(body.description !== null && body.description !== undefined ? { description: body.description } : {}),
          ...(body.defaults_mode ? { defaultsMode: body.defaults_mode } : {}),
          ...(body.update_strategy ? { updateStrategy: body.update_strategy } : {}),
          ...(body.tools_config ? { toolsConfig: body.tools_config } : {}),
          ...(body.observability ? { observability: body.observability } : {}),
        });
        if (items) await compositionsRepository.replaceItems(tx, tenantId, row.id, items);
        if (actor) await recordActivity(tx, actor, { action: 'composition.update', target: `composition:${name}`, detail: { fields: Object.keys(body).filter((k) => body[k as keyof typeof body] != null) } });
      });
      await ctx.publish.dashboard(tenantId, 'composition_changed', { composition_name: name });
      return detail(tenantId, await load(tenantId, name));
    },

    async remove(tenantId: string, name: string, actor?: Actor): Promise<void> {
      const comp = await load(tenantId, name);
      await db.transaction(async (tx) => {
        await compositionsRepository.remove(tx, tenantId, comp.id);
        if (actor) await recordActivity(tx, actor, { action: 'composition.delete', target: `composition:${name}` });
      });
      await ctx.publish.dashboard(tenantId, 'composition_changed', { composition_name: name, deleted: true });
    },

    /** The assembled YAML, validated by the engine, with its revision hash; problems are returned, not raised. */
    async preview(tenantId: string, name: string): Promise<PreviewResponseT> {
      const asm = await assembly(tenantId, await load(tenantId, name));
      const problems = await problemsOf(asm);
      return {
        yaml_content: asm.yaml,
        contracts_count: asm.contractsCount,
        validation_errors: problems.map((p) => `${p.path}: ${p.msg}`),
        revision_hash: asm.revisionHash,
        problems,
      };
    },

    async deploy(tenantId: string, by: string, name: string, env: string): Promise<DeployCompositionResponseT> {
      return deployTo(tenantId, by, await load(tenantId, name), env);
    },

    /** observe_first: the observing versions take over, and ship wherever the composition runs. */
    async promote(tenantId: string, by: string, name: string, contractIds: string[] | null): Promise<PromoteResponseT> {
      const comp = await load(tenantId, name);
      const pending = (await assemblyItems(tenantId, comp)).filter((i) => i.enforcing);
      const chosen = contractIds ? pending.filter((i) => contractIds.includes(i.contract.contractId)) : pending;
      const unknown = (contractIds ?? []).filter((id) => !pending.some((i) => i.contract.contractId === id));
      if (unknown.length > 0) {
        throw unprocessable([{ loc: ['body', 'contract_ids'], msg: `not observing in '${name}': ${unknown.join(', ')}` }]);
      }
      if (chosen.length === 0) throw conflict(`Composition '${name}' has no contracts in observation to promote.`, 'compositions.nothing_to_promote');
      await db.transaction(async (tx) => {
        await compositionsRepository.promote(tx, tenantId, comp.id, chosen.map((i) => i.contract.id));
        await compositionsRepository.update(tx, tenantId, comp.id, changed());
      });
      const deployments = await redeploy(tenantId, by, comp);
      if (deployments.length === 0) await ctx.publish.dashboard(tenantId, 'composition_changed', { composition_name: name });
      return { promoted: chosen.map((i) => i.contract.contractId), deployments };
    },

    /** Append a library contract to a composition (from-event). */
    async append(tenantId: string, name: string, contractRowId: string, modeOverride: string | null): Promise<void> {
      const comp = await load(tenantId, name);
      await db.transaction(async (tx) => {
        const last = await compositionsRepository.maxPosition(tx, tenantId, comp.id);
        await compositionsRepository.appendItem(tx, tenantId, comp.id, {
          contractId: contractRowId,
          position: last === null ? 10 : last + 10,
          modeOverride,
          enabled: true,
          followLatest: false,
          observeFromContractId: null,
        });
        await compositionsRepository.update(tx, tenantId, comp.id, changed());
      });
      await ctx.publish.dashboard(tenantId, 'composition_changed', { composition_name: name });
    },
  };
}

export type CompositionsService = ReturnType<typeof createCompositionsService>;

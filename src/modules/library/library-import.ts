import type { AppContext } from '../../context.js';
import { recordActivity, type Actor } from '../activity/activity.service.js';
import { conflict, notFound, unprocessable } from '../../platform/errors.js';
import { isUniqueViolation } from '../bundles/bundles.repository.js';
import type { BundleValidator } from '../bundles/bundle-validator.js';
import { wireProblem } from '../bundles/bundles.service.js';
import { contractsRepository, type ContractRow } from './contracts.repository.js';
import { compositionsRepository, type ItemInsert } from './compositions.repository.js';
import type { ContractChangeHooks } from './contracts.service.js';
import { contentHash, displayName, splitDefinition } from './library-content.js';
import { MAX_DEFINITION_BYTES, type ImportBodyT, type ImportResultT, type TemplateT } from './contracts.schemas.js';
import { TEMPLATES, templateById } from './library-templates.js';

/** One import holds at most this many contracts (one transaction, one composition of at most 100 items is the norm). */
export const MAX_IMPORT_CONTRACTS = 500;

interface Entry {
  index: number;
  contractId: string;
  type: string;
  definition: Record<string, unknown>;
  hash: string;
  tags: string[];
}

/** `then.tags` become the library tags (strings only, bounded as the API bounds them). */
function tagsOf(definition: Record<string, unknown>): string[] {
  const then = definition.then as { tags?: unknown } | undefined;
  const list = Array.isArray(then?.tags) ? then.tags : [];
  return [...new Set(list.filter((t): t is string => typeof t === 'string' && t.length > 0 && t.length <= 64))].slice(0, 20);
}

/**
 * Import (console-api.md 4.7) through the engine: the YAML is parsed and validated by the same
 * loader and limits as an upload (size, aliases, depth; off the event loop when large), then split
 * into library contracts in ONE transaction, so an error leaves nothing half-imported. Content the
 * library already holds is not imported again (under the same id: unchanged; under another id: a
 * duplicate, which the composition then uses); an id held with other content is a clash, handled
 * as `on_clash` says.
 */
export function createLibraryImport(ctx: AppContext, validator: BundleValidator, hooks: ContractChangeHooks) {
  const { db } = ctx.deps.database;

  async function entriesOf(yaml: string): Promise<{ name: string; doc: Record<string, unknown>; entries: Entry[] }> {
    const parsed = await validator.document(yaml);
    if (!parsed.ok) throw unprocessable(parsed.problems.map(wireProblem), 'contracts.import_invalid');
    const list = (parsed.doc.contracts as Record<string, unknown>[] | undefined) ?? [];
    if (list.length > MAX_IMPORT_CONTRACTS) {
      throw unprocessable([{ loc: ['body', 'yaml_content', 'contracts'], msg: `must hold at most ${MAX_IMPORT_CONTRACTS} contracts` }]);
    }
    const entries = list.map((raw, index): Entry => {
      const type = typeof raw.type === 'string' ? raw.type : 'pre';
      const split = splitDefinition(raw, {});
      const definition = split.ok ? split.definition : {};
      if (Buffer.byteLength(JSON.stringify(definition), 'utf8') > MAX_DEFINITION_BYTES) {
        throw unprocessable([{ loc: ['body', 'yaml_content', 'contracts', index], msg: `contracts.${index}: must be at most ${MAX_DEFINITION_BYTES} bytes as JSON` }]);
      }
      return { index, contractId: String(raw.id), type, definition, hash: contentHash(type, definition), tags: tagsOf(definition) };
    });
    return { name: parsed.validation.name, doc: parsed.doc, entries };
  }

  async function run(
    tenantId: string,
    by: string,
    yaml: string,
    opts: { onClash: ImportBodyT['on_clash']; createComposition: boolean; actor?: Actor | undefined; activity: { action: string; target: string } },
  ): Promise<ImportResultT> {
    const { name, doc, entries } = await entriesOf(yaml);
    const result: ImportResultT = {
      contracts_created: [],
      contracts_updated: [],
      bundle_composition_created: null,
      contracts_unchanged: [],
      duplicates: [],
      id_clashes: [],
    };
    const movedBy = new Map<string, string[]>();
    try {
      await db.transaction(async (tx) => {
        for (const e of entries) await contractsRepository.lock(tx, tenantId, e.contractId);
        const existing = new Map((await contractsRepository.latestMany(tx, tenantId, entries.map((e) => e.contractId))).map((r) => [r.contractId, r]));
        const byHash = new Map<string, ContractRow>();
        for (const r of await contractsRepository.latestByHash(tx, tenantId, entries.map((e) => e.hash))) if (!byHash.has(r.contentHash!)) byHash.set(r.contentHash!, r);
        const rows: ContractRow[] = [];
        for (const e of entries) {
          const held = existing.get(e.contractId);
          if (held && held.contentHash === e.hash) {
            result.contracts_unchanged.push(e.contractId);
            rows.push(held);
            continue;
          }
          if (!held) {
            const dup = byHash.get(e.hash);
            if (dup) {
              result.duplicates.push({ contract_id: e.contractId, duplicate_of: dup.contractId });
              rows.push(dup);
              continue;
            }
          }
          if (held && opts.onClash !== 'new_version') {
            result.id_clashes.push({ contract_id: e.contractId, library_version: held.version, action: opts.onClash === 'skip' ? 'skipped' : 'refused' });
            rows.push(held);
            continue;
          }
          if (held && held.type !== e.type) {
            throw unprocessable([{ loc: ['body', 'yaml_content', 'contracts', e.index, 'type'], msg: `contracts.${e.index}.type: '${e.contractId}' is a ${held.type} contract in the library; a type never changes` }]);
          }
          const out = await contractsRepository.insertVersion(tx, {
            tenantId,
            contractId: e.contractId,
            type: held?.type ?? e.type,
            name: held?.name ?? displayName(e.contractId),
            description: held?.description ?? null,
            definition: e.definition,
            tags: held ? (held.tags as string[]) : e.tags,
            createdBy: by,
            contentHash: e.hash,
          });
          rows.push(out.row);
          byHash.set(e.hash, out.row);
          if (held) {
            result.contracts_updated.push(e.contractId);
            result.id_clashes.push({ contract_id: e.contractId, library_version: held.version, action: 'new_version' });
            if (out.previous) movedBy.set(e.contractId, await hooks.moved(tx, tenantId, e.contractId, out.previous.id, out.row.id));
          } else {
            result.contracts_created.push(e.contractId);
          }
        }
        const refused = result.id_clashes.filter((c) => c.action === 'refused');
        if (refused.length > 0) {
          throw conflict(
            `Contracts already in the library with other content: ${refused.map((c) => c.contract_id).join(', ')}. Nothing was imported.`,
            'contracts.import_clash',
          );
        }
        if (opts.createComposition && !(await compositionsRepository.byName(tx, tenantId, name))) {
          const comp = await compositionsRepository.insert(tx, {
            tenantId,
            name,
            description: 'Auto-created from YAML import',
            defaultsMode: (doc.defaults as { mode?: string } | undefined)?.mode === 'observe' ? 'observe' : 'enforce',
            updateStrategy: 'manual',
            toolsConfig: (doc.tools as Record<string, unknown> | undefined) ?? null,
            observability: (doc.observability as Record<string, unknown> | undefined) ?? null,
            createdBy: by,
          });
          // A duplicate may point two entries at one row: the composition holds it once.
          const seen = new Set<string>();
          const items: ItemInsert[] = [];
          for (const r of rows) {
            if (seen.has(r.id)) continue;
            seen.add(r.id);
            items.push({ contractId: r.id, position: (items.length + 1) * 10, modeOverride: null, enabled: true, followLatest: false, observeFromContractId: null });
          }
          await compositionsRepository.replaceItems(tx, tenantId, comp.id, items);
          result.bundle_composition_created = name;
        }
        if (opts.actor) {
          await recordActivity(tx, opts.actor, {
            ...opts.activity,
            detail: {
              created: result.contracts_created,
              updated: result.contracts_updated,
              unchanged: result.contracts_unchanged.length,
              composition: result.bundle_composition_created,
            },
          });
        }
      });
    } catch (err) {
      // A concurrent create of the same composition name: the import is refused as a whole.
      if (isUniqueViolation(err)) throw conflict(`Composition '${name}' was created meanwhile; import again.`, 'contracts.import_race');
      throw err;
    }
    for (const id of result.contracts_created) await ctx.publish.dashboard(tenantId, 'contract_created', { contract_id: id });
    for (const id of result.contracts_updated) await ctx.publish.dashboard(tenantId, 'contract_updated', { contract_id: id });
    if (result.bundle_composition_created) await ctx.publish.dashboard(tenantId, 'composition_changed', { composition_name: name });
    for (const [id, moved] of movedBy) await hooks.changed(tenantId, id, moved, by);
    return result;
  }

  return {
    importYaml(tenantId: string, by: string, body: ImportBodyT, actor?: Actor): Promise<ImportResultT> {
      return run(tenantId, by, body.yaml_content, {
        onClash: body.on_clash,
        createComposition: body.create_composition,
        actor,
        activity: { action: 'contract.import', target: 'library' },
      });
    },

    templates(): TemplateT[] {
      return TEMPLATES;
    },

    /** Idempotent by content: what the library holds is reused; an id the admin changed keeps their version. */
    addTemplate(tenantId: string, by: string, templateId: string, createComposition: boolean, actor?: Actor): Promise<ImportResultT> {
      const t = templateById(templateId);
      if (!t) throw notFound(`Template '${templateId}' not found`, 'templates.not_found');
      return run(tenantId, by, t.yaml_content, {
        onClash: 'skip',
        createComposition,
        actor,
        activity: { action: 'template.add', target: `template:${templateId}` },
      });
    },
  };
}

export type LibraryImportService = ReturnType<typeof createLibraryImport>;

/**
 * A composition assembled into one edictum/v1 ContractBundle (console-api.md 4.7). Pure: the
 * service loads the rows, the engine validates the text. Enabled items in position order; each
 * contract's mode is the item's override, else its own, else the composition default. Under
 * `observe_first`, a changed contract ships twice: the version it replaces keeps enforcing under
 * the contract's id, and the new version observes beside it as `<id>-observe` until promoted.
 */
import { createHash } from 'node:crypto';
import type { ContractRow } from './contracts.repository.js';
import type { CompositionRow, ItemRow } from './compositions.repository.js';
import { bundleDocumentOf, contractEntry, toYaml, type Definition } from './library-content.js';

export const OBSERVE_SUFFIX = '-observe';

export interface AssemblyItem {
  item: ItemRow;
  contract: ContractRow;
  /** The version still enforcing (observe_first, before promotion). */
  enforcing: ContractRow | null;
}

export interface SnapshotEntry {
  contract_id: string;
  version: number;
  mode: string;
  observe: boolean;
}

export interface Assembly {
  doc: Record<string, unknown>;
  yaml: string;
  revisionHash: string;
  snapshot: SnapshotEntry[];
  contractsCount: number;
}

const ownMode = (c: ContractRow): string | undefined => {
  const m = (c.definition as Definition).mode;
  return m === 'enforce' || m === 'observe' ? m : undefined;
};

export function assemble(comp: CompositionRow, items: AssemblyItem[], opts: { promoted?: boolean } = {}): Assembly {
  const contracts: Record<string, unknown>[] = [];
  const snapshot: SnapshotEntry[] = [];
  for (const { item, contract, enforcing } of items) {
    if (!item.enabled) continue;
    const mode = item.modeOverride ?? ownMode(contract) ?? comp.defaultsMode;
    if (enforcing && !opts.promoted) {
      const oldMode = item.modeOverride ?? ownMode(enforcing) ?? comp.defaultsMode;
      contracts.push(contractEntry(enforcing.contractId, enforcing.type, enforcing.definition as Definition, { mode: oldMode }));
      snapshot.push({ contract_id: enforcing.contractId, version: enforcing.version, mode: oldMode, observe: false });
      contracts.push(contractEntry(`${contract.contractId}${OBSERVE_SUFFIX}`, contract.type, contract.definition as Definition, { mode: 'observe' }));
      snapshot.push({ contract_id: contract.contractId, version: contract.version, mode: 'observe', observe: true });
      continue;
    }
    contracts.push(contractEntry(contract.contractId, contract.type, contract.definition as Definition, { mode }));
    snapshot.push({ contract_id: contract.contractId, version: contract.version, mode, observe: mode === 'observe' });
  }
  const doc = bundleDocumentOf(
    {
      name: comp.name,
      description: comp.description,
      defaultsMode: comp.defaultsMode,
      tools: comp.toolsConfig as Record<string, unknown> | null,
      observability: comp.observability as Record<string, unknown> | null,
    },
    contracts,
  );
  const yaml = toYaml(doc);
  return {
    doc,
    yaml,
    revisionHash: createHash('sha256').update(Buffer.from(yaml, 'utf8')).digest('hex'),
    snapshot,
    contractsCount: contracts.length,
  };
}

import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';

/**
 * The deny contracts a break-glass switch adds to a deployed bundle (issue 15). Pure: YAML text
 * in, YAML text out. Works on the canonical `kind: ContractBundle` form; the Ruleset rendering
 * is made from the result as for any upload (bundle-rendering.ts).
 *
 * Why the added contracts win (reference/contract-language.md section 8): the pre phase runs
 * every `pre` contract in bundle order and stops at the first enforced failure, before any
 * sandbox or session contract, and there is no priority field. So the overlay's contracts go
 * FIRST in `contracts`, enforced, with a `when` that is always true (`tool.name` is never missing,
 * so `exists: true` holds for every call). The one thing that could still let a call through is
 * the bundle mode: an `observe` bundle only logs would-denies, even for a contract marked
 * `mode: enforce`. Such a bundle is switched to `mode: enforce` and each of its own contracts is
 * marked `mode: observe`, so they keep only recording while the overlay denies. (Two readings
 * change with that flip and are documented in docs/rollouts.md: session limits, which ignore
 * `mode`, and sandboxes on the TS SDK, which ignores `mode: observe` on sandboxes, now deny.)
 */

export type SwitchKind = 'freeze_tool' | 'stop_side_effects' | 'quarantine_agent';

export interface OverlaySwitch {
  id: string;
  kind: SwitchKind;
  /** freeze_tool: a tool glob (`*`, `?`) as in a contract's `tool`. */
  tool: string | null;
  expiresAt: Date;
}

/** Side effects the stop switch denies (the `tools:` classification, section 1). */
export const SIDE_EFFECTING = new Set(['write', 'irreversible']);

/** Contract ids of the overlay (`^[a-z0-9][a-z0-9_-]*$`, unique within the bundle). */
export const overlayContractId = (switchId: string): string =>
  `break-glass-${switchId.replace(/-/g, '').slice(0, 12).toLowerCase()}`;

/** The tools a bundle marks as side-effecting, sorted. */
export function sideEffectingTools(root: YAMLMap<unknown, unknown>): string[] {
  const tools = root.get('tools');
  if (!isMap(tools)) return [];
  const out: string[] = [];
  for (const pair of tools.items) {
    const name = (pair.key as { value?: unknown } | null)?.value;
    const def = pair.value;
    const effect = isMap(def) ? def.get('side_effect') : undefined;
    if (typeof name === 'string' && typeof effect === 'string' && SIDE_EFFECTING.has(effect)) out.push(name);
  }
  return out.sort();
}

function denyContract(s: OverlaySwitch, root: YAMLMap<unknown, unknown>): Record<string, unknown> | null {
  const id = overlayContractId(s.id);
  const until = s.expiresAt.toISOString();
  const always = { 'tool.name': { exists: true } };
  if (s.kind === 'freeze_tool' && s.tool) {
    // The message is fixed text: `{...}` in a message is templated, so nothing typed by an admin goes in.
    return {
      id,
      type: 'pre',
      mode: 'enforce',
      tool: s.tool,
      when: always,
      then: { effect: 'deny', message: `Tool frozen by a break-glass switch until ${until}.` },
    };
  }
  if (s.kind === 'quarantine_agent') {
    return {
      id,
      type: 'pre',
      mode: 'enforce',
      tool: '*',
      when: always,
      then: { effect: 'deny', message: `Agent quarantined by a break-glass switch until ${until}.` },
    };
  }
  if (s.kind === 'stop_side_effects') {
    const tools = sideEffectingTools(root);
    // Nothing marked write/irreversible in this bundle: nothing to stop here.
    if (tools.length === 0) return null;
    return {
      id,
      type: 'pre',
      mode: 'enforce',
      tool: '*',
      when: { 'tool.name': { in: tools } },
      then: { effect: 'deny', message: `Side-effecting tools stopped by a break-glass switch until ${until}.` },
    };
  }
  return null;
}

/**
 * The bundle with the switches' deny contracts first. Null when no switch adds anything to this
 * bundle (the original bytes are served unchanged then).
 */
export function overlayBundle(canonicalYaml: string, switches: OverlaySwitch[]): string | null {
  if (switches.length === 0) return null;
  const doc = parseDocument(canonicalYaml, { uniqueKeys: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return null;
  const root = doc.contents as YAMLMap<unknown, unknown>;
  const list = root.get('contracts');
  if (!isSeq(list)) return null;
  const added = [...switches]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((s) => denyContract(s, root))
    .filter((c): c is Record<string, unknown> => c !== null);
  if (added.length === 0) return null;
  const defaults: unknown = root.get('defaults');
  if (isMap(defaults) && defaults.get('mode') === 'observe') {
    (defaults as YAMLMap<unknown, unknown>).set('mode', 'enforce');
    for (const item of list.items) if (isMap(item)) (item as YAMLMap<unknown, unknown>).set('mode', 'observe');
  }
  list.items.unshift(...added.map((c) => doc.createNode(c)));
  return doc.toString({ lineWidth: 0 });
}

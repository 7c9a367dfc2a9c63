/**
 * A whole document (and its composition layers, section 13): top-level rules, then every
 * contract, then the merged, compiled state.
 */
import { createHash } from 'node:crypto';
import type { Sdk } from './engine.js';
import type { CContract, CompiledState, CRule, CSandbox, CSession, Limits, Mode } from './compiled.js';
import { effectiveMode } from './compiled.js';
import { compileContract, isMapping } from './compile-contract.js';
import type { Problems } from './problems.js';
import type { SideEffect } from './post.js';

const TOP_KEYS = ['apiVersion', 'kind', 'metadata', 'defaults', 'contracts', 'tools', 'observability', 'observe_alongside'];
const NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;
const SIDE_EFFECTS = ['pure', 'read', 'write', 'irreversible'];
export const DEFAULT_LIMITS: Limits = { maxAttempts: 500, maxToolCalls: 200, perTool: {} };

export interface Layer {
  doc: Record<string, unknown>;
  contracts: CContract[];
  mode: Mode | null;
  tools: Map<string, SideEffect>;
  name: string;
  observeAlongside: boolean;
}

function checkTools(tools: unknown, o: { strict: boolean; problems: Problems }): Map<string, SideEffect> {
  const out = new Map<string, SideEffect>();
  if (tools === undefined) return out;
  if (!isMapping(tools)) {
    o.problems.error(['tools'], 'tools must be a mapping');
    return out;
  }
  for (const [name, def] of Object.entries(tools)) {
    if (!isMapping(def)) {
      o.problems.error(['tools', name], `tools.${name} must be a mapping`);
      continue;
    }
    if (!SIDE_EFFECTS.includes(def.side_effect as string)) {
      o.problems.error(['tools', name, 'side_effect'], `tools.${name}.side_effect must be 'pure', 'read', 'write', or 'irreversible'`);
      continue;
    }
    if (def.idempotent !== undefined && typeof def.idempotent !== 'boolean') o.problems.schema(o.strict, ['tools', name, 'idempotent'], 'idempotent must be true or false', 'schema-idempotent');
    for (const k of Object.keys(def)) {
      if (k !== 'side_effect' && k !== 'idempotent') o.problems.schema(o.strict, ['tools', name, k], `unknown field '${k}' in tools.${name}`, 'schema-unknown-field');
    }
    out.set(name, def.side_effect as SideEffect);
  }
  return out;
}

function checkTop(doc: Record<string, unknown>, o: { strict: boolean; problems: Problems }): { name: string; mode: Mode | null } {
  const p = o.problems;
  if (doc.apiVersion !== 'edictum/v1') p.error(['apiVersion'], "apiVersion must be 'edictum/v1'");
  if (doc.kind !== 'ContractBundle') p.error(['kind'], "kind must be 'ContractBundle'");
  if (doc.contracts === undefined) p.error(['contracts'], "'contracts' is required");
  else if (!Array.isArray(doc.contracts)) p.error(['contracts'], 'contracts must be a list');
  for (const k of Object.keys(doc)) if (!TOP_KEYS.includes(k)) p.error([k], `unknown top-level field '${k}'`);
  let name = '';
  if (!isMapping(doc.metadata)) p.error(['metadata'], doc.metadata === undefined ? "'metadata' is required" : 'metadata must be a mapping');
  else {
    const m = doc.metadata;
    if (m.name === undefined) p.error(['metadata', 'name'], 'metadata.name is required');
    else if (typeof m.name !== 'string' || !NAME_RE.test(m.name) || m.name.length > 10_000) {
      p.error(['metadata', 'name'], `metadata.name must be a lowercase slug matching ${NAME_RE.source}`);
    } else name = m.name;
    if (m.description !== undefined && typeof m.description !== 'string') o.problems.schema(o.strict, ['metadata', 'description'], 'metadata.description must be a string', 'schema-description');
    for (const k of Object.keys(m)) if (k !== 'name' && k !== 'description') o.problems.schema(o.strict, ['metadata', k], `unknown field '${k}' in metadata`, 'schema-unknown-field');
  }
  let mode: Mode | null = null;
  if (!isMapping(doc.defaults)) p.error(['defaults'], doc.defaults === undefined ? "'defaults' is required" : 'defaults must be a mapping');
  else {
    const d = doc.defaults;
    if (d.mode === 'enforce' || d.mode === 'observe') mode = d.mode;
    else p.error(['defaults', 'mode'], "defaults.mode must be 'enforce' or 'observe'");
    for (const k of Object.keys(d)) if (k !== 'mode') o.problems.schema(o.strict, ['defaults', k], `unknown field '${k}' in defaults`, 'schema-unknown-field');
  }
  if (Array.isArray(doc.contracts) && doc.contracts.length === 0) p.error(['contracts'], 'contracts must contain at least 1 item');
  if (doc.observability !== undefined && !isMapping(doc.observability)) o.problems.schema(o.strict, ['observability'], 'observability must be a mapping', 'schema-observability');
  if (doc.observe_alongside !== undefined && typeof doc.observe_alongside !== 'boolean') o.problems.schema(o.strict, ['observe_alongside'], 'observe_alongside must be true or false', 'schema-observe-alongside');
  return { name, mode };
}

export const MAX_CONTRACTS = 5000;

/** One document on its own (each composition layer must be valid by itself). */
export function compileLayer(doc: unknown, sdk: Sdk, strict: boolean, problems: Problems): Layer | null {
  if (!isMapping(doc)) {
    problems.error([], 'YAML document must be a mapping');
    return null;
  }
  const o = { sdk, strict, problems };
  const { name, mode } = checkTop(doc, o);
  const tools = checkTools(doc.tools, o);
  const contracts: CContract[] = [];
  const seen = new Map<string, number>();
  const list = Array.isArray(doc.contracts) ? doc.contracts : [];
  if (list.length > MAX_CONTRACTS) problems.error(['contracts'], `contracts must contain at most ${MAX_CONTRACTS} items`);
  list.slice(0, MAX_CONTRACTS).forEach((raw, i) => {
    const c = compileContract(raw, ['contracts', i], o);
    if (!c) return;
    if (seen.has(c.id)) problems.error(['contracts', i, 'id'], `Duplicate contract id: '${c.id}'`);
    seen.set(c.id, i);
    const enabled = (raw as Record<string, unknown>).enabled;
    if (enabled === false) return;
    contracts.push(c);
  });
  return { doc, contracts, mode, tools, name, observeAlongside: doc.observe_alongside === true };
}

function mergeLimits(base: Limits, s: CSession): Limits {
  const perTool = { ...base.perTool };
  for (const [t, n] of Object.entries(s.perTool)) perTool[t] = Math.min(perTool[t] ?? Infinity, n);
  return {
    maxAttempts: s.maxAttempts === null ? base.maxAttempts : Math.min(base.maxAttempts, s.maxAttempts),
    maxToolCalls: s.maxToolCalls === null ? base.maxToolCalls : Math.min(base.maxToolCalls, s.maxToolCalls),
    perTool,
  };
}

/** Layers merged left to right (section 13) into the compiled state. */
export function mergeLayers(layers: Layer[], sdk: Sdk, version: string, problems: Problems): Omit<CompiledState, 'source' | 'other'> {
  const base = layers[0] as Layer;
  let mode: Mode = base.mode ?? 'enforce';
  const contracts: CContract[] = [...base.contracts];
  const candidates: CContract[] = [];
  const tools = new Map(base.tools);
  layers.slice(1).forEach((layer, i) => {
    for (const [t, e] of layer.tools) tools.set(t, e);
    if (layer.observeAlongside) {
      for (const c of layer.contracts) {
        const id = `${c.id}:candidate`;
        if (sdk === 'typescript' && contracts.some((x) => x.id === id)) problems.error(['compose', i, 'contracts'], `observe_alongside contract id '${id}' already exists`);
        candidates.push({ ...c, id, candidate: true, ownMode: 'observe' });
      }
      return;
    }
    if (layer.mode) mode = layer.mode;
    for (const c of layer.contracts) {
      const at = contracts.findIndex((x) => x.id === c.id);
      if (at >= 0) contracts[at] = c;
      else contracts.push(c);
    }
  });
  const sessions = contracts.filter((c): c is CSession => c.type === 'session');
  const limitsAfter: Limits[] = [];
  let limits = DEFAULT_LIMITS;
  for (const s of sessions) {
    limits = mergeLimits(limits, s);
    limitsAfter.push(limits);
  }
  return {
    sdk, name: base.name, defaultMode: mode, policyVersion: version,
    pre: contracts.filter((c): c is CRule => c.type === 'pre'),
    post: contracts.filter((c): c is CRule => c.type === 'post'),
    sandboxes: contracts.filter((c): c is CSandbox => c.type === 'sandbox'),
    sessions, limitsAfter, limits, candidates, tools,
    contracts: contracts.map((c) => ({
      id: c.id, type: c.type,
      tool: c.type === 'session' ? null : c.type === 'sandbox' ? (c.toolPatterns.length === 1 ? (c.toolPatterns[0] as string) : c.toolPatterns) : c.toolPattern,
      mode: effectiveMode(c, mode),
    })),
  };
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

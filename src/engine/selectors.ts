/**
 * Selectors (section 4), compiled once into resolvers. Unknown selectors resolve to missing.
 * TS walks into any object including arrays (own properties, so `.length` too); Python walks
 * dicts only. `env.*` values are coerced the way each SDK does.
 */
import type { Sdk } from './engine.js';
import { MISSING, type CallContext } from './context.js';

export type Resolver = (ctx: CallContext) => unknown;

const PRINCIPAL_FIELDS = new Set(['user_id', 'service_id', 'org_id', 'role', 'ticket_ref']);

function walk(root: unknown, path: string[], sdk: Sdk): unknown {
  let cur = root;
  for (const key of path) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return MISSING;
    if (sdk === 'python' && Array.isArray(cur)) return MISSING;
    if (!Object.prototype.hasOwnProperty.call(cur, key)) return MISSING;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur === null || cur === undefined ? MISSING : cur;
}

/** `env.NAME` coercion: booleans case-insensitively; numbers as each SDK parses them. */
export function coerceEnv(raw: string, sdk: Sdk): unknown {
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (sdk === 'typescript') {
    const n = Number(raw);
    return raw.trim() !== '' && !Number.isNaN(n) && String(n) === raw ? n : raw;
  }
  const t = raw.trim().replace(/_/g, (m, i: number, s: string) => (/\d/.test(s[i - 1] ?? '') && /\d/.test(s[i + 1] ?? '') ? '' : m));
  if (/^[+-]?\d+$/.test(t)) return Number(t);
  if (/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf(inity)?|nan)$/i.test(t)) {
    const low = t.toLowerCase().replace(/^\+/, '');
    if (low.endsWith('nan')) return Number.NaN;
    if (low.includes('inf')) return low.startsWith('-') ? -Infinity : Infinity;
    return Number(t);
  }
  return raw;
}

export function compileSelector(selector: string, sdk: Sdk): Resolver {
  if (selector === 'tool.name') return (ctx) => ctx.tool;
  if (selector === 'environment') return (ctx) => ctx.environment;
  if (selector === 'output.text') return (ctx) => ctx.outputText;
  const parts = selector.split('.');
  const head = parts[0];
  const rest = parts.slice(1);
  if (head === 'args' && rest.length > 0) return (ctx) => walk(ctx.args, rest, sdk);
  if (head === 'metadata' && rest.length > 0) return (ctx) => walk(ctx.metadata, rest, sdk);
  if (head === 'env' && rest.length === 1) {
    const name = rest[0] as string;
    return (ctx) => {
      const raw = Object.prototype.hasOwnProperty.call(ctx.env, name) ? ctx.env[name] : undefined;
      return typeof raw === 'string' ? coerceEnv(raw, sdk) : MISSING;
    };
  }
  if (head === 'principal' && rest.length === 1 && PRINCIPAL_FIELDS.has(rest[0] as string)) {
    const field = rest[0] as keyof NonNullable<CallContext['principal']>;
    return (ctx) => {
      const v = ctx.principal?.[field];
      return v === null || v === undefined ? MISSING : v;
    };
  }
  if (head === 'principal' && rest[0] === 'claims' && rest.length > 1) {
    const path = rest.slice(1);
    return (ctx) => walk(ctx.principal?.claims ?? null, path, sdk);
  }
  return () => MISSING;
}

/**
 * Message templating (section 14): `{selector}` placeholders, compiled once. Missing values stay
 * verbatim; values that look like secrets become `[REDACTED]`; each value is capped at 200
 * characters and the whole message at 500.
 */
import type { Sdk } from './engine.js';
import { MISSING, type CallContext } from './context.js';
import { compileSelector } from './selectors.js';
import { stringify } from './values.js';

const PLACEHOLDER = /\{([^}]+)\}/g;
const SECRET_VALUE = [/^(sk-[a-zA-Z0-9]{20,})/, /^(AKIA[A-Z0-9]{16})/, /^(eyJ[a-zA-Z0-9_-]{20,}\.)/, /^(ghp_[a-zA-Z0-9]{36})/, /^(xox[bpas]-[a-zA-Z0-9-]{10,})/];
const MAX_VALUE = 200;
export const MAX_MESSAGE = 500;

export function capMessage(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 3)}...` : s;
}

function renderValue(v: unknown, sdk: Sdk): string {
  let s = stringify(v, sdk);
  const probe = s.length > 10_000 ? s.slice(0, 10_000) : s;
  if (SECRET_VALUE.some((re) => re.test(probe))) return '[REDACTED]';
  if (s.length > MAX_VALUE) s = `${s.slice(0, MAX_VALUE - 3)}...`;
  return s;
}

export type Template = (ctx: CallContext) => string;

export function compileTemplate(message: string, sdk: Sdk): Template {
  const parts: (string | { raw: string; resolve: ReturnType<typeof compileSelector> })[] = [];
  let last = 0;
  for (const m of message.matchAll(PLACEHOLDER)) {
    parts.push(message.slice(last, m.index));
    parts.push({ raw: m[0], resolve: compileSelector(m[1] as string, sdk) });
    last = (m.index as number) + m[0].length;
  }
  parts.push(message.slice(last));
  if (parts.length === 1) {
    const fixed = capMessage(message);
    return () => fixed;
  }
  return (ctx) => {
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') out += p;
      else {
        const v = p.resolve(ctx);
        out += v === MISSING ? p.raw : renderValue(v, sdk);
      }
    }
    return capMessage(out);
  };
}

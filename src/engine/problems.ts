/** Problems found while loading a bundle, each with a path (and later a YAML line). */
import type { BundleProblem } from './engine.js';

export type Loc = (string | number)[];

/** `["contracts", 1, "then"]` -> `contracts[1].then`; odd keys are quoted: `when["a b"]`. */
export function formatPath(loc: Loc): string {
  let out = '';
  for (const part of loc) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z0-9_.-]+$/.test(part) && !part.includes('.')) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

export const MAX_PROBLEMS = 100;

export class Problems {
  readonly errors: (BundleProblem & { loc: Loc })[] = [];
  readonly warnings: (BundleProblem & { loc: Loc })[] = [];

  constructor(private readonly prefix: Loc = []) {}

  /** A collector whose problems nobody reads (placeholders compiled before validation). */
  silent(): Problems {
    return new Problems();
  }

  /** A rule both SDKs (or the one being reproduced) enforce. */
  error(loc: Loc, message: string, rule?: string): void {
    if (this.errors.length >= MAX_PROBLEMS) return;
    const full = [...this.prefix, ...loc];
    this.errors.push({ loc: full, path: formatPath(full) || 'yaml_content', message, line: null, severity: 'error', ...(rule ? { rule } : {}) });
  }

  warn(loc: Loc, message: string, rule?: string): void {
    if (this.warnings.length >= MAX_PROBLEMS) return;
    const full = [...this.prefix, ...loc];
    this.warnings.push({ loc: full, path: formatPath(full) || 'yaml_content', message, line: null, severity: 'warning', ...(rule ? { rule } : {}) });
  }

  /** Error when strict (the schema, Python), warning naming the rule otherwise (the TS loader). */
  schema(strict: boolean, loc: Loc, message: string, rule: string): void {
    if (strict) this.error(loc, message, rule);
    else this.warn(loc, `${message} (accepted by the TypeScript SDK, refused by the schema and the Python SDK)`, rule);
  }
}

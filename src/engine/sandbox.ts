/**
 * Sandbox contracts (section 11): allow-lists of paths, commands and hosts. Paths are normalised
 * lexically against the working directory `/` (a console cannot see agent hosts or symlinks).
 */
import { posix } from 'node:path';
import type { Sdk } from './engine.js';
import { compileGlob, type GlobMatcher } from './globs.js';
import { shellWords } from './shell.js';

const PY_PATH_KEYS = ['path', 'file_path', 'filePath', 'directory', 'dir', 'folder', 'target', 'destination', 'source', 'src', 'dst'];
const TS_PATH_KEYS = [...PY_PATH_KEYS, 'filename', 'file', 'filepath', 'read_path', 'write_path'];
const BUILTIN_FILE_TOOLS = new Set(['Read', 'Glob', 'Grep', 'Write', 'Edit']);
const TS_CHAINING = [';', '|', '&', '\n', '\r', '`', '$(', '${', '<('];
const PY_CHAINING = [...TS_CHAINING, "$'", '>(', '<<', '<<<'];
export const NO_PATHS_SUFFIX = ' (no extractable paths — sandbox cannot verify boundary compliance)';

export class SandboxError extends Error {}

export interface SandboxSpec {
  within: string[] | null;
  notWithin: string[];
  commands: string[] | null;
  domains: GlobMatcher[] | null;
  notDomains: GlobMatcher[];
}

export type SandboxOutcome = { ok: true; reason: string } | { ok: false; reason: string; noPaths: boolean };

function normalise(p: string, sdk: Sdk): string {
  if (p.includes('\0')) {
    if (sdk === 'python') throw new SandboxError('embedded null byte');
    p = p.replace(/\0/g, '');
  }
  return posix.resolve('/', p);
}

export function compileRoots(roots: string[], sdk: Sdk): string[] {
  return roots.map((r) => {
    const n = normalise(r, sdk);
    return n.length > 1 ? n.replace(/\/+$/, '') : n;
  });
}

function inside(p: string, root: string): boolean {
  return p === root || p.startsWith(root === '/' ? '/' : `${root}/`);
}

const looksLikeUrl = (v: string) => v.includes('://');

function extractPaths(tool: string, args: Record<string, unknown>, sdk: Sdk): string[] {
  const out: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && v !== '') out.push(v);
  };
  if (BUILTIN_FILE_TOOLS.has(tool)) add(args.file_path ?? args.filePath ?? args.path);
  for (const key of sdk === 'typescript' ? TS_PATH_KEYS : PY_PATH_KEYS) add(args[key]);
  for (const [key, v] of Object.entries(args)) {
    if (typeof v !== 'string') continue;
    if (v.startsWith('/')) add(v);
    else if (sdk === 'typescript' && !looksLikeUrl(v) && (v.includes('../') || v === '..' || v.startsWith('~') || v.startsWith('./'))) add(v);
    if (key === 'command') {
      for (const w of shellWords(v)) {
        const stripped = w.replace(/^(2>|>>|>|<)/, '');
        if (stripped.startsWith('/')) add(stripped);
      }
    }
  }
  return [...new Set(out)];
}

function hostOfTs(s: string): string | null {
  try {
    const h = new URL(s).hostname.toLowerCase();
    return h === '' ? null : h;
  } catch {
    return null;
  }
}

/** Python `urlparse(s).hostname`. */
function hostOfPy(s: string): string | null {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(s);
  if (!m) return null;
  let netloc = m[2] as string;
  const at = netloc.lastIndexOf('@');
  if (at >= 0) netloc = netloc.slice(at + 1);
  let host: string;
  if (netloc.startsWith('[')) host = netloc.slice(1, netloc.indexOf(']') >= 0 ? netloc.indexOf(']') : undefined);
  else host = netloc.split(':')[0] as string;
  host = host.toLowerCase();
  return host === '' ? null : host;
}

function extractHosts(args: Record<string, unknown>, sdk: Sdk): string[] {
  const hostOf = sdk === 'typescript' ? hostOfTs : hostOfPy;
  const out: string[] = [];
  for (const v of Object.values(args)) {
    if (typeof v !== 'string' || !v.includes('://')) continue;
    const whole = hostOf(v);
    if (whole !== null) {
      out.push(whole);
      continue;
    }
    for (const w of shellWords(v)) {
      const h = w.includes('://') ? hostOf(w) : null;
      if (h !== null) out.push(h);
    }
  }
  return out;
}

function chained(command: string, sdk: Sdk): boolean {
  const trimmed = command.trimStart();
  if (trimmed.startsWith('>') || trimmed.startsWith('<')) return true;
  return (sdk === 'typescript' ? TS_CHAINING : PY_CHAINING).some((t) => command.includes(t));
}

export function compileDomains(patterns: string[] | null, sdk: Sdk): GlobMatcher[] | null {
  return patterns === null ? null : patterns.map((p) => compileGlob(p, sdk));
}

/** First violation: paths, then commands, then hosts. Throws SandboxError (Python NUL). */
export function checkSandbox(spec: SandboxSpec, tool: string, args: Record<string, unknown>, sdk: Sdk): SandboxOutcome {
  if (spec.within !== null || spec.notWithin.length > 0) {
    const paths = extractPaths(tool, args, sdk).map((p) => normalise(p, sdk));
    for (const p of paths) {
      if (spec.notWithin.some((r) => inside(p, r))) return { ok: false, reason: `path ${p} is excluded by not_within`, noPaths: false };
      if (spec.within !== null && !spec.within.some((r) => inside(p, r))) return { ok: false, reason: `path ${p} is outside within`, noPaths: false };
    }
    if (spec.within !== null && paths.length === 0 && sdk === 'typescript') {
      return { ok: false, reason: 'no path found in the call (TS fails closed)', noPaths: true };
    }
  }
  const command = args.command;
  if (typeof command === 'string' && (spec.commands !== null || sdk === 'python')) {
    if (chained(command, sdk)) return { ok: false, reason: 'command chains or redirects', noPaths: false };
    if (spec.commands !== null) {
      const first = shellWords(command)[0];
      if (first === undefined || !spec.commands.includes(first)) return { ok: false, reason: `command '${first ?? ''}' is not allowed`, noPaths: false };
    }
  }
  if (spec.domains !== null || spec.notDomains.length > 0) {
    for (const h of extractHosts(args, sdk)) {
      if (spec.notDomains.some((m) => m(h))) return { ok: false, reason: `host ${h} is in not_allows.domains`, noPaths: false };
      if (spec.domains !== null && !spec.domains.some((m) => m(h))) return { ok: false, reason: `host ${h} is not in allows.domains`, noPaths: false };
    }
  }
  return { ok: true, reason: 'within the sandbox' };
}

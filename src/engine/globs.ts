/**
 * Tool-name globs (section 7): whole name, case-sensitive. TS: `*` and `?` only, everything else
 * literal. Python `fnmatch` (POSIX host): also `[abc]`, `[!abc]` classes. Compiled once.
 */
import type { Sdk } from './engine.js';

export type GlobMatcher = (name: string) => boolean;

function escapeRe(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

/** fnmatch's translation of `[...]`; an unterminated `[` is a literal. Returns [regex, next index]. */
function pyClass(pat: string, i: number): [string, number] | null {
  let j = i + 1;
  if (pat[j] === '!') j += 1;
  if (pat[j] === ']') j += 1;
  while (j < pat.length && pat[j] !== ']') j += 1;
  if (j >= pat.length) return null;
  let body = pat.slice(i + 1, j);
  let neg = false;
  if (body.startsWith('!')) {
    neg = true;
    body = body.slice(1);
  }
  const escaped = body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]').replace(/\^/g, '\\^').replace(/\[/g, '\\[');
  if (escaped === '') return [neg ? '[\\s\\S]' : '(?!)', j + 1];
  return [`[${neg ? '^' : ''}${escaped}]`, j + 1];
}

export function compileGlob(pattern: string, sdk: Sdk): GlobMatcher {
  if (!/[*?[]/.test(pattern)) return (name) => name === pattern;
  if (pattern === '*') return () => true;
  let re = '';
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      re += '[\\s\\S]*';
      i += 1;
    } else if (ch === '?') {
      re += '[\\s\\S]';
      i += 1;
    } else if (ch === '[' && sdk === 'python') {
      const cls = pyClass(pattern, i);
      if (cls) {
        re += cls[0];
        i = cls[1];
      } else {
        re += '\\[';
        i += 1;
      }
    } else {
      re += escapeRe(ch);
      i += 1;
    }
  }
  let compiled: RegExp;
  try {
    compiled = new RegExp(`^(?:${re})$`);
  } catch {
    return (name) => name === pattern;
  }
  return (name) => compiled.test(name);
}

/**
 * Shell-style glob matching, case-sensitive like Python's fnmatchcase: `*`, `?`, `[...]`. Used by
 * assignment rules (console-api.md 4.8), notification routing filters (6.3) and contract tool
 * patterns in coverage (1.12). Patterns are compiled to tokens and matched
 * with the two-pointer wildcard algorithm: on a mismatch it only ever returns to the most recent
 * `*`, so matching is O(pattern × text) at worst, never exponential (a regex built from the
 * pattern could backtrack catastrophically on `*a*a*a*...b`).
 */

type Token =
  | { kind: 'star' }
  | { kind: 'any' }
  | { kind: 'char'; ch: string }
  | { kind: 'class'; negate: boolean; singles: Set<string>; ranges: [string, string][] };

export class GlobError extends Error {}

/**
 * Compile a pattern. Strict (assignment rules, validated on write): throws GlobError for an
 * unclosed, empty or reversed `[...]`, and `[^...]` negates like `[!...]`. Lenient (patterns
 * stored without such validation: routing filters, contract tool names): as Python's fnmatch, an
 * unclosed `[` is a literal `[` and only `!` negates.
 */
export function compileGlob(pattern: string, opts: { lenient?: boolean } = {}): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '*') {
      // Consecutive stars mean the same as one.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      i++;
    } else if (ch === '?') {
      tokens.push({ kind: 'any' });
      i++;
    } else if (ch === '[') {
      let parsed: { token: Token; next: number };
      try {
        parsed = parseClass(pattern, i, opts.lenient === true);
      } catch (err) {
        if (!opts.lenient || !(err instanceof UnclosedClass)) throw err;
        parsed = { token: { kind: 'char', ch }, next: i + 1 };
      }
      tokens.push(parsed.token);
      i = parsed.next;
    } else {
      tokens.push({ kind: 'char', ch });
      i++;
    }
  }
  return tokens;
}

class UnclosedClass extends GlobError {}

function parseClass(pattern: string, start: number, lenient: boolean): { token: Token; next: number } {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === '!' || (!lenient && pattern[i] === '^')) {
    negate = true;
    i++;
  }
  const singles = new Set<string>();
  const ranges: [string, string][] = [];
  let first = true;
  while (i < pattern.length && (pattern[i] !== ']' || first)) {
    const c = pattern[i]!;
    first = false;
    if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      const hi = pattern[i + 2]!;
      if (hi < c) throw new GlobError(`invalid range '${c}-${hi}' in pattern`);
      ranges.push([c, hi]);
      i += 3;
    } else {
      singles.add(c);
      i++;
    }
  }
  if (i >= pattern.length) throw new UnclosedClass("unclosed '[' in pattern");
  if (singles.size === 0 && ranges.length === 0) throw new GlobError("empty '[]' in pattern");
  return { token: { kind: 'class', negate, singles, ranges }, next: i + 1 };
}

function tokenMatches(t: Token, ch: string): boolean {
  switch (t.kind) {
    case 'any':
      return true;
    case 'char':
      return t.ch === ch;
    case 'class': {
      const hit = t.singles.has(ch) || t.ranges.some(([lo, hi]) => ch >= lo && ch <= hi);
      return hit !== t.negate;
    }
    case 'star':
      return false;
  }
}

export function matchTokens(tokens: Token[], text: string): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < text.length) {
    const t = tokens[p];
    if (t && t.kind !== 'star' && tokenMatches(t, text[s]!)) {
      p++;
      s++;
    } else if (t?.kind === 'star') {
      starP = p++;
      starS = s;
    } else if (starP >= 0) {
      // Let the last star swallow one more character and retry from there.
      p = starP + 1;
      s = ++starS;
    } else {
      return false;
    }
  }
  while (tokens[p]?.kind === 'star') p++;
  return p === tokens.length;
}

/** Compiled patterns are cached: patterns are few and matched on every connect or approval. */
const caches = { strict: new Map<string, Token[] | null>(), lenient: new Map<string, Token[] | null>() };
const CACHE_MAX = 2_000;

/** Whether `text` matches `pattern`; a pattern that does not compile matches nothing. */
export function globMatch(pattern: string, text: string, opts: { lenient?: boolean } = {}): boolean {
  const cache = opts.lenient ? caches.lenient : caches.strict;
  let tokens = cache.get(pattern);
  if (tokens === undefined) {
    try {
      tokens = compileGlob(pattern, opts);
    } catch {
      tokens = null;
    }
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(pattern, tokens);
  }
  return tokens !== null && matchTokens(tokens, text);
}

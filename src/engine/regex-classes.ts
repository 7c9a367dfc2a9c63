/**
 * Python `re` character classes for str patterns, as ranges of BMP code units, built once from
 * the JS Unicode property escapes. The translated patterns run without the `u` flag (V8's
 * linear-time fallback engine does not take `u` or `i` patterns, see regex.ts), so classes are
 * spelled out as ranges; astral members of `\d`/`\w` are not included (a documented gap).
 */

function rangesOf(test: (ch: string) => boolean): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let cp = 0; cp <= 0xffff; cp++) {
    const inSet = cp >= 0xd800 && cp <= 0xdfff ? false : test(String.fromCharCode(cp));
    if (inSet && start < 0) start = cp;
    if (!inSet && start >= 0) {
      out.push([start, cp - 1]);
      start = -1;
    }
  }
  if (start >= 0) out.push([start, 0xffff]);
  return out;
}

function complement(ranges: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const [a, b] of ranges) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= 0xffff) out.push([next, 0xffff]);
  return out;
}

export function unitEscape(cp: number): string {
  return `\\u${cp.toString(16).padStart(4, '0')}`;
}

/** Ranges as the inside of a JS character class (no brackets). */
export function classBody(ranges: [number, number][]): string {
  return ranges.map(([a, b]) => (a === b ? unitEscape(a) : `${unitEscape(a)}-${unitEscape(b)}`)).join('');
}

const DIGIT_RE = /\p{Nd}/u;
const WORD_RE = /[\p{L}\p{N}_]/u;
const PY_SPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);
for (let cp = 0x2000; cp <= 0x200a; cp++) PY_SPACE.add(cp);

interface ClassPair {
  pos: [number, number][];
  neg: [number, number][];
}

function pair(pos: [number, number][]): ClassPair {
  return { pos, neg: complement(pos) };
}

let cache: Record<'d' | 'w' | 's' | 'ad' | 'aw' | 'as', ClassPair> | null = null;

/** `d`/`w`/`s` Unicode (Python default) and `ad`/`aw`/`as` ASCII (the `(?a)` flag). */
export function pyClasses(): Record<'d' | 'w' | 's' | 'ad' | 'aw' | 'as', ClassPair> {
  if (cache) return cache;
  cache = {
    d: pair(rangesOf((c) => DIGIT_RE.test(c))),
    w: pair(rangesOf((c) => WORD_RE.test(c))),
    s: pair([...PY_SPACE].sort((a, b) => a - b).map((cp) => [cp, cp] as [number, number])),
    ad: pair([[0x30, 0x39]]),
    aw: pair([[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]]),
    as: pair([[0x09, 0x0d], [0x20, 0x20]]),
  };
  return cache;
}

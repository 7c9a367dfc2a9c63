/**
 * Translates a Python `re` pattern (str, search semantics) into an equivalent JavaScript
 * pattern for the non-`u` RegExp engine: inline flags, `(?P<n>…)`, `(?P=n)`, `\A`, `\Z`, `{,n}`,
 * Unicode `\d \w \s`, `.` and negated classes over code points, `$` before a final newline.
 * Case-insensitivity is expanded into classes so no `i` flag is needed. Throws PyRegexError
 * for what Python itself rejects, and for the few constructs the console does not support
 * (atomic groups, possessive quantifiers, conditionals, `\N{…}`): docs/contracts.md.
 */
import { classBody, pyClasses, unitEscape } from './regex-classes.js';

export class PyRegexError extends Error {}

export interface PyTranslation {
  source: string;
  flags: string;
  /** Uses lookaround or backreferences (the linear-time engine cannot take it). */
  backtrackingOnly: boolean;
}

interface Flags {
  i: boolean;
  s: boolean;
  x: boolean;
  a: boolean;
}

const PAIR = '[\\ud800-\\udbff][\\udc00-\\udfff]';
const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7 };

function caseVariants(cp: number): number[] {
  const ch = String.fromCodePoint(cp);
  const out = new Set<number>([cp]);
  for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
    if ([...v].length === 1) out.add(v.codePointAt(0) as number);
  }
  return [...out];
}

function literal(cp: number): string {
  if (cp > 0xffff) {
    const s = String.fromCodePoint(cp);
    return `(?:${unitEscape(s.charCodeAt(0))}${unitEscape(s.charCodeAt(1))})`;
  }
  return unitEscape(cp);
}

class Translator {
  private pos = 0;
  private readonly cps: number[];
  private groupCount = 0;
  private readonly names = new Set<string>();
  private multiline = false;
  backtrackingOnly = false;

  constructor(pattern: string) {
    this.cps = [...pattern].map((c) => c.codePointAt(0) as number);
  }

  private peek(o = 0): string {
    const cp = this.cps[this.pos + o];
    return cp === undefined ? '' : String.fromCodePoint(cp);
  }

  private eof(): boolean {
    return this.pos >= this.cps.length;
  }

  run(): PyTranslation {
    const flags: Flags = { i: false, s: false, x: false, a: false };
    this.leadingFlags(flags);
    const body = this.alternation(flags, 0);
    if (!this.eof()) throw new PyRegexError(`unbalanced parenthesis at position ${this.pos}`);
    return { source: body, flags: this.multiline ? 'm' : '', backtrackingOnly: this.backtrackingOnly };
  }

  /** `(?aimsx)` groups at the very start set global flags (Python 3.11 rejects them elsewhere). */
  private leadingFlags(flags: Flags): void {
    for (;;) {
      const m = /^\(\?([aiLmsux]+)\)/.exec(this.rest(12));
      if (!m) return;
      for (const f of m[1] as string) this.setFlag(flags, f, true);
      this.pos += m[0].length;
    }
  }

  private rest(n: number): string {
    return this.cps.slice(this.pos, this.pos + n).map((c) => String.fromCodePoint(c)).join('');
  }

  private setFlag(flags: Flags, f: string, on: boolean): void {
    if (f === 'L') throw new PyRegexError('bad inline flag: cannot use LOCALE flag with a str pattern');
    if (f === 'm') this.multiline = this.multiline || on;
    else if (f === 'i' || f === 's' || f === 'x' || f === 'a') flags[f] = on;
  }

  private alternation(flags: Flags, depth: number): string {
    if (depth > 100) throw new PyRegexError('pattern nests too deeply');
    const branches = [this.sequence(flags, depth)];
    while (this.peek() === '|') {
      this.pos += 1;
      branches.push(this.sequence(flags, depth));
    }
    return branches.join('|');
  }

  private sequence(flags: Flags, depth: number): string {
    let out = '';
    while (!this.eof() && this.peek() !== '|' && this.peek() !== ')') {
      if (flags.x && this.skipVerbose()) continue;
      const atom = this.atom(flags, depth);
      if (atom === null) continue;
      out += atom + this.quantifier(flags, atom);
    }
    return out;
  }

  private skipVerbose(): boolean {
    const c = this.peek();
    if (/\s/.test(c)) {
      this.pos += 1;
      return true;
    }
    if (c === '#') {
      while (!this.eof() && this.peek() !== '\n') this.pos += 1;
      return true;
    }
    return false;
  }

  private quantifier(flags: Flags, atom: string): string {
    if (flags.x) while (!this.eof() && this.skipVerbose());
    const c = this.peek();
    let q: string;
    if (c === '*' || c === '+' || c === '?') {
      q = c;
      this.pos += 1;
    } else if (c === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(this.rest(24));
      if (!m || (m[1] === '' && m[2] === '' )) return '';
      const [, lo, comma, hi] = m as unknown as [string, string, string, string];
      if (lo !== '' && hi !== '' && Number(hi) < Number(lo)) throw new PyRegexError('min repeat greater than max repeat');
      q = comma ? `{${lo === '' ? '0' : lo},${hi}}` : `{${lo}}`;
      this.pos += m[0].length;
    } else return '';
    if (atom === '' || atom === '^' || atom === '$' || atom === '(?:\\n?$)') throw new PyRegexError('nothing to repeat');
    if (this.peek() === '?') {
      q += '?';
      this.pos += 1;
    } else if (this.peek() === '+') throw new PyRegexError('possessive quantifiers are not supported by the console');
    const next = this.peek();
    if (next === '*' || next === '+' || (next === '?' && q.endsWith('?') === false)) throw new PyRegexError('multiple repeat');
    return q;
  }

  private atom(flags: Flags, depth: number): string | null {
    const c = this.peek();
    this.pos += 1;
    switch (c) {
      case '(':
        return this.group(flags, depth);
      case '[':
        return this.charClass(flags);
      case '\\':
        return this.escape(flags);
      case '.':
        return flags.s ? `(?:${PAIR}|[\\s\\S])` : `(?:${PAIR}|[^\\n])`;
      case '^':
        return '^';
      case '$':
        return this.multiline ? '$' : '(?:\\n?$)';
      case '*':
      case '+':
      case '?':
        throw new PyRegexError('nothing to repeat');
      case '{': {
        this.pos -= 1;
        if (/^\{\d*,?\d*\}/.test(this.rest(24)) && !/^\{\}/.test(this.rest(2)) && !/^\{,\}/.test(this.rest(3))) {
          throw new PyRegexError('nothing to repeat');
        }
        this.pos += 1;
        return '\\{';
      }
      default:
        return this.literalCp(this.cps[this.pos - 1] as number, flags);
    }
  }

  private literalCp(cp: number, flags: Flags): string {
    if (flags.i) {
      const vs = caseVariants(cp);
      if (vs.length > 1 && vs.every((v) => v <= 0xffff)) return `[${vs.map(unitEscape).join('')}]`;
    }
    return literal(cp);
  }

  private group(flags: Flags, depth: number): string {
    if (this.peek() !== '?') {
      this.groupCount += 1;
      return `(${this.closeGroup({ ...flags }, depth)}`;
    }
    const head = this.rest(40);
    let m: RegExpExecArray | null;
    if ((m = /^\?P<([^>]*)>/.exec(head))) {
      this.pos += m[0].length;
      this.newName(m[1] as string);
      return `(?<${m[1]}>${this.closeGroup({ ...flags }, depth)}`;
    }
    if ((m = /^\?P=([^)]*)\)/.exec(head))) {
      this.pos += m[0].length;
      if (!this.names.has(m[1] as string)) throw new PyRegexError(`unknown group name '${m[1]}'`);
      this.backtrackingOnly = true;
      return `\\k<${m[1]}>`;
    }
    if ((m = /^\?(:|=|!|<=|<!)/.exec(head))) {
      this.pos += m[0].length;
      if (m[1] !== ':') this.backtrackingOnly = true;
      return `(?${m[1]}${this.closeGroup({ ...flags }, depth)}`;
    }
    if (head.startsWith('?#')) {
      while (!this.eof() && this.peek() !== ')') this.pos += 1;
      if (this.eof()) throw new PyRegexError('missing ), unterminated comment');
      this.pos += 1;
      return null as unknown as string;
    }
    if ((m = /^\?([aimsx]*)(?:-([imsx]+))?:/.exec(head))) {
      this.pos += m[0].length;
      const inner = { ...flags };
      for (const f of m[1] as string) this.setFlag(inner, f, true);
      for (const f of m[2] ?? '') this.setFlag(inner, f, false);
      return `(?:${this.closeGroup(inner, depth)}`;
    }
    if (/^\?[aiLmsux]+\)/.test(head)) throw new PyRegexError('global flags not at the start of the expression');
    if (head.startsWith('?>') || head.startsWith('?(')) {
      throw new PyRegexError('atomic groups and conditionals are not supported by the console');
    }
    throw new PyRegexError(`unknown extension ${head.slice(0, 3)}`);
  }

  private newName(name: string): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new PyRegexError(`bad character in group name '${name}'`);
    if (this.names.has(name)) throw new PyRegexError(`redefinition of group name '${name}'`);
    this.names.add(name);
    this.groupCount += 1;
  }

  private closeGroup(flags: Flags, depth: number): string {
    const body = this.alternation(flags, depth + 1);
    if (this.peek() !== ')') throw new PyRegexError('missing ), unterminated subpattern');
    this.pos += 1;
    return `${body})`;
  }

  private escape(flags: Flags): string {
    if (this.eof()) throw new PyRegexError('bad escape (end of pattern)');
    const c = this.peek();
    this.pos += 1;
    const cls = this.classEscape(c, flags);
    if (cls !== null) return cls.negated ? `(?:${PAIR}|[${cls.body}])` : `[${cls.body}]`;
    if (c === 'A') return this.multiline ? '(?<![\\s\\S])' : '^';
    if (c === 'Z') return this.multiline ? '(?![\\s\\S])' : '$';
    if (c === 'b' || c === 'B') return `\\${c}`;
    if (/[1-9]/.test(c)) {
      let num = c;
      if (/[0-9]/.test(this.peek())) {
        num += this.peek();
        this.pos += 1;
      }
      if (Number(num) > this.groupCount) throw new PyRegexError(`invalid group reference ${num}`);
      this.backtrackingOnly = true;
      return `\\${num}`;
    }
    return this.literalCp(this.escapedCp(c), flags);
  }

  /** `\d \D \w \W \s \S` as a class body (negated ones as the complement over the BMP). */
  private classEscape(c: string, flags: Flags): { body: string; negated: boolean } | null {
    const lower = c.toLowerCase();
    if (lower !== 'd' && lower !== 'w' && lower !== 's') return null;
    const table = pyClasses()[(flags.a ? `a${lower}` : lower) as 'd' | 'w' | 's'];
    const negated = c !== lower;
    return { body: classBody(negated ? table.neg : table.pos), negated };
  }

  /** The code point of a non-class escape (`\n`, `\x41`, `\u00e9`, `\0`, `\.`...). */
  private escapedCp(c: string): number {
    if (c in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[c] as number;
    const hex = (n: number) => {
      const h = this.rest(n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) throw new PyRegexError(`incomplete escape \\${c}${h}`);
      this.pos += n;
      return parseInt(h, 16);
    };
    if (c === 'x') return hex(2);
    if (c === 'u') return hex(4);
    if (c === 'U') {
      const cp = hex(8);
      if (cp > 0x10ffff) throw new PyRegexError('bad escape \\U');
      return cp;
    }
    if (c === '0') {
      let oct = '0';
      while (oct.length < 3 && /[0-7]/.test(this.peek())) oct += String.fromCodePoint(this.cps[this.pos++] as number);
      return parseInt(oct, 8);
    }
    if (/[A-Za-z0-9]/.test(c)) throw new PyRegexError(`bad escape \\${c}`);
    return c.codePointAt(0) as number;
  }

  private charClass(flags: Flags): string {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos += 1;
    }
    let body = '';
    let first = true;
    let hasAstral = false;
    for (;;) {
      if (this.eof()) throw new PyRegexError('unterminated character set');
      const c = this.peek();
      if (c === ']' && !first) {
        this.pos += 1;
        break;
      }
      first = false;
      this.pos += 1;
      let lo: number;
      if (c === '\\') {
        const e = this.peek();
        this.pos += 1;
        const cls = this.classEscape(e, flags);
        if (cls !== null) {
          body += cls.body;
          continue;
        }
        if (e === 'b') lo = 8;
        else lo = this.escapedCp(e);
      } else lo = this.cps[this.pos - 1] as number;
      let hi = lo;
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '') {
        this.pos += 1;
        const h = this.peek();
        this.pos += 1;
        if (h === '\\') {
          const e = this.peek();
          this.pos += 1;
          if (this.classEscape(e, flags) !== null) throw new PyRegexError('bad character range');
          hi = this.escapedCp(e);
        } else hi = this.cps[this.pos - 1] as number;
        if (hi < lo) throw new PyRegexError('bad character range');
      }
      if (hi > 0xffff) {
        hasAstral = true;
        continue;
      }
      body += lo === hi ? unitEscape(lo) : `${unitEscape(lo)}-${unitEscape(hi)}`;
      if (flags.i) body += this.foldRange(lo, hi);
    }
    // Astral members of a class are dropped (documented); a negated class still takes a whole pair.
    void hasAstral;
    if (negated) return `(?:${PAIR}|[^${body}])`;
    return body === '' ? '[^\\s\\S]' : `[${body}]`;
  }

  private foldRange(lo: number, hi: number): string {
    if (hi - lo > 4000) return '';
    let out = '';
    for (let cp = lo; cp <= hi; cp++) {
      for (const v of caseVariants(cp)) if (v !== cp && v <= 0xffff) out += unitEscape(v);
    }
    return out;
  }
}

export function translatePythonRegex(pattern: string): PyTranslation {
  return new Translator(pattern).run();
}

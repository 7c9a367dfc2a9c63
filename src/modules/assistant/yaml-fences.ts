/**
 * Splits a streamed answer into prose (forwarded to the admin as it arrives) and ```yaml blocks
 * (held back: a proposal reaches the admin only with its proof). Fences are recognised per line,
 * as Markdown does: a line that starts with ``` followed by yaml/yml opens one, a line of ``` closes
 * it. A line starting with a backtick is held until it is known not to open a fence.
 */
export class YamlFenceSplitter {
  private inFence = false;
  private line = '';
  private atLineStart = true;
  private holding = false;
  private block = '';

  constructor(
    private readonly onText: (text: string) => void,
    private readonly onYaml: (yaml: string) => void,
  ) {}

  push(delta: string): void {
    let out = '';
    for (const ch of delta) {
      if (this.inFence) {
        this.line += ch;
        if (ch === '\n') this.endFenceLine();
        continue;
      }
      if (this.holding) {
        this.line += ch;
        if (ch === '\n') {
          const opens = /^```[ \t]*(ya?ml)[ \t]*\r?\n$/i.test(this.line);
          if (opens) {
            this.inFence = true;
            this.block = '';
          } else out += this.line;
          this.line = '';
          this.holding = false;
          this.atLineStart = true;
        } else if (!/^`{1,2}$/.test(this.line) && !/^```[ \t]*(y|ya|yam|yaml|ym|yml)?[ \t]*\r?$/i.test(this.line)) {
          out += this.line;
          this.line = '';
          this.holding = false;
          this.atLineStart = false;
        }
        continue;
      }
      if (this.atLineStart && ch === '`') {
        if (out) this.onText(out);
        out = '';
        this.holding = true;
        this.line = ch;
        continue;
      }
      out += ch;
      this.atLineStart = ch === '\n';
    }
    if (out) this.onText(out);
  }

  private endFenceLine(): void {
    if (/^```[ \t]*\r?\n$/.test(this.line)) {
      this.inFence = false;
      this.atLineStart = true;
      this.onYaml(this.block);
      this.block = '';
    } else this.block += this.line;
    this.line = '';
  }

  /** The answer ended: an unclosed fence is still a proposal; a held line is prose. */
  end(): void {
    if (this.inFence) {
      // A closing fence at the very end has no newline after it.
      if (!/^```[ \t]*\r?$/.test(this.line)) this.block += this.line;
      this.inFence = false;
      if (this.block.trim()) this.onYaml(this.block);
    } else if (this.line) this.onText(this.line);
    this.line = '';
    this.block = '';
    this.holding = false;
  }
}

/** Every ```yaml block of a finished text (for the repair pass, which is not streamed through the splitter). */
export function yamlBlocks(text: string): string[] {
  const out: string[] = [];
  const s = new YamlFenceSplitter(() => undefined, (y) => out.push(y));
  s.push(text);
  s.end();
  return out;
}

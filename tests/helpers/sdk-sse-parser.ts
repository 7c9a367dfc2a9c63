/**
 * A faithful port of the TS SDK's SSE parser (`ServerContractSource.watch`, edictum-ts a79834e),
 * as sdk-contract.md section 3 describes it — including its known pitfall. Tests read our streams
 * through this, so they see exactly what an agent sees.
 *
 * - bytes are decoded as UTF-8 and appended to a buffer;
 * - the buffer is split on \r\n, \r or \n; the last, incomplete piece stays buffered;
 * - past 1 MiB without a line break the buffer and the event being built are discarded;
 * - `event:` sets the name (trimmed); `data:` adds a line (one leading space dropped), joined
 *   with \n; `id:`, `retry:` and comments are ignored (but count as traffic);
 * - an empty line ends an event, handled only with BOTH a name and data; both reset either way.
 */
export const SDK_BUFFER_LIMIT = 1024 * 1024;

export interface SdkEvent {
  event: string;
  data: string;
}

export class SdkSseParser {
  private buffer = '';
  private eventName = '';
  private dataLines: string[] = [];
  private readonly decoder = new TextDecoder('utf-8');
  /** Bytes seen, for the SDK's idle timer. */
  traffic = 0;

  constructor(private readonly onEvent: (e: SdkEvent) => void) {}

  push(chunk: Uint8Array): void {
    this.traffic += chunk.length;
    this.buffer += this.decoder.decode(chunk, { stream: true });
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    for (const line of lines) this.line(line);
    if (this.buffer.length > SDK_BUFFER_LIMIT) {
      this.buffer = '';
      this.eventName = '';
      this.dataLines = [];
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.eventName && this.dataLines.length > 0) this.onEvent({ event: this.eventName, data: this.dataLines.join('\n') });
      this.eventName = '';
      this.dataLines = [];
      return;
    }
    if (line.startsWith('event:')) {
      this.eventName = line.slice('event:'.length).trim();
    } else if (line.startsWith('data:')) {
      let v = line.slice('data:'.length);
      if (v.startsWith(' ')) v = v.slice(1);
      this.dataLines.push(v);
    }
    // `id:`, `retry:` and `:` comments: ignored.
  }
}

/** Parse a whole byte sequence delivered as the given chunks; returns the events the SDK acts on. */
export function parseChunks(chunks: Uint8Array[]): SdkEvent[] {
  const out: SdkEvent[] = [];
  const p = new SdkSseParser((e) => out.push(e));
  for (const c of chunks) p.push(c);
  return out;
}

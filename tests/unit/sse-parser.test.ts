import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseChunks, SDK_BUFFER_LIMIT, SdkSseParser, type SdkEvent } from '../helpers/sdk-sse-parser.js';
import { KEEPALIVE_FRAME, sseFrame } from '../../src/modules/stream/stream.sse.js';

const enc = (s: string) => Buffer.from(s, 'utf8');

/** Split `bytes` at the given offsets into chunks, as a network might. */
function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(bytes.length, c))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out.filter((c) => c.length > 0);
}

describe('the TS SDK SSE parser (ported faithfully)', () => {
  it('reads an event with a name and data, and ignores id, retry and comments', () => {
    expect(parseChunks([enc(': hi\nid: 1\nretry: 5\nevent: contract_update\ndata: {"a":1}\n\n')])).toEqual([
      { event: 'contract_update', data: '{"a":1}' },
    ]);
  });

  it('drops events without an event name, and events not ended by a blank line', () => {
    expect(parseChunks([enc('data: {"a":1}\n\n'), enc('event: x\ndata: 1\n')])).toEqual([]);
  });

  it('joins data lines with LF and drops one leading space', () => {
    expect(parseChunks([enc('event: x\ndata:  two\ndata:b\n\n')])).toEqual([{ event: 'x', data: ' two\nb' }]);
  });

  it('LOSES an event when a CRLF is split across chunks right after the event line (the known pitfall)', () => {
    const crlf = enc('event: contract_update\r\ndata: {"revision_hash":"r1"}\r\n\r\n');
    // Whole, the CRLF event parses...
    expect(parseChunks([crlf])).toHaveLength(1);
    // ...but with the chunk boundary between \r and \n, the lone \n reads as an empty line.
    const cut = crlf.indexOf('\r\n') + 1;
    expect(parseChunks([crlf.subarray(0, cut), crlf.subarray(cut)])).toEqual([]);
  });

  it('never loses one of our LF frames, wherever the chunk boundaries fall', () => {
    const frames = [
      sseFrame('id-1', 'contract_update', { type: 'contract_update', yaml_bytes: 'eWFtbA==', note: 'line\r\nbreaks\rinside\n' }),
      KEEPALIVE_FRAME,
      sseFrame('id-2', 'assignment_changed', { type: 'assignment_changed', bundle_name: 'b', unicode: 'é\u2028✓' }),
    ];
    const bytes = Buffer.concat(frames);
    for (const f of frames) expect(f.includes(0x0d)).toBe(false);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 }), (cuts) => {
        const events = parseChunks(splitAt(bytes, cuts));
        expect(events.map((e) => e.event)).toEqual(['contract_update', 'assignment_changed']);
        expect(JSON.parse(events[0]!.data)).toMatchObject({ note: 'line\r\nbreaks\rinside\n' });
        expect(JSON.parse(events[1]!.data)).toMatchObject({ unicode: 'é\u2028✓' });
      }),
      { numRuns: 500 },
    );
    // And every single split point, exhaustively.
    for (let cut = 1; cut < bytes.length; cut++) expect(parseChunks(splitAt(bytes, [cut]))).toHaveLength(2);
  });

  it('discards a line longer than its 1 MiB buffer limit, then recovers', () => {
    const seen: SdkEvent[] = [];
    const p = new SdkSseParser((e) => seen.push(e));
    p.push(enc('event: big\ndata: '));
    p.push(enc('x'.repeat(SDK_BUFFER_LIMIT + 10)));
    p.push(enc('\n\nevent: ok\ndata: 1\n\n'));
    expect(seen).toEqual([{ event: 'ok', data: '1' }]);
  });
});

describe('our SSE frames', () => {
  it('are id, event and one data line of compact JSON with LF endings', () => {
    expect(sseFrame('m-1', 'approval_created', { type: 'approval_created', a: [1, 2] }).toString()).toBe(
      'id: m-1\nevent: approval_created\ndata: {"type":"approval_created","a":[1,2]}\n\n',
    );
    expect(sseFrame(null, 'resync', { type: 'resync' }).toString()).toBe('event: resync\ndata: {"type":"resync"}\n\n');
  });

  it('refuse an event type or id that could inject a field', () => {
    expect(() => sseFrame('x', 'evil\ndata: 1', {})).toThrow();
    expect(() => sseFrame('x\nevent: y', 'ok', {})).toThrow();
  });
});

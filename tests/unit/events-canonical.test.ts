import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, dedupHash, liftDecisionName, normaliseTimestamp, PayloadTooDeep, repairText } from '../../src/modules/events/events.canonical.js';

describe('event timestamps', () => {
  it('normalises the TS and Python SDK spellings of one instant to the same UTC microsecond text', () => {
    expect(normaliseTimestamp('2026-03-04T05:06:07.123Z')?.iso).toBe('2026-03-04T05:06:07.123000Z');
    expect(normaliseTimestamp('2026-03-04T05:06:07.123000+00:00')?.iso).toBe('2026-03-04T05:06:07.123000Z');
    expect(normaliseTimestamp('2026-03-04T07:36:07.123+02:30')?.iso).toBe('2026-03-04T05:06:07.123000Z');
    expect(normaliseTimestamp('2026-03-04T00:30:00-01:00')?.iso).toBe('2026-03-04T01:30:00.000000Z');
  });

  it('keeps microseconds and truncates (never rounds) digits beyond them', () => {
    expect(normaliseTimestamp('2026-01-01T00:00:00.123456789Z')?.iso).toBe('2026-01-01T00:00:00.123456Z');
    expect(normaliseTimestamp('2026-12-31T23:59:59.9999999Z')?.iso).toBe('2026-12-31T23:59:59.999999Z');
  });

  it('refuses what is not a real instant, or has no offset when one is required', () => {
    for (const bad of ['2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01', 'yesterday', '2026-01-01T00:00:00+24:00', '1969-12-31T23:59:59Z', '10000-01-01T00:00:00Z']) {
      expect(normaliseTimestamp(bad), bad).toBeNull();
    }
    expect(normaliseTimestamp('2026-01-01T00:00:00')).toBeNull();
    expect(normaliseTimestamp('2026-01-01T00:00:00', false)?.iso).toBe('2026-01-01T00:00:00.000000Z');
  });

  it('agrees with Date for any millisecond instant (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-02T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }), (d) => {
        const n = normaliseTimestamp(d.toISOString());
        expect(n?.epochMs).toBe(d.getTime());
        expect(n?.iso).toBe(`${d.toISOString().slice(0, 23)}000Z`);
      }),
    );
  });
});

describe('canonical payload JSON and the dedup hash', () => {
  it('does not depend on key order or spacing', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(JSON.parse(JSON.stringify(obj, null, 2))));
      }),
    );
  });

  it('is valid JSON that parses back to the same content', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });

  it('replaces NUL and unpaired surrogates, which Postgres cannot store', () => {
    expect(repairText('a\u0000b')).toBe('a\uFFFDb');
    expect(repairText('x\ud800y\udc00z')).toBe('x\uFFFDy\uFFFDz');
    expect(repairText('emoji \ud83d\ude00 ok')).toBe('emoji \ud83d\ude00 ok');
    expect(canonicalJson({ 'k\u0000': 'v\ud800' })).toBe('{"k\uFFFD":"v\uFFFD"}');
  });

  it('refuses nesting past 64 levels instead of overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(PayloadTooDeep);
  });

  it('gives lifecycle events of one call different hashes and a retry the same hash', () => {
    const base = { agentId: 'a', toolName: 't', verdict: 'call_allowed', mode: 'enforce', timestamp: '2026-01-01T00:00:00.000000Z', payloadJson: '{"x":1}' };
    expect(dedupHash(base)).toBe(dedupHash({ ...base }));
    expect(dedupHash(base)).not.toBe(dedupHash({ ...base, verdict: 'call_executed' }));
    expect(dedupHash(base)).not.toBe(dedupHash({ ...base, payloadJson: '{"x":2}' }));
    expect(dedupHash(base)).not.toBe(dedupHash({ ...base, payloadJson: null }));
    // Field boundaries are unambiguous: moving a character between fields changes the hash.
    expect(dedupHash({ ...base, agentId: 'ab', toolName: 't' })).not.toBe(dedupHash({ ...base, agentId: 'a', toolName: 'bt' }));
  });

  it('lifts decision_name only when it is a string, cut to the column size', () => {
    expect(liftDecisionName({ decision_name: 'no-rm' })).toBe('no-rm');
    expect(liftDecisionName({ decision_name: 5 })).toBeNull();
    expect(liftDecisionName({ decision_name: '' })).toBeNull();
    expect(liftDecisionName(null)).toBeNull();
    expect(liftDecisionName({ decision_name: 'x'.repeat(300) })).toHaveLength(255);
  });
});

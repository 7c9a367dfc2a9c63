import { describe, expect, it } from 'vitest';
import { EventRing } from '../../src/modules/stream/dashboard-ring.js';

const b = (s: string) => Buffer.from(s);

describe('dashboard replay ring', () => {
  it('returns what came after an id, oldest first, and null for an id it does not hold', () => {
    const r = new EventRing(3, 1024);
    for (const id of ['a', 'b', 'c', 'd']) r.push(id, b(id));
    expect(r.since('b')?.map(String)).toEqual(['c', 'd']);
    expect(r.since('d')).toEqual([]);
    // 'a' fell out of the 3-event window: the caller must resync, not replay a gap.
    expect(r.since('a')).toBeNull();
    expect(r.since('never')).toBeNull();
    expect(r.newestId()).toBe('d');
  });

  it('is bounded by bytes too, and forgets everything rather than skip an event too big to keep', () => {
    const r = new EventRing(100, 10);
    r.push('a', b('12345'));
    r.push('b', b('12345'));
    r.push('c', b('123'));
    expect(r.since('a')).toBeNull();
    expect(r.since('b')?.map(String)).toEqual(['123']);
    r.push('huge', b('x'.repeat(11)));
    expect(r.since('c')).toBeNull();
    expect(r.newestId()).toBeNull();
  });

  it('keeps working across many pushes (compaction)', () => {
    const r = new EventRing(5, 1 << 20);
    for (let i = 0; i < 1000; i++) r.push(`e${i}`, b(`${i}`));
    expect(r.size).toBe(5);
    expect(r.since('e996')?.map(String)).toEqual(['997', '998', '999']);
  });
});

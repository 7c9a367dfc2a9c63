import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Principal, type TestApp } from '../helpers/test-app.js';
import { countEvents, tsEvent } from '../helpers/events-fixtures.js';

/**
 * Malformed input never makes a 5xx, and a refused ingest writes nothing (the row count is
 * unchanged on every 4xx). Shapes come from fast-check; each failure shrinks to a minimal case.
 */

const nasty = fc.constantFrom('', '\u0000', 'a\u0000b', '\ud800', '\udfff x', '𝕏'.repeat(300), '%', '%00', "'; DROP TABLE events; --", '\\', '"', 'x'.repeat(70_000), '2026-02-30T00:00:00Z', '9999-12-31T23:59:59.999999-23:59', '0000-01-01T00:00:00Z');
const scalar = fc.oneof(
  { weight: 4, arbitrary: nasty },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
);
const anyValue = fc.oneof({ weight: 4, arbitrary: scalar }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 5 }) });
const FIELDS = ['call_id', 'agent_id', 'tool_name', 'verdict', 'mode', 'timestamp', 'payload'] as const;
const oddPayload = fc.dictionary(fc.oneof(nasty, fc.string({ unit: 'binary', maxLength: 8 })), anyValue, { maxKeys: 5 });

/** A valid SDK event with one to three fields replaced by something odd, or removed. */
const fuzzEvent = fc
  .array(fc.tuple(fc.constantFrom(...FIELDS), fc.option(fc.oneof(anyValue, oddPayload), { nil: undefined, freq: 8 })), { minLength: 0, maxLength: 3 })
  .map((mutations) => {
    const out = tsEvent() as unknown as Record<string, unknown>;
    for (const [k, v] of mutations) {
      if (v === undefined) delete out[k];
      else out[k] = v;
    }
    return out;
  });

/** Short odd text: still a valid field, so the batch reaches the database. */
const oddText = fc.oneof(fc.constantFrom('', '\u0000', 'a\u0000b', '\ud800', '\udfff x', '%_\\', "'; DROP TABLE events; --", '"', '𝕏'), fc.string({ unit: 'binary', maxLength: 20 }));
const storableEvent = fc
  .tuple(fc.constantFrom('call_id', 'agent_id', 'tool_name', 'verdict', 'mode'), oddText, fc.dictionary(oddText, fc.oneof(oddText, fc.jsonValue({ maxDepth: 3 })), { maxKeys: 4 }))
  .map(([field, value, payload]) => ({ ...tsEvent(), [field]: value, payload }));

const body = fc.oneof(
  { weight: 3, arbitrary: fc.record({ events: fc.array(storableEvent, { minLength: 1, maxLength: 3 }) }) },
  fc.record({ events: fc.array(fuzzEvent, { maxLength: 6 }) }),
  fc.record({ events: fc.array(fuzzEvent, { maxLength: 3 }), agent_manifest: anyValue }),
  fc.record({ events: anyValue }),
  anyValue,
);

const rawBody = fc.oneof(
  { weight: 4, arbitrary: body.map((b) => JSON.stringify(b) ?? 'null') },
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('{', '{"events": [', '{"events": [{"call_id": "\\ud800"}]}', '{"__proto__": {"x": 1}, "events": []}', '[]', ''),
);

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', undefined) },
);
const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 300 }).filter((s) => /^[\x20-\x7e]*$/.test(s));

const queryKey = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('agent_id', 'tool_name', 'verdict', 'mode', 'env', 'contract', 'since', 'until', 'q', 'limit', 'cursor', 'bucket_seconds') },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);
const queryValue = fc.oneof(
  { weight: 3, arbitrary: nasty },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 2, arbitrary: fc.constantFrom('2026-01-01T00:00:00Z', '-1', '1e309', 'NaN', 'eyJ9', 'MjAyNi0wMS0wMVQwMDowMDowMC4wMDAwMDBafG5vdC1hLXV1aWQ', '00000000-0000-0000-0000-000000000000') },
);
const query = fc.oneof(
  fc.array(fc.tuple(queryKey, queryValue), { maxLength: 8 }).map((pairs) => new URLSearchParams(pairs).toString()),
  fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => s.replace(/[#\s]/g, '')),
);

describe('fuzzing /api/v1/events', () => {
  let t: TestApp;
  let admin: Principal;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.admin();
    key = await t.apiKey(admin.cookie, 'production');
  });
  afterAll(async () => t?.close());

  // Hundreds of requests per property: a second or two alone, much more on a loaded machine;
  // the deadline is generous on purpose (the property is correctness, not speed).
  it('never answers 5xx to a malformed POST, and a refused batch writes nothing', { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(rawBody, contentType, fc.option(printable, { nil: undefined }), fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), async (payload, ct, agent, withKey) => {
        const before = await countEvents(t);
        const headers: Record<string, string> = {};
        if (ct) headers['content-type'] = ct;
        if (agent !== undefined) headers['x-edictum-agent-id'] = agent;
        const res = await t.request({ method: 'POST', url: '/api/v1/events', payload, headers, ...(withKey ? { apiKey: key } : {}) });
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode >= 400) expect(await countEvents(t)).toBe(before);
        else expect(res.statusCode).toBe(200);
      }),
      { numRuns: 150 },
    );
  });

  it('never answers 5xx to malformed GET parameters or credentials', { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        query,
        fc.constantFrom('/api/v1/events', '/api/v1/events/histogram', '/api/v1/events/facets'),
        fc.oneof({ weight: 4, arbitrary: fc.constantFrom('session', 'key') }, { weight: 1, arbitrary: fc.constantFrom('garbage', 'none') }),
        printable,
        async (qs, path, who, junk) => {
          const headers: Record<string, string> = {};
          if (who === 'garbage') headers.authorization = `Bearer ${junk}`;
          const res = await t.request({
            url: `${path}?${qs}`,
            headers,
            ...(who === 'session' ? { cookie: admin.cookie } : who === 'key' ? { apiKey: key } : {}),
          });
          expect(res.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
  });
});

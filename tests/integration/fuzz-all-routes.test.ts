import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteInfo } from '../../src/app.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { apiRoutes, fillPath, key } from './route-walk.js';

/**
 * Property: whatever string any route's path parameters, query parameters or JSON body fields
 * hold (NUL, unpaired surrogates, very long text, markup, numbers as text...), no registered
 * route answers 5xx. Every route is walked once with NUL in every input, then fast-check picks
 * routes and inputs at random. Streams are left out (a valid request never ends), and the two
 * health probes that are 503 by design here (no scheduler runs the workers) may say so.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 600);
const TIMEOUT_MS = 60_000 + RUNS * 100;
const BY_DESIGN_503 = new Set(['GET /api/v1/health/ready', 'GET /api/v1/health/details']);

interface ZodLike {
  shape?: Record<string, unknown>;
  def?: { innerType?: unknown; in?: unknown; schema?: unknown; options?: unknown[]; left?: unknown; right?: unknown };
}

/** The field names of an object schema, through optional/default/pipe/union wrappers. */
function fieldsOf(schema: unknown, depth = 0): string[] {
  const s = schema as ZodLike | undefined;
  if (!s || depth > 6) return [];
  if (s.shape && typeof s.shape === 'object') return Object.keys(s.shape);
  const d = s.def;
  if (!d) return [];
  const inner = [d.innerType, d.in, d.schema, d.left, d.right, ...(d.options ?? [])].filter(Boolean);
  return [...new Set(inner.flatMap((x) => fieldsOf(x, depth + 1)))];
}

/** Percent-encodes a path segment; an unpaired surrogate goes out as the raw (invalid) UTF-8 bytes a client could send. */
function encodeSegment(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return [...v].map((c) => (/[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
  }
}

const paramsOf = (url: string) => [...url.matchAll(/:([a-z_]+)/g)].map((m) => m[1]!).concat(url.endsWith('*') ? ['*'] : []);

const hostile = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udc00y',
    '',
    ' ',
    'x'.repeat(5000),
    '0',
    '-1',
    '1e999',
    'NaN',
    'true',
    'null',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '../../etc/passwd',
    '%00',
    '%E0%A4%A',
    '\u202e\u0007',
    '2024-13-45T99:99:99Z',
    '00000000-0000-0000-0000-000000000000',
    'production',
    'support-agent',
  ),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);
/** A body field: usually a string, sometimes another JSON type. */
const bodyValue = fc.oneof(
  { weight: 5, arbitrary: hostile },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.dictionary(hostile, hostile, { maxKeys: 3 }) },
);

describe('fuzzing every route for 5xx', () => {
  let t: TestApp;
  let cookie: string;
  let apiKey: string;
  let routes: RouteInfo[];

  beforeAll(async () => {
    t = await createTestApp();
    cookie = (await t.admin()).cookie;
    apiKey = await t.apiKey(cookie);
    routes = apiRoutes(t.routes).filter((r) => !r.url.startsWith('/api/v1/stream'));
  });
  afterAll(async () => t?.close());

  function creds(r: RouteInfo, flip: boolean): { cookie?: string; apiKey?: string; agentId?: string } {
    if (r.auth === 'apiKey' || (r.auth === 'either' && flip)) return { apiKey, agentId: 'fuzz-agent' };
    if (r.auth === 'none') return flip ? { cookie } : {};
    return { cookie };
  }

  async function send(r: RouteInfo, pathValues: Record<string, string>, query: Record<string, string>, body: unknown, flip: boolean) {
    const qs = new URLSearchParams(query).toString();
    // Hostile values are encoded here; fillPath supplies valid defaults for the others.
    const placed = r.url.replace(/:([a-z_]+)/g, (m, name: string) => (name in pathValues ? encodeSegment(pathValues[name]!) : m));
    const wild = '*' in pathValues ? placed.replace(/\*$/, encodeSegment(pathValues['*']!)) : placed;
    const url = fillPath(wild) + (qs ? `?${qs}` : '');
    const withBody = r.method !== 'GET' && r.method !== 'DELETE';
    return t.request({ method: r.method as 'GET', url, ...creds(r, flip), ...(withBody ? { payload: body as object } : {}) });
  }

  function fine(r: RouteInfo, status: number): boolean {
    return status < 500 || (status === 503 && BY_DESIGN_503.has(key(r)));
  }

  it(
    'walks every route with NUL in every path, query and body input: never a 5xx',
    async () => {
      expect(routes.length).toBeGreaterThan(40);
      const failures: string[] = [];
      for (const r of routes) {
        const nul = 'a\u0000b';
        const pathValues = Object.fromEntries(paramsOf(r.url).map((p) => [p, nul]));
        const query = Object.fromEntries(fieldsOf(r.schema?.querystring).map((f) => [f, nul]));
        const body = Object.fromEntries(fieldsOf(r.schema?.body).map((f) => [f, nul]));
        for (const flip of [false, true]) {
          const res = await send(r, pathValues, query, body, flip);
          if (!fine(r, res.statusCode)) failures.push(`${key(r)} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
        }
      }
      expect(failures).toEqual([]);
    },
    TIMEOUT_MS,
  );

  it(
    'random routes with random strings in random inputs: never a 5xx',
    async () => {
      const input = fc.record({
        route: fc.nat(),
        path: fc.array(fc.oneof(hostile, fc.constant(null)), { minLength: 3, maxLength: 3 }),
        query: fc.array(fc.tuple(fc.nat(), fc.oneof(hostile, fc.constant(null))), { maxLength: 4 }),
        extraQuery: fc.option(fc.tuple(hostile, hostile)),
        body: fc.array(fc.tuple(fc.nat(), bodyValue), { maxLength: 5 }),
        wholeBody: fc.option(fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostile), { freq: 6 }),
        flip: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(input, async (i) => {
          const r = routes[i.route % routes.length]!;
          const names = paramsOf(r.url);
          // null keeps fillPath's valid default for that parameter, so deeper code is reached too.
          const pathValues = Object.fromEntries(
            names.flatMap((n, idx) => (i.path[idx % 3] == null ? [] : [[n, i.path[idx % 3] as string]])),
          );
          const qFields = fieldsOf(r.schema?.querystring);
          const query: Record<string, string> = {};
          if (qFields.length) for (const [n, v] of i.query) if (v !== null) query[qFields[n % qFields.length]!] = v;
          if (i.extraQuery) query[i.extraQuery[0]] = i.extraQuery[1];
          const bFields = fieldsOf(r.schema?.body);
          let body: unknown = Object.fromEntries(bFields.length ? i.body.map(([n, v]) => [bFields[n % bFields.length]!, v]) : []);
          if (i.wholeBody !== null) body = i.wholeBody;
          const res = await send(r, pathValues, query, body, i.flip);
          if (!fine(r, res.statusCode)) throw new Error(`${key(r)} -> ${res.statusCode} ${res.body.slice(0, 300)}`);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
});

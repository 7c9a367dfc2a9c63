import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { agentOf, approvalBody, createApproval, type Agent } from '../helpers/approvals-fixtures.js';

/**
 * Property: whatever body, path or header an agent (or a dashboard user) sends to the session
 * and approval endpoints, the answer is never a 5xx, and a refused request writes nothing.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
/** Each run is one request plus two state reads; embedded PGlite takes a few ms per run. */
const TIMEOUT_MS = 30_000 + RUNS * 100;

// ---------- generators ----------

const jsonText = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null');
const weirdText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '',
    '{',
    '{"value":',
    '[]',
    'null',
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{}}}',
    '\u0000',
    '1e999',
  ),
);
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  // Values that break real stores: NUL (text columns), lone surrogates (jsonb), float overflow.
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      1e308,
      -1e308,
      1.5e308,
      Number.MAX_SAFE_INTEGER + 2,
      -0,
      0.1,
      'x'.repeat(300),
      '\u0000',
      'a\u0000b',
      '\ud800',
      '1e999',
      [],
      {},
    ),
  },
);
/** Path segments: valid keys, percent-encoded arbitrary text, raw ASCII, and broken escapes. */
const segment = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9_.:-]{1,20}$/),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent),
  fc.stringMatching(/^[!$&'()*+,;=@a-z~-]{0,20}$/),
  fc.constantFrom(
    '%',
    '%zz',
    '%E0%A4%A',
    '%00',
    '..%2F..%2F',
    '%2F',
    'batch',
    'increment',
    '__proto__',
    'a'.repeat(300),
    '%3A'.repeat(100),
  ),
);
const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/'));
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  undefined,
  'application/json; charset=latin1',
);
const agentHeader = fc.oneof(fc.constant(undefined), fc.stringMatching(/^[\x20-\x7e]{0,300}$/), fc.constantFrom('ÿþ', 'agent-ü'));
const garbage = fc.oneof(jsonText, weirdText);
const valueBody = fc.oneof(
  { weight: 4, arbitrary: fc.record({ value: anyValue }).map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: garbage },
);
const amountBody = fc.oneof(
  { weight: 4, arbitrary: fc.record({ amount: anyValue }, { requiredKeys: [] }).map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: garbage },
);
const keysBody = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({ keys: fc.oneof(fc.array(fc.oneof(segment, anyValue), { maxLength: 120 }), anyValue) })
      .map((o) => JSON.stringify(o)),
  },
  { weight: 1, arbitrary: garbage },
);
const body = fc.oneof(garbage, valueBody, amountBody, keysBody);
const validKey = fc.stringMatching(/^[a-zA-Z0-9_.:-]{1,20}$/);
const field = fc.constantFrom(
  'agent_id',
  'tool_name',
  'tool_args',
  'message',
  'timeout',
  'timeout_effect',
  'decision_source',
  'contract_name',
  'extra',
);

describe('fuzzing the agent endpoints', () => {
  let t: TestApp;
  let a: Agent;
  let pendingId: string;

  beforeAll(async () => {
    t = await createTestApp();
    a = await agentOf(t);
    pendingId = (await createApproval(t, a.key, { timeout: 86_400 })).id;
  });
  afterAll(async () => t?.close());

  async function approvalsState(): Promise<string> {
    const [r] = await t.deps.database.rows<{ s: string | null }>(
      sql`SELECT string_agg(id::text || status || coalesce(decided_by, '') || coalesce(decision_reason, ''), ',' ORDER BY id) AS s FROM approvals`,
    );
    return r?.s ?? '';
  }

  async function kvState(): Promise<string> {
    const redis = t.deps.redis;
    if (!redis) {
      const [r] = await t.deps.database.rows<{ s: string | null }>(
        sql`SELECT string_agg(tenant_id::text || '|' || key || '|' || value, ',' ORDER BY tenant_id, key) AS s FROM agent_kv`,
      );
      return createHash('sha256')
        .update(r?.s ?? '')
        .digest('hex');
    }
    // SCAN patterns are not prefixed by ioredis, but MGET keys are: strip the prefix in between.
    const prefix = t.config.redisPrefix;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}edictum:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch.map((k) => k.slice(prefix.length)));
    } while (cursor !== '0');
    keys.sort();
    const values = keys.length ? await redis.mget(keys) : [];
    return createHash('sha256')
      .update(JSON.stringify([keys, values]))
      .digest('hex');
  }

  function headers(ct: string | undefined, agent: string | undefined): Record<string, string> {
    const h: Record<string, string> = { authorization: `Bearer ${a.key}` };
    if (ct) h['content-type'] = ct;
    if (agent !== undefined) h['x-edictum-agent-id'] = agent;
    return h;
  }

  it(
    'session endpoints: no 5xx, and a refused write changes nothing',
    async () => {
      await t.request({ method: 'PUT', url: '/api/v1/sessions/word', apiKey: a.key, payload: { value: 'not a number' } });
      await fc.assert(
        fc.asyncProperty(
          fc
            .constantFrom('GET', 'PUT', 'DELETE', 'POST', 'POST_INCREMENT', 'POST_BATCH')
            .chain((kind) =>
              fc.tuple(
                fc.constant(kind),
                fc.oneof(path, validKey, fc.constant('word')),
                kind === 'PUT' ? valueBody : kind === 'POST_INCREMENT' ? amountBody : kind === 'POST_BATCH' ? keysBody : body,
              ),
            ),
          fc.oneof({ weight: 4, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: contentType }),
          agentHeader,
          async ([kind, p, payload], ct, agent) => {
            const before = await kvState();
            const method = kind.startsWith('POST') ? 'POST' : kind;
            const url =
              kind === 'POST_BATCH'
                ? '/api/v1/sessions/batch'
                : `/api/v1/sessions/${p}${kind === 'POST_INCREMENT' ? '/increment' : ''}`;
            const withBody = method !== 'GET';
            const res = await t.app.inject({ method, url, headers: headers(ct, agent), ...(withBody ? { payload } : {}) });
            expect(res.statusCode, `${method} ${url} ${payload.slice(0, 80)} -> ${res.body.slice(0, 200)}`).toBeLessThan(500);
            expect(res.statusCode).not.toBe(204);
            expect(() => JSON.parse(res.body) as unknown).not.toThrow();
            if (res.statusCode >= 400) expect(await kvState()).toBe(before);
          },
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'approval create: no 5xx, and a refused create writes nothing',
    async () => {
      const mutated = fc.tuple(field, anyValue).map(([f, v]) => JSON.stringify({ ...approvalBody(), [f]: v }));
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(mutated, body, fc.constant(JSON.stringify(approvalBody()))),
          contentType,
          agentHeader,
          async (payload, ct, agent) => {
            const before = await approvalsState();
            const res = await t.app.inject({ method: 'POST', url: '/api/v1/approvals', headers: headers(ct, agent), payload });
            expect(res.statusCode, `${payload.slice(0, 120)} -> ${res.body.slice(0, 200)}`).toBeLessThan(500);
            if (res.statusCode !== 201) expect(await approvalsState()).toBe(before);
            else expect((await approvalsState()).split(',').length).toBe(before === '' ? 1 : before.split(',').length + 1);
          },
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'approval poll, list and decide: no 5xx, and a refused decision changes nothing',
    async () => {
      const idParam = fc.oneof(fc.constant(pendingId), fc.uuid(), segment);
      const query = fc
        .dictionary(
          fc.constantFrom('status', 'limit', 'offset', 'agent_id', 'tool_name', 'env', 'x'),
          fc.oneof(segment, fc.integer().map(String)),
          { maxKeys: 4 },
        )
        .map((q) => new URLSearchParams(q).toString());
      const decideBody = fc.oneof(
        body,
        fc
          .record(
            { approved: fc.oneof(fc.boolean(), anyValue), reason: anyValue, decided_via: anyValue, decided_by: anyValue },
            { requiredKeys: [] },
          )
          .map((o) => JSON.stringify(o)),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET_ONE', 'LIST', 'PUT'),
          idParam,
          query,
          decideBody,
          fc.boolean(),
          async (kind, id, q, payload, asSession) => {
            const before = await approvalsState();
            const cred: Record<string, string> = asSession
              ? { cookie: a.cookie, 'x-requested-with': 'fuzz' }
              : { authorization: `Bearer ${a.key}` };
            const req =
              kind === 'GET_ONE'
                ? { method: 'GET' as const, url: `/api/v1/approvals/${id}` }
                : kind === 'LIST'
                  ? { method: 'GET' as const, url: `/api/v1/approvals?${q}` }
                  : {
                      method: 'PUT' as const,
                      url: `/api/v1/approvals/${id}`,
                      payload,
                      headers: { ...cred, 'content-type': 'application/json' },
                    };
            const res = await t.app.inject({ headers: cred, ...req });
            expect(res.statusCode, `${req.method} ${req.url} -> ${res.body.slice(0, 200)}`).toBeLessThan(500);
            if (kind !== 'PUT' || res.statusCode !== 200) expect(await approvalsState()).toBe(before);
          },
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
});

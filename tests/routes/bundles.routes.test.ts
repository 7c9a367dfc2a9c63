import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { bundleYaml, upload, watchBus, type BundleJson } from './bundles-helpers.js';

interface Problem {
  loc: (string | number)[];
  msg: string;
  path: string;
  line: number | null;
}

describe('bundle upload', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('refuses an upload without a credential', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/bundles', payload: { yaml_content: bundleYaml('a') } });
    expect(res.statusCode).toBe(401);
  });

  it('refuses an API key on the upload route', async () => {
    const a = await t.admin();
    const key = await t.apiKey(a.cookie);
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/bundles',
      apiKey: key,
      payload: { yaml_content: bundleYaml('a') },
    });
    expect(res.statusCode).toBe(403);
  });

  it('stores the exact bytes, hashes them, and answers the BundleResponse shape', async () => {
    const a = await t.admin();
    const yaml = bundleYaml('shape-check', 'naïve ✓');
    const body = await upload(t, a.cookie, yaml);
    expect(Object.keys(body).sort()).toEqual(
      [
        'created_at',
        'id',
        'name',
        'revision_hash',
        'ruleset_revision_hash',
        'signature_hex',
        'source_hub_revision',
        'source_hub_slug',
        'tenant_id',
        'uploaded_by',
        'uploaded_format',
        'version',
      ].sort(),
    );
    expect(body).toMatchObject({
      name: 'shape-check',
      version: 1,
      tenant_id: a.tenantId,
      uploaded_by: a.email,
      signature_hex: null,
    });
    expect(body.revision_hash).toBe(createHash('sha256').update(Buffer.from(yaml, 'utf8')).digest('hex'));
    const raw = await t.request({ url: '/api/v1/bundles/shape-check/1/yaml', cookie: a.cookie });
    expect(raw.statusCode).toBe(200);
    expect(raw.headers['content-type']).toMatch(/^application\/x-yaml/);
    expect(raw.rawPayload.equals(Buffer.from(yaml, 'utf8'))).toBe(true);
  });

  it('increments versions per name, and the same content twice makes two versions with one hash', async () => {
    const a = await t.admin();
    const yaml = bundleYaml('versioned');
    const v1 = await upload(t, a.cookie, yaml);
    const v2 = await upload(t, a.cookie, yaml);
    const v3 = await upload(t, a.cookie, bundleYaml('versioned', 'changed'));
    const other = await upload(t, a.cookie, bundleYaml('another-name'));
    expect([v1.version, v2.version, v3.version, other.version]).toEqual([1, 2, 3, 1]);
    expect(v2.revision_hash).toBe(v1.revision_hash);
    expect(v3.revision_hash).not.toBe(v1.revision_hash);
  });

  it('gives concurrent uploads of one name distinct consecutive versions', async () => {
    const a = await t.admin();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.request({
          method: 'POST',
          url: '/api/v1/bundles',
          cookie: a.cookie,
          payload: { yaml_content: bundleYaml('racy', `r${i}`) },
        }),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(6).fill(201));
    expect(results.map((r) => (r.json() as BundleJson).version).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('pushes exactly one bundle_uploaded to the dashboard with the uploader e-mail', async () => {
    const a = await t.admin();
    const bus = watchBus(t);
    try {
      const body = await upload(t, a.cookie, bundleYaml('pushed-upload'));
      const m = await bus.next((x) => x.type === 'bundle_uploaded' && x.data.bundle_name === 'pushed-upload');
      expect(m).toMatchObject({ topic: 'dashboard', tenantId: a.tenantId });
      expect(m.data).toEqual({
        type: 'bundle_uploaded',
        bundle_name: 'pushed-upload',
        version: 1,
        revision_hash: body.revision_hash,
        uploaded_by: a.email,
      });
      // A later upload's push arriving means any duplicate of the first would have arrived too.
      await upload(t, a.cookie, bundleYaml('pushed-marker'));
      await bus.next((x) => x.type === 'bundle_uploaded' && x.data.bundle_name === 'pushed-marker');
      expect(bus.messages.filter((x) => x.type === 'bundle_uploaded' && x.data.bundle_name === 'pushed-upload')).toHaveLength(1);
    } finally {
      bus.stop();
    }
  });

  it('lists every problem of a bad bundle with its path and line, and stores nothing', async () => {
    const a = await t.admin();
    const bad = `apiVersion: edictum/v2
kind: ContractBundle
metadata:
  name: Bad_Name
defaults:
  mode: enforce
contracts:
  - id: c1
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: explode
`;
    const res = await t.request({ method: 'POST', url: '/api/v1/bundles', cookie: a.cookie, payload: { yaml_content: bad } });
    expect(res.statusCode).toBe(422);
    const detail = (res.json() as { detail: Problem[] }).detail;
    const byPath = Object.fromEntries(detail.map((p) => [p.path, p]));
    expect(byPath.apiVersion).toEqual({
      loc: ['body', 'yaml_content', 'apiVersion'],
      msg: "apiVersion: apiVersion must be 'edictum/v1'",
      path: 'apiVersion',
      line: 1,
    });
    expect(byPath['metadata.name']).toMatchObject({ loc: ['body', 'yaml_content', 'metadata', 'name'], line: 4 });
    expect(byPath['contracts[0].then.effect']).toMatchObject({
      loc: ['body', 'yaml_content', 'contracts', 0, 'then', 'effect'],
      line: 14,
    });
    expect(byPath['contracts[0].then.effect']!.msg).toMatch(/^contracts\[0\]\.then\.effect: contract 'c1': effect must be 'deny' or 'approve'$/);
    const list = await t.request({ url: '/api/v1/bundles', cookie: a.cookie });
    expect((list.json() as { name: string }[]).some((b) => b.name === 'Bad_Name')).toBe(false);
  });

  it('reports unparseable YAML at the document level with a line', async () => {
    const a = await t.admin();
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/bundles',
      cookie: a.cookie,
      payload: { yaml_content: 'a: [1, 2\nb: c' },
    });
    expect(res.statusCode).toBe(422);
    const [first] = (res.json() as { detail: Problem[] }).detail;
    expect(first).toMatchObject({ loc: ['body', 'yaml_content'], path: 'yaml_content' });
    expect(first!.msg).toMatch(/^yaml_content: YAML parse error/);
    expect(typeof first!.line).toBe('number');
  });

  it('names the field for a missing, empty, oversized or extra body field', async () => {
    const a = await t.admin();
    const post = (payload: unknown) =>
      t.request({ method: 'POST', url: '/api/v1/bundles', cookie: a.cookie, payload: payload as object });
    const locs = async (payload: unknown) =>
      ((await post(payload)).json() as { detail: Problem[] }).detail.map((d) => d.loc.join('.'));
    expect(await locs({})).toEqual(['body.yaml_content']);
    expect(await locs({ yaml_content: '' })).toEqual(['body.yaml_content']);
    expect(await locs({ yaml_content: 123 })).toEqual(['body.yaml_content']);
    expect(await locs({ yaml_content: 'x'.repeat(1_048_577) })).toEqual(['body.yaml_content']);
    expect((await post({ yaml_content: bundleYaml('x'), extra: 1 })).statusCode).toBe(422);
  });

  it('validates a large bundle off the event loop and stores it', async () => {
    const a = await t.admin();
    const yaml = bundleYaml('large-one', 'big', 500);
    expect(Buffer.byteLength(yaml)).toBeGreaterThan(64 * 1024);
    const body = await upload(t, a.cookie, yaml);
    expect(body.version).toBe(1);
  });

  it('accepts a request body over the 1 MB default when the YAML fits (escaping inflates JSON)', async () => {
    const a = await t.admin();
    // ~900k characters of comments full of quotes: every one is escaped in JSON, so the body is
    // about 1.7 MB while yaml_content stays under 1 MiB characters.
    const padding = `# ${'"'.repeat(998)}\n`.repeat(900);
    const yaml = bundleYaml('escaped-big') + padding;
    const payload = JSON.stringify({ yaml_content: yaml });
    expect(Buffer.byteLength(payload)).toBeGreaterThan(1024 * 1024);
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/bundles',
      cookie: a.cookie,
      payload,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const raw = await t.request({ url: '/api/v1/bundles/escaped-big/1/yaml', cookie: a.cookie });
    expect(raw.rawPayload.equals(Buffer.from(yaml, 'utf8'))).toBe(true);
  });

  it('refuses a body over 5 MB with 413', async () => {
    const a = await t.admin();
    const payload = JSON.stringify({ yaml_content: '"'.repeat(2_700_000) });
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/bundles',
      cookie: a.cookie,
      payload,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ detail: 'Request body too large. Maximum allowed: 5MB.' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { FakeAi, parseAssistStream } from '../fakes/fake-ai.js';
import { aiSettingsRepository } from '../../src/modules/assistant/ai-settings.repository.js';

const BASE = '/api/v1/settings/ai';
const KEY = 'sk-test-0123456789abcdefSECRETPART-9f8e';

/** console-api.md 1.18 against local fake providers: settings, key at rest, test, usage, errors. */
describe('AI settings: providers, masked key, test with latency, usage, error classes', () => {
  let t: TestApp;
  let openai: FakeAi;
  let anthropic: FakeAi;
  const log: string[] = [];
  beforeAll(async () => {
    openai = await new FakeAi('openai').start();
    anthropic = await new FakeAi('anthropic').start();
    t = await createTestApp({
      env: { EDICTUM_OUTBOUND_ALLOW: '127.0.0.1', EDICTUM_AI_TIMEOUT_MS: '3000', EDICTUM_LOG_LEVEL: 'info', EDICTUM_RATE_LIMIT_MAX_ATTEMPTS: '1000' },
      logStream: { write: (line: string) => void log.push(line) },
    });
  });
  afterAll(async () => {
    await t?.close();
    await openai?.close();
    await anthropic?.close();
  });

  const put = (cookie: string, payload: Record<string, unknown>) => t.request({ method: 'PUT', url: BASE, cookie, payload });
  const locs = (body: string) => (JSON.parse(body) as { detail: { loc: (string | number)[]; msg: string }[] }).detail.map((d) => `${d.loc.join('.')}: ${d.msg}`);

  it('needs a session (401), refuses API keys (403) and non-admin changes, tests and usage (403)', async () => {
    const a = await t.admin();
    const m = await t.member();
    const key = await t.apiKey(a.cookie);
    expect((await t.request({ url: BASE })).statusCode).toBe(401);
    expect((await t.request({ url: BASE, apiKey: key })).statusCode).toBe(403);
    expect((await t.request({ url: BASE, cookie: m.cookie })).statusCode).toBe(200);
    expect((await put(m.cookie, { provider: 'openai', api_key: KEY })).statusCode).toBe(403);
    expect((await t.request({ method: 'DELETE', url: BASE, cookie: m.cookie })).statusCode).toBe(403);
    expect((await t.request({ method: 'POST', url: `${BASE}/test`, cookie: m.cookie })).statusCode).toBe(403);
    expect((await t.request({ url: `${BASE}/usage`, cookie: m.cookie })).statusCode).toBe(403);
    // A cookie-authenticated change without the CSRF header is refused.
    expect((await t.request({ method: 'PUT', url: BASE, cookie: a.cookie, csrf: false, payload: { provider: 'openai' } })).statusCode).toBe(403);
  });

  it('reports not configured, then stores the key encrypted and masks it in every answer', async () => {
    const a = await t.otherTenant();
    expect((await t.request({ url: BASE, cookie: a.cookie })).json()).toMatchObject({ provider: '', configured: false, api_key_masked: null });
    const res = await put(a.cookie, { provider: 'openai', api_key: KEY, model: 'gpt-4o-mini', base_url: openai.url });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ configured: true });
    const got = await t.request({ url: BASE, cookie: a.cookie });
    expect(got.json()).toEqual({
      provider: 'openai',
      api_key_masked: 'sk-test-...9f8e',
      model: 'gpt-4o-mini',
      base_url: openai.url,
      configured: true,
      default_model: 'gpt-4.1-mini',
      monthly_token_budget: null,
      tokens_this_month: 0,
    });
    expect(got.body).not.toContain('SECRETPART');
    const [row] = await t.deps.database.rows<{ enc: string; n: number }>(sql`SELECT encode(api_key_encrypted, 'hex') AS enc FROM tenant_ai_configs WHERE tenant_id = ${a.tenantId}::uuid`);
    expect(row!.enc).not.toContain(Buffer.from('SECRETPART').toString('hex'));
    // Omitted api_key keeps the stored one.
    await put(a.cookie, { provider: 'openai', model: 'gpt-4.1-mini', base_url: openai.url });
    expect((await t.request({ url: BASE, cookie: a.cookie })).json()).toMatchObject({ api_key_masked: 'sk-test-...9f8e', model: 'gpt-4.1-mini' });
  });

  it('refuses bad input with a 422 naming the field, and writes nothing', async () => {
    const a = await t.otherTenant();
    expect(locs((await put(a.cookie, { provider: 'gemini' })).body)[0]).toMatch(/^body\.provider: must be one of/);
    expect(locs((await put(a.cookie, { provider: 'openai', model: 'x'.repeat(201) })).body)[0]).toMatch(/^body\.model: must be at most 200/);
    expect(locs((await put(a.cookie, { provider: 'openai', api_key: 'k'.repeat(501) })).body)[0]).toMatch(/^body\.api_key/);
    expect(locs((await put(a.cookie, { provider: 'openai', extra: 1 })).body)[0]).toMatch(/^body/);
    expect(locs((await put(a.cookie, { provider: 'openai_compatible' })).body)[0]).toBe('body.base_url: is required for an OpenAI-compatible provider');
    expect(locs((await put(a.cookie, { provider: 'openai', monthly_token_budget: 5 })).body)[0]).toBe('body.monthly_token_budget: must be at least 1000');
    expect(locs((await put(a.cookie, { provider: 'openai', monthly_token_budget: 1500.5 })).body)[0]).toMatch(/^body\.monthly_token_budget: must be an integer/);
    expect((await t.request({ url: `${BASE}/usage?days=0`, cookie: a.cookie })).statusCode).toBe(422);
    expect(locs((await t.request({ url: `${BASE}/usage?days=366`, cookie: a.cookie })).body)[0]).toMatch(/^query\.days: must be at most 365/);
    expect((await t.request({ url: BASE, cookie: a.cookie })).json()).toMatchObject({ configured: false });
  });

  it('refuses a base URL on a private address, saying EDICTUM_OUTBOUND_ALLOW is the way', async () => {
    const a = await t.otherTenant();
    for (const url of ['http://10.0.0.7:11434/v1', 'http://169.254.169.254/latest', 'http://[::1]:11434/v1']) {
      const res = await put(a.cookie, { provider: 'ollama', model: 'llama3.1', base_url: url });
      expect(res.statusCode, url).toBe(422);
      const [msg] = locs(res.body);
      expect(msg).toMatch(/^body\.base_url: is not allowed: .*private address/);
      expect(msg).toContain('EDICTUM_OUTBOUND_ALLOW');
    }
    expect((await put(a.cookie, { provider: 'openai', base_url: 'file:///etc/passwd' })).statusCode).toBe(422);
    // Stored before the operator narrowed the allow-list: the call itself is refused, with the same hint.
    await aiSettingsRepository.upsert(t.deps.database.db, a.tenantId, { provider: 'ollama', model: 'llama3.1', baseUrl: 'http://10.1.2.3:11434/v1', apiKeyEncrypted: null, updatedBy: 'test' });
    const test = (await t.request({ method: 'POST', url: `${BASE}/test`, cookie: a.cookie })).json() as { ok: boolean; error: string; error_kind: string };
    expect(test).toMatchObject({ ok: false, error_kind: 'blocked' });
    expect(test.error).toContain('EDICTUM_OUTBOUND_ALLOW');
  });

  it('tests OpenAI-protocol and Anthropic providers for real, with latency, and records the usage', async () => {
    const a = await t.otherTenant();
    await put(a.cookie, { provider: 'openai', api_key: KEY, model: 'gpt-4o-mini', base_url: openai.url });
    openai.queue({ text: 'OK', usage: { input: 12, output: 1 } });
    const ok = await t.request({ method: 'POST', url: `${BASE}/test`, cookie: a.cookie });
    expect(ok.json()).toMatchObject({ ok: true, model: 'gpt-4o-mini' });
    expect(typeof (ok.json() as { latency_ms: number }).latency_ms).toBe('number');
    const req = openai.requests.at(-1)!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);

    await put(a.cookie, { provider: 'anthropic', api_key: KEY, model: 'claude-sonnet-4-5', base_url: anthropic.url });
    anthropic.queue({ text: 'OK', usage: { input: 30, output: 2 } });
    const ok2 = (await t.request({ method: 'POST', url: `${BASE}/test`, cookie: a.cookie })).json();
    expect(ok2).toMatchObject({ ok: true, model: 'claude-sonnet-4-5' });
    expect(anthropic.requests.at(-1)!.path).toBe('/v1/messages');
    expect(anthropic.requests.at(-1)!.headers['x-api-key']).toBe(KEY);

    const usage = (await t.request({ url: `${BASE}/usage?days=7`, cookie: a.cookie })).json() as { total_input_tokens: number; total_output_tokens: number; query_count: number; total_cost_usd: number; daily: { date: string; queries: number; cost_usd: number }[] };
    expect(usage).toMatchObject({ total_input_tokens: 42, total_output_tokens: 3, query_count: 2 });
    // gpt-4o-mini: 12 * 0.15/M + 1 * 0.6/M = 0.0000024 (stored as numeric(10,6): 0.000002);
    // claude-sonnet-4: 30 * 3/M + 2 * 15/M = 0.00012.
    expect(usage.total_cost_usd).toBe(0.000122);
    expect(usage.daily).toHaveLength(1);
    expect(usage.daily[0]!.queries).toBe(2);
  });

  it('speaks to Ollama, OpenRouter and any OpenAI-compatible server through the OpenAI-compatible provider, streaming tool calls too', async () => {
    const a = await t.otherTenant();
    await put(a.cookie, { provider: 'ollama', model: 'llama3.1', base_url: openai.url });
    openai.queue({ text: 'OK', usage: { input: 7, output: 1 } });
    expect((await t.request({ method: 'POST', url: `${BASE}/test`, cookie: a.cookie })).json()).toMatchObject({ ok: true, model: 'llama3.1' });
    expect(openai.requests.at(-1)!.path).toBe('/v1/chat/completions');
    expect(openai.requests.at(-1)!.headers.authorization).toBeUndefined();

    await put(a.cookie, { provider: 'openrouter', api_key: KEY, model: 'anthropic/claude-sonnet-4.5', base_url: openai.url });
    openai.queue({ tools: [{ name: 'get_decision_stats', args: { days: 3 } }] }, { text: 'All quiet.', usage: { input: 60, output: 4 } });
    const res = await t.request({ method: 'POST', url: '/api/v1/contracts/assist', cookie: a.cookie, payload: { messages: [{ role: 'user', content: 'how are calls decided?' }] } });
    const { frames, done } = parseAssistStream(res.body);
    expect(done).toBe(true);
    expect(frames.filter((f) => f.type === 'tool_call_result').map((f) => f.tool)).toEqual(['get_decision_stats']);
    expect(frames.filter((f) => typeof f.content === 'string').map((f) => f.content).join('')).toBe('All quiet.');
    expect(openai.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
    // claude-sonnet-4.5 through OpenRouter is priced as the vendor's model.
    expect(frames.find((f) => f.type === 'usage')).toMatchObject({ model: 'anthropic/claude-sonnet-4.5', input_tokens: 160, output_tokens: 24, estimated_cost_usd: 0.00084 });

    await put(a.cookie, { provider: 'openai_compatible', model: 'qwen', base_url: openai.url });
    openai.queue({ text: 'OK' });
    expect((await t.request({ method: 'POST', url: `${BASE}/test`, cookie: a.cookie })).json()).toMatchObject({ ok: true, model: 'qwen' });
  });

  it('gives each failure its own message: no key, no model, down, 429, 401, timeout', async () => {
    const a = await t.otherTenant();
    const test = async () => (await t.request({ method: 'POST', url: `${BASE}/test`, cookie: a.cookie })).json() as { ok: boolean; error: string; error_kind: string };

    expect(await test()).toMatchObject({ ok: false, error_kind: 'not_configured' });
    await put(a.cookie, { provider: 'anthropic', base_url: anthropic.url });
    expect(await test()).toMatchObject({ ok: false, error_kind: 'no_key', error: expect.stringContaining('No API key') });
    await put(a.cookie, { provider: 'ollama', base_url: openai.url });
    expect(await test()).toMatchObject({ ok: false, error_kind: 'no_model', error: expect.stringContaining('No model') });

    await put(a.cookie, { provider: 'openai', api_key: KEY, model: 'gpt-4o-mini', base_url: openai.url });
    openai.queue({ status: 429, headers: { 'retry-after': '20' } });
    expect(await test()).toMatchObject({ ok: false, error_kind: 'rate_limited', error: expect.stringContaining('429') });
    openai.queue({ status: 401, body: { error: { message: `bad key ${KEY}` } } });
    const auth = await test();
    expect(auth).toMatchObject({ ok: false, error_kind: 'auth' });
    expect(JSON.stringify(auth)).not.toContain('SECRETPART');
    openai.queue({ hang: true });
    expect(await test()).toMatchObject({ ok: false, error_kind: 'timeout', error: expect.stringContaining('EDICTUM_AI_TIMEOUT_MS') });

    const down = await new FakeAi('openai').start();
    const deadUrl = down.url;
    await down.close();
    await put(a.cookie, { provider: 'openai', api_key: KEY, model: 'gpt-4o-mini', base_url: deadUrl });
    expect(await test()).toMatchObject({ ok: false, error_kind: 'unreachable', error: expect.stringContaining('connection refused') });
  });

  it('keeps tenants apart: another tenant neither reads, tests, deletes nor sees the usage of this one', async () => {
    const a = await t.otherTenant();
    const b = await t.otherTenant();
    await put(a.cookie, { provider: 'openai', api_key: KEY, model: 'gpt-4o-mini', base_url: openai.url });
    openai.queue({ text: 'OK', usage: { input: 5, output: 1 } });
    await t.request({ method: 'POST', url: `${BASE}/test`, cookie: a.cookie });
    expect((await t.request({ url: BASE, cookie: b.cookie })).json()).toMatchObject({ configured: false });
    expect((await t.request({ method: 'POST', url: `${BASE}/test`, cookie: b.cookie })).json()).toMatchObject({ ok: false, error_kind: 'not_configured' });
    expect((await t.request({ url: `${BASE}/usage`, cookie: b.cookie })).json()).toMatchObject({ query_count: 0, total_cost_usd: null, daily: [] });
    expect((await t.request({ method: 'DELETE', url: BASE, cookie: b.cookie })).statusCode).toBe(204);
    expect((await t.request({ url: BASE, cookie: a.cookie })).json()).toMatchObject({ configured: true });
    expect((await t.request({ method: 'DELETE', url: BASE, cookie: a.cookie })).statusCode).toBe(204);
    expect((await t.request({ url: BASE, cookie: a.cookie })).json()).toMatchObject({ configured: false });
  });

  it('a monthly token budget, once used up, refuses the assistant with 429 until next month', async () => {
    const a = await t.otherTenant();
    await put(a.cookie, { provider: 'openai', api_key: KEY, model: 'gpt-4o-mini', base_url: openai.url, monthly_token_budget: 1000 });
    expect((await t.request({ url: BASE, cookie: a.cookie })).json()).toMatchObject({ monthly_token_budget: 1000, tokens_this_month: 0 });
    await aiSettingsRepository.record(t.deps.database.db, { tenantId: a.tenantId, provider: 'openai', model: 'gpt-4o-mini', inputTokens: 900, outputTokens: 100, durationMs: 10, estimatedCostUsd: null, requestType: 'assist' });
    expect((await t.request({ url: BASE, cookie: a.cookie })).json()).toMatchObject({ tokens_this_month: 1000 });
    const res = await t.request({ method: 'POST', url: '/api/v1/contracts/assist', cookie: a.cookie, payload: { messages: [{ role: 'user', content: 'hi' }] } });
    expect(res.statusCode).toBe(429);
    expect(res.json().detail).toMatch(/^This month's AI token budget \(1,000 tokens\) is used up: 1,000 used since/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // Raising it lets the assistant answer again; omitting it on a later save keeps it.
    await put(a.cookie, { provider: 'openai', model: 'gpt-4o-mini', base_url: openai.url, monthly_token_budget: 50_000 });
    await put(a.cookie, { provider: 'openai', model: 'gpt-4o-mini', base_url: openai.url });
    expect((await t.request({ url: BASE, cookie: a.cookie })).json()).toMatchObject({ monthly_token_budget: 50_000 });
    openai.queue({ text: 'Hello.' });
    expect((await t.request({ method: 'POST', url: '/api/v1/contracts/assist', cookie: a.cookie, payload: { messages: [{ role: 'user', content: 'hi' }] } })).statusCode).toBe(200);
  });

  it('never writes the key to the log', () => {
    expect(log.length).toBeGreaterThan(0);
    expect(log.join('\n')).not.toContain('SECRETPART');
  });
});

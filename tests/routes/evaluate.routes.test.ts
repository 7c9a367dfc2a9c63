import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/platform/errors.js';
import { createEvaluationPool } from '../../src/modules/evaluate/evaluation-pool.js';
import { createEvaluateService } from '../../src/modules/evaluate/evaluate.service.js';
import { EvaluateBody } from '../../src/modules/evaluate/evaluate.schemas.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { upload } from './bundles-helpers.js';

const URL = '/api/v1/bundles/evaluate';

const GUARD = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: guard
defaults:
  mode: enforce
contracts:
  - id: no-env-files
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: "Reading {args.path} is not allowed"
      tags: [secrets]
  - id: warn-big
    type: pre
    tool: read_file
    mode: observe
    when:
      args.lines: { gt: 1000 }
    then:
      effect: deny
      message: "big read"
`;

// contract-language.md §16 row 2: in the TS SDK a sandbox applies to every tool.
const SANDBOX = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: sbx
defaults:
  mode: enforce
contracts:
  - id: workspace-only
    type: sandbox
    tool: read_file
    within: [/workspace]
    message: "Path outside /workspace"
`;

interface Problem {
  loc: (string | number)[];
  msg: string;
  line?: number | null;
}

describe('POST /api/v1/bundles/evaluate', () => {
  let t: TestApp;
  let cookie: string;
  beforeAll(async () => {
    t = await createTestApp();
    cookie = (await t.admin()).cookie;
  });
  afterAll(async () => t?.close());

  const evaluate = (payload: Record<string, unknown>, c = cookie) => t.request({ method: 'POST', url: URL, cookie: c, payload });

  it('needs a dashboard session: no credential is 401, an API key is 403', async () => {
    const body = { yaml_content: GUARD, tool_name: 'read_file' };
    expect((await t.request({ method: 'POST', url: URL, payload: body })).statusCode).toBe(401);
    const key = await t.apiKey(cookie);
    expect((await t.request({ method: 'POST', url: URL, apiKey: key, payload: body })).statusCode).toBe(403);
  });

  it('denies a call with the deciding contract, its rendered message and the trace (reference fields kept)', async () => {
    const res = await evaluate({ yaml_content: GUARD, tool_name: 'read_file', tool_args: { path: '/app/.env', lines: 5 } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      verdict: 'deny',
      mode: 'enforce',
      deciding_contract: 'no-env-files',
      outcome: 'denied',
      phase: 'pre',
      message: 'Reading /app/.env is not allowed',
      sdk: 'python',
      sdk_difference_note: null,
    });
    expect(body.policy_version).toMatch(/^[0-9a-f]{12}$/);
    expect(typeof body.evaluation_time_ms).toBe('number');
    expect(body.sdk_differences).toBeUndefined();
    const ids = (body.contracts_evaluated as { id: string; matched: boolean }[]).map((c) => c.id);
    expect(ids).toContain('no-env-files');
    const entry = (body.trace as { id: string; passed: boolean; tags: string[] }[]).find((c) => c.id === 'no-env-files');
    expect(entry).toMatchObject({ passed: false, tags: ['secrets'] });
  });

  it('allows a call no contract stops', async () => {
    const res = await evaluate({ yaml_content: GUARD, tool_name: 'read_file', tool_args: { path: '/app/readme.md', lines: 5 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ verdict: 'allow', outcome: 'allowed', deciding_contract: null, message: null });
  });

  it('reports an observe-mode failure without denying', async () => {
    const res = await evaluate({ yaml_content: GUARD, tool_name: 'read_file', tool_args: { path: '/app/a.txt', lines: 5000 } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.outcome).toBe('allowed');
    expect((body.observed as { id: string }[]).map((o) => o.id)).toEqual(['warn-big']);
  });

  it('says when the TypeScript SDK would decide differently', async () => {
    const res = await evaluate({ yaml_content: SANDBOX, tool_name: 'send_email', tool_args: { to: 'amy@example.com', body: 'hi' } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.outcome).toBe('allowed');
    expect(body.sdk_differences.typescript).toMatchObject({ outcome: 'denied', deciding_contract: 'workspace-only' });
    expect(body.sdk_difference_note).toBe('Your TypeScript agents would deny this call: every sandbox applies to every tool there.');

    const ts = await evaluate({ yaml_content: SANDBOX, tool_name: 'send_email', tool_args: { to: 'amy@example.com' }, sdk: 'typescript' });
    expect(ts.statusCode, ts.body).toBe(200);
    expect(ts.json()).toMatchObject({ sdk: 'typescript', outcome: 'denied', sdk_differences: { python: { outcome: 'allowed' } } });
    expect(ts.json().sdk_difference_note).toMatch(/^Your Python agents would allow this call/);
  });

  it('evaluates a stored version by name, and another tenant’s version is a 404', async () => {
    await upload(t, cookie, GUARD);
    const res = await evaluate({ bundle_name: 'guard', version: 1, tool_name: 'read_file', tool_args: { path: 'x/.env' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ outcome: 'denied', bundle: { name: 'guard', version: 1 } });

    const other = await t.otherTenant();
    const stranger = await evaluate({ bundle_name: 'guard', version: 1, tool_name: 'read_file' }, other.cookie);
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json()).toEqual({ detail: "Bundle 'guard' v1 not found" });
    expect((await evaluate({ bundle_name: 'guard', version: 9, tool_name: 'read_file' })).statusCode).toBe(404);
  });

  it('takes the tool result and session counts', async () => {
    const yaml = `apiVersion: edictum/v1
kind: ContractBundle
metadata: { name: limits }
defaults: { mode: enforce }
contracts:
  - id: budget
    type: session
    limits:
      max_tool_calls: 3
    then:
      effect: deny
      message: "budget spent"
`;
    const under = await evaluate({ yaml_content: yaml, tool_name: 'read_file', session: { tool_calls: 1 } });
    expect(under.statusCode, under.body).toBe(200);
    expect(under.json().outcome).toBe('allowed');
    const over = await evaluate({ yaml_content: yaml, tool_name: 'read_file', session: { tool_calls: 10, attempts: 10 } });
    expect(over.json().outcome).toBe('denied');
  });

  it('names the field of bad input', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ tool_name: 'x' }, ['body', 'yaml_content']],
      [{ yaml_content: GUARD }, ['body', 'tool_name']],
      [{ yaml_content: GUARD, tool_name: 'x', tool_args: [] }, ['body', 'tool_args']],
      [{ yaml_content: GUARD, tool_name: 'x', sdk: 'go' }, ['body', 'sdk']],
      [{ yaml_content: GUARD, tool_name: 'x', bundle_name: 'guard', version: 1 }, ['body', 'yaml_content']],
      [{ bundle_name: 'guard', tool_name: 'x' }, ['body', 'version']],
      [{ yaml_content: GUARD, tool_name: 'x', session: { attempts: -1 } }, ['body', 'session', 'attempts']],
      [{ yaml_content: GUARD, tool_name: 'x', principal: { role: 'a'.repeat(256) } }, ['body', 'principal', 'role']],
    ];
    for (const [payload, loc] of cases) {
      const res = await evaluate(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect((res.json().detail as Problem[]).map((p) => p.loc)).toContainEqual(loc);
    }
  });

  it('puts a bundle problem at its path and line', async () => {
    const broken = GUARD.replace('    type: pre\n    tool: read_file\n    when:', '    type: pre\n    tool: read_file\n    wen:');
    const res = await evaluate({ yaml_content: broken, tool_name: 'read_file' });
    expect(res.statusCode, res.body).toBe(422);
    const problems = res.json().detail as Problem[];
    expect(problems[0]!.loc).toEqual(['body', 'yaml_content']);
    expect(problems.some((p) => typeof p.line === 'number' && p.line >= 9)).toBe(true);

    const notYaml = await evaluate({ yaml_content: 'a: [unclosed', tool_name: 'read_file' });
    expect(notYaml.statusCode).toBe(422);
  });

  it('refuses more than 10 YAML documents and more than 100 contracts', async () => {
    const docs = await evaluate({ yaml_content: `${GUARD}${'\n---\na: 1'.repeat(10)}`, tool_name: 'read_file' });
    expect(docs.statusCode).toBe(422);
    expect((docs.json().detail as Problem[])[0]!.msg).toMatch(/more than|maximum 10/i);

    let many = GUARD.split('contracts:\n')[0]! + 'contracts:\n';
    for (let i = 0; i < 101; i++) {
      many += `  - id: c-${i}\n    type: pre\n    tool: t${i}\n    when:\n      args.x: { equals: 1 }\n    then:\n      effect: deny\n      message: "m"\n`;
    }
    const contracts = await evaluate({ yaml_content: many, tool_name: 'read_file' });
    expect(contracts.statusCode, contracts.body).toBe(422);
    expect((contracts.json().detail as Problem[])[0]!.msg).toMatch(/maximum 100/);
  });

  it('a body over 5 MB is refused with 413', async () => {
    const res = await evaluate({ yaml_content: GUARD, tool_name: 'x', tool_args: { blob: 'x'.repeat(5 * 1024 * 1024) } });
    expect(res.statusCode).toBe(413);
  });

  it('past 4 evaluations at once the next waits, then gets the reference 429; a runaway one is a 422', async () => {
    // Threads that never answer stand in for four long evaluations holding every slot.
    const stuck = () => new Worker('require("node:worker_threads").parentPort.on("message", () => {});', { eval: true });
    const pool = createEvaluationPool(4, stuck);
    const service = createEvaluateService(t.ctx, pool, { timeoutMs: 60_000, deadlineMs: 100, waitMs: 50 });
    const body = EvaluateBody.parse({ yaml_content: GUARD, tool_name: 'read_file' });
    const held = [1, 2, 3, 4].map(() => service.evaluate('x', body).catch((e: unknown) => e));
    const busy = await service.evaluate('x', body).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(AppError);
    expect((busy as AppError).statusCode).toBe(429);
    expect((busy as AppError).detail).toBe('Too many concurrent evaluations. Try again shortly.');
    expect((busy as AppError).headers['retry-after']).toBe('1');
    await pool.close();
    await Promise.all(held);

    const quick = createEvaluationPool(1, stuck);
    const timeout = await createEvaluateService(t.ctx, quick, { timeoutMs: 100, deadlineMs: 50, waitMs: 0 }).evaluate('x', body).catch((e: unknown) => e);
    expect((timeout as AppError).statusCode).toBe(422);
    expect((timeout as AppError).detail).toBe('Evaluation timed out — contract bundle may be too complex.');
    await quick.close();
  });
});

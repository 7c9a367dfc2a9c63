import { expect } from 'vitest';
import { createTestApp, type TestApp, type TestAppOptions } from './test-app.js';
import { openSse, type SseClient } from './sse-client.js';
import type { SdkEvent } from './sdk-sse-parser.js';
import { WAIT_MS } from './wait.js';

/** A test app whose streams send a keepalive every second (so tests can see one). */
export function createStreamApp(opts: TestAppOptions = {}): Promise<TestApp> {
  return createTestApp({ ...opts, env: { EDICTUM_SSE_KEEPALIVE_SECONDS: '1', ...opts.env } });
}

/** Open the agent stream the way the TS SDK does: Bearer key, agent id header, JSON content type. */
export async function agentStream(
  base: string,
  key: string | null,
  query: Record<string, string>,
  agentId: string | null = 'agent-1',
): Promise<SseClient> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (agentId) headers['x-edictum-agent-id'] = agentId;
  return openSse(`${base}/api/v1/stream?${new URLSearchParams(query).toString()}`, headers);
}

export function dashboardStream(
  base: string,
  cookie: string | null,
  opts: { lastEventId?: string; query?: string } = {},
): Promise<SseClient> {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
  return openSse(`${base}/api/v1/stream/dashboard${opts.query ?? ''}`, headers);
}

/** The error body of a refused stream. */
export async function refusal(c: SseClient): Promise<{ status: number; body: unknown }> {
  await c.ended;
  return { status: c.status, body: JSON.parse(c.body) as unknown };
}

export const data = (e: SdkEvent): Record<string, unknown> => JSON.parse(e.data) as Record<string, unknown>;

/** A valid edictum/v1 bundle; `marker` changes the bytes (and so the revision). */
export function bundleYaml(name: string, marker = 'v1'): string {
  return `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: ${name}
  description: "${marker}"
defaults:
  mode: enforce
contracts:
  - id: no-dotenv
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: "no secrets (${marker})"
`;
}

/** Upload a bundle version and deploy it through the REST API (the real deploy path). */
export async function uploadAndDeploy(
  t: TestApp,
  cookie: string,
  name: string,
  env: string,
  marker: string,
): Promise<{ version: number; revision: string }> {
  const up = await t.request({
    method: 'POST',
    url: '/api/v1/bundles',
    cookie,
    payload: { yaml_content: bundleYaml(name, marker) },
  });
  expect(up.statusCode, up.body).toBe(201);
  const b = up.json() as { version: number; revision_hash: string };
  const dep = await t.request({ method: 'POST', url: `/api/v1/bundles/${name}/${b.version}/deploy`, cookie, payload: { env } });
  expect(dep.statusCode, dep.body).toBe(201);
  return { version: b.version, revision: b.revision_hash };
}

/**
 * Proves a stream did NOT receive something without sleeping: publish a marker after the thing
 * under test on the same bus; once the marker arrives, anything published before it would have.
 */
export async function marker(t: TestApp, tenantId: string, client: SseClient, env: string, agentId?: string): Promise<void> {
  const id = `marker-${Math.random().toString(36).slice(2)}`;
  await t.ctx.publish.agents(
    tenantId,
    'approval_created',
    { approval_id: id, agent_id: 'marker', tool_name: 'marker', message: 'marker' },
    { env, agentId },
  );
  await client.waitFor((e) => e.event === 'approval_created' && data(e).approval_id === id, WAIT_MS, 'marker');
}

import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from './test-app.js';
import { agentStream } from './stream-kit.js';
import { openSdkStream, type SdkStream } from './sdk-v2-parsers.js';
import type { SseClient } from './sse-client.js';

/**
 * Simulated agents for rollout tests (docs/rollouts.md): streams of both SDK generations, and the
 * two ways an agent shows the console what it runs: reconnecting with `policy_version`, and
 * events stamped with it (old SDKs on /api/v1/events, current ones on /v1/events).
 */
export type Generation = 'old' | 'new';

export interface SimAgent {
  id: string;
  generation: Generation;
  stream: SseClient | SdkStream | null;
}

export async function connect(base: string, key: string, id: string, generation: Generation, query: Record<string, string>): Promise<SimAgent> {
  const stream = generation === 'old' ? await agentStream(base, key, query, id) : await openSdkStream(base, 'py', key, id, query);
  expect(stream.status, id).toBe(200);
  return { id, generation, stream };
}

export function disconnect(a: SimAgent): void {
  a.stream?.close();
  a.stream = null;
}

/** One event stamped with `revision`, as the agent's SDK generation posts it. */
export async function reportByEvent(t: TestApp, key: string, a: SimAgent, revision: string, env = 'production'): Promise<void> {
  const now = new Date().toISOString();
  const res =
    a.generation === 'old'
      ? await t.request({
          method: 'POST',
          url: '/api/v1/events',
          apiKey: key,
          payload: {
            events: [
              {
                call_id: randomUUID(),
                agent_id: a.id,
                tool_name: 'read_file',
                verdict: 'call_allowed',
                mode: 'enforce',
                timestamp: now,
                payload: { tool_args: { path: '/tmp/x' }, environment: env, policy_version: revision },
              },
            ],
          },
        })
      : await t.request({
          method: 'POST',
          url: '/v1/events',
          apiKey: key,
          agentId: a.id,
          payload: {
            events: [
              {
                call_id: randomUUID(),
                agent_id: a.id,
                tool_name: 'read_file',
                tool_args: { path: '/tmp/x' },
                environment: env,
                action: 'call_allowed',
                mode: 'enforce',
                policy_version: revision,
                timestamp: now,
              },
            ],
          },
        });
  expect(res.statusCode, res.body).toBeLessThan(300);
}

interface Evt {
  event: string;
  data: string;
}

/**
 * Waits until the agent was pushed `version` of its bundle (a `contract_update` the agent's SDK
 * acts on), after it was pushed `after` when given (a rollback re-sends an older version).
 */
export async function pushedVersion(a: SimAgent, version: number, after?: number): Promise<Record<string, unknown>> {
  const s = a.stream as unknown as { waitFor(p: (e: Evt) => boolean, ms?: number, what?: string): Promise<Evt>; sdkEvents?: Evt[]; events: Evt[] };
  const list = () => s.sdkEvents ?? s.events;
  const v = (e: Evt) => (e.event === 'contract_update' ? (JSON.parse(e.data) as { version?: number }).version : undefined);
  const e = await s.waitFor(
    (x) => {
      if (v(x) !== version) return false;
      if (after === undefined) return true;
      const seq = list();
      const first = seq.findIndex((y) => v(y) === after);
      return first >= 0 && seq.indexOf(x) > first;
    },
    5_000,
    `${a.id}: v${version}${after === undefined ? '' : ` after v${after}`}`,
  );
  return JSON.parse(e.data) as Record<string, unknown>;
}

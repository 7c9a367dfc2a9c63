import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { fromNow, postEvents, pyEvent, tsEvent, type SdkEvent } from '../helpers/events-fixtures.js';
import type { TestApp } from '../helpers/test-app.js';
import type { BusWatch } from './bundles-helpers.js';

const HEAD = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: fleet
defaults:
  mode: enforce
contracts:
  - id: no-env
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: "no secrets"
`;

/** v1 (deployed): no .env reads, no writes under /tmp. */
export const FLEET_V1 = `${HEAD}  - id: no-tmp
    type: pre
    tool: write_file
    when:
      args.path: { starts_with: "/tmp" }
    then:
      effect: deny
      message: "no tmp"
`;

/** v2 (candidate): drops no-tmp, adds a shell deny, an approval and an observe-mode contract. */
export const FLEET_V2 = `${HEAD}  - id: no-rm
    type: pre
    tool: shell
    when:
      args.command: { contains: "rm -rf" }
    then:
      effect: deny
      message: "no rm -rf"
  - id: approve-deploy
    type: pre
    tool: deploy
    when:
      args.target: { equals: "prod" }
    then:
      effect: approve
      message: "deploys need a human"
  - id: observe-big
    type: pre
    tool: read_file
    mode: observe
    when:
      args.lines: { gt: 1000 }
    then:
      effect: deny
      message: "big read"
`;

function call(agent: string, tool: string, args: Record<string, unknown>, verdict: string, minutesAgo: number, callId = randomUUID()): SdkEvent {
  const base = agent.startsWith('py') ? pyEvent() : tsEvent();
  return {
    ...base,
    call_id: callId,
    agent_id: agent,
    tool_name: tool,
    verdict,
    timestamp: fromNow(-minutesAgo * 60_000),
    payload: { ...base.payload, tool_args: args, environment: 'production' },
  };
}

/**
 * Seven calls in production in the last day, with the changes v1 -> v2 known:
 * unchanged 2 (.env read denied by both; a plain read), newly denied 2 (rm -rf, twice),
 * newly allowed 1 (/tmp write), newly approval 1 (deploy prod), newly observed 1 (big read).
 * Noise that must never count: a call's post-execution event, an observe-mode shadow of a call,
 * a staging call, a call older than 30 days.
 */
export function fleetEvents(): { production: SdkEvent[]; staging: SdkEvent[] } {
  const rm2 = randomUUID();
  const read = randomUUID();
  const production = [
    call('agent-a', 'read_file', { path: '/app/.env' }, 'call_denied', 10),
    call('agent-a', 'read_file', { path: '/app/readme.md', lines: 5 }, 'call_allowed', 20, read),
    call('agent-a', 'read_file', { path: '/app/readme.md', lines: 5 }, 'call_executed', 19, read),
    call('py-agent-b', 'shell', { command: 'rm -rf /var/cache' }, 'call_allowed', 30),
    call('py-agent-b', 'shell', { command: 'rm -rf /srv/old' }, 'call_allowed', 40, rm2),
    { ...call('py-agent-b', 'shell', { command: 'rm -rf /srv/old' }, 'call_would_deny', 40, rm2), mode: 'observe' },
    call('agent-a', 'write_file', { path: '/tmp/x' }, 'call_denied', 50),
    call('py-agent-b', 'deploy', { target: 'prod' }, 'call_allowed', 60),
    call('agent-a', 'read_file', { path: '/app/big.csv', lines: 5000 }, 'call_allowed', 70),
    call('agent-a', 'shell', { command: 'rm -rf /' }, 'call_allowed', 60 * 24 * 40),
  ];
  const staging = [call('agent-a', 'shell', { command: 'rm -rf /' }, 'call_allowed', 15)];
  return { production, staging };
}

export async function seed(t: TestApp, key: string, events: SdkEvent[]): Promise<void> {
  const res = await postEvents(t, key, { events });
  expect(res.statusCode, res.body).toBeLessThan(300);
}

export interface JobJson {
  id: string;
  status: string;
  processed: number;
  total: number;
  cancel_requested: boolean;
  error: string | null;
  result: {
    events_read: number;
    calls: number;
    baseline: { bundle_name: string; version: number } | null;
    counts: Record<string, number>;
    by_agent: { key: string; newly_denied: number }[];
    by_tool: { key: string; newly_denied: number }[];
    by_contract: { key: string; newly_denied: number; newly_allowed: number; newly_approval: number; newly_observed: number }[];
    examples: Record<string, { event_id: string; tool_name: string; link: string; candidate: { contract: string | null } }[]>;
  } | null;
}

/** Waits for the job's final `replay_progress` on the bus (the watch must start before the job), then reads it. */
export async function finished(t: TestApp, watch: BusWatch, cookie: string, id: string, ms = 20_000): Promise<JobJson> {
  await watch.next((m) => m.type === 'replay_progress' && m.data.job_id === id && m.data.status !== 'running', ms);
  const res = await t.request({ url: `/api/v1/bundles/replay/${id}`, cookie });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as JobJson;
}

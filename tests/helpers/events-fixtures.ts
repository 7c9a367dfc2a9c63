import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { TestApp } from './test-app.js';

/** Events exactly as the SDKs send them (sdk-contract.md section 6). */
export interface SdkEvent {
  call_id: string;
  agent_id: string;
  tool_name: string;
  verdict: string;
  mode: string;
  timestamp: string;
  payload: Record<string, unknown> | null;
  [extra: string]: unknown;
}

/** TypeScript SDK: `toISOString()` (Z, milliseconds), camelCase principal. */
export function tsEvent(over: Partial<SdkEvent> = {}): SdkEvent {
  return {
    call_id: randomUUID(),
    agent_id: 'agent-ts',
    tool_name: 'read_file',
    verdict: 'call_allowed',
    mode: 'enforce',
    timestamp: new Date().toISOString(),
    payload: {
      tool_args: { path: '/srv/data/report.csv', lines: 20 },
      side_effect: 'read',
      environment: 'production',
      principal: { userId: 'u-1', serviceId: null, orgId: 'acme', role: 'analyst', ticketRef: 'T-9', claims: { tier: 'gold' } },
      decision_source: null,
      decision_name: null,
      reason: null,
      policy_version: 'a'.repeat(64),
      bundle_name: 'default',
    },
    ...over,
  };
}

/** Python SDK: `isoformat()` (+00:00, microseconds), snake_case principal. */
export function pyEvent(over: Partial<SdkEvent> = {}): SdkEvent {
  const now = new Date();
  return {
    call_id: randomUUID(),
    agent_id: 'agent_py.worker-1',
    tool_name: 'shell.exec',
    verdict: 'call_denied',
    mode: 'enforce',
    timestamp: `${now.toISOString().slice(0, 23)}417+00:00`,
    payload: {
      tool_args: { command: 'rm -rf /', cwd: '/home/agent' },
      side_effect: 'irreversible',
      environment: 'production',
      principal: { user_id: 'u-2', service_id: 'svc', org_id: null, role: null, ticket_ref: null, claims: {} },
      decision_source: 'yaml_precondition',
      decision_name: 'no-destructive-shell',
      reason: 'Destructive command blocked',
      policy_version: 'b'.repeat(64),
      bundle_name: 'ops',
    },
    ...over,
  };
}

export async function countEvents(t: TestApp, tenantId?: string): Promise<number> {
  const [row] = await t.deps.database.rows<{ n: number | string }>(
    tenantId ? sql`SELECT count(*) AS n FROM events WHERE tenant_id = ${tenantId}::uuid` : sql`SELECT count(*) AS n FROM events`,
  );
  return Number(row?.n ?? 0);
}

export function postEvents(t: TestApp, apiKey: string, payload: unknown, headers: Record<string, string> = {}) {
  return t.request({ method: 'POST', url: '/api/v1/events', apiKey, payload: payload as Record<string, unknown>, headers });
}

/** An ISO timestamp `ms` milliseconds from now (negative for the past). */
export const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();

import { sql } from 'drizzle-orm';
import type { BusMessage } from '../../src/platform/push-bus.js';
import type { ApprovalRow, Notifier } from '../../src/context.js';
import type { TestApp } from './test-app.js';
import { WAIT_MS } from './wait.js';

/** Helpers shared by the approvals, sessions and SDK-checklist tests. */

export interface Agent {
  key: string;
  cookie: string;
  tenantId: string;
  email: string;
}

/** An admin of a fresh tenant (or the app's first admin) with an API key in `env`. */
export async function agentOf(t: TestApp, who: 'admin' | 'other' = 'admin', env = 'production'): Promise<Agent> {
  const p = who === 'admin' ? await t.admin() : await t.otherTenant();
  return { ...p, key: await t.apiKey(p.cookie, env) };
}

export const approvalBody = (over: Record<string, unknown> = {}) => ({
  agent_id: 'body-agent-ignored',
  tool_name: 'send_email',
  tool_args: { to: 'ops@example.com', subject: 'hi' },
  message: 'Send the weekly report?',
  timeout: 300,
  timeout_effect: 'deny',
  ...over,
});

let agentSeq = 0;
/** A fresh agent id per call by default, so tests never trip the 10-per-minute create limit. */
export const freshAgentId = () => `agent-${process.pid}-${++agentSeq}`;

export async function createApproval(
  t: TestApp,
  key: string,
  over: Record<string, unknown> = {},
  agentId: string | undefined = freshAgentId(),
): Promise<Record<string, unknown> & { id: string; status: string }> {
  const res = await t.request({ method: 'POST', url: '/api/v1/approvals', apiKey: key, agentId, payload: approvalBody(over) });
  if (res.statusCode !== 201) throw new Error(`approval create failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Move an approval's deadline into the past (no sleeping for timeouts). */
export async function expire(t: TestApp, id: string, secondsAgo = 5): Promise<void> {
  await t.deps.database.rows(
    sql`UPDATE approvals SET expires_at = now() - make_interval(secs => ${secondsAgo}) WHERE id = ${id}`,
  );
}

export async function rowOf(t: TestApp, id: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await t.deps.database.rows<Record<string, unknown>>(sql`SELECT * FROM approvals WHERE id = ${id}`);
  return row;
}

/** Records bus messages from now on; `next` waits (bounded) for the first one matching. */
export function busRecorder(t: TestApp) {
  const seen: BusMessage[] = [];
  const waiters: { match: (m: BusMessage) => boolean; resolve: (m: BusMessage) => void }[] = [];
  const stop = t.deps.bus.subscribe((m) => {
    seen.push(m);
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  return {
    seen,
    stop,
    next(match: (m: BusMessage) => boolean, timeoutMs = WAIT_MS): Promise<BusMessage> {
      const already = seen.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching bus message')), timeoutMs);
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
  };
}

/** A notifier that records calls and lets a test wait for one (event-driven); optionally throws. */
export function recordingNotifier(opts: { fail?: boolean } = {}) {
  const calls: { kind: keyof Notifier; rows: ApprovalRow[] }[] = [];
  const waiters: { kind: keyof Notifier; resolve: () => void }[] = [];
  const record = (kind: keyof Notifier, rows: ApprovalRow[]) => {
    calls.push({ kind, rows });
    for (const w of waiters.filter((x) => x.kind === kind)) w.resolve();
    if (opts.fail) throw new Error('chat API down');
  };
  const notifier: Notifier = {
    approvalCreated: async (row) => record('approvalCreated', [row]),
    approvalDecided: async (row) => record('approvalDecided', [row]),
    approvalsTimedOut: async (rows) => record('approvalsTimedOut', rows),
  };
  return {
    notifier,
    calls,
    async waitFor(kind: keyof Notifier, timeoutMs = WAIT_MS) {
      if (!calls.some((c) => c.kind === kind)) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`notifier.${kind} was not called`)), timeoutMs);
          waiters.push({
            kind,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
      }
      return calls.find((c) => c.kind === kind)!;
    },
  };
}

export function timeoutJob(t: TestApp) {
  const job = t.jobs.find((j) => j.name === 'approval_timeout');
  if (!job) throw new Error('approval_timeout job missing');
  return job;
}

export function problemLocs(body: unknown): string[] {
  const detail = (body as { detail: unknown }).detail;
  return Array.isArray(detail) ? detail.map((d: { loc: (string | number)[] }) => d.loc.join('.')) : [];
}

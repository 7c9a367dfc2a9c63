// A small simulated agent that talks to the console exactly as the edictum SDKs do
// (docs: /work/shared/reference/sdk-contract.md): `Authorization: Bearer edk_…`,
// `X-Edictum-Agent-Id`, `Content-Type: application/json` on every request (GETs and the stream
// too), events in `{events: [...]}` batches shaped like ServerAuditSink's, approvals created with
// POST and then polled every 2 s, and the contract stream read with the SDK's line rules.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

export type Verdict =
  | 'call_allowed'
  | 'call_denied'
  | 'call_would_deny'
  | 'call_approval_requested'
  | 'call_approval_granted'
  | 'call_approval_denied'
  | 'call_executed';

export interface SimEvent {
  call_id: string;
  agent_id: string;
  tool_name: string;
  verdict: string;
  mode: 'enforce' | 'observe';
  timestamp: string;
  payload: Record<string, unknown> | null;
}

export interface EventOptions {
  mode?: 'enforce' | 'observe';
  args?: Record<string, unknown>;
  contract?: string | null;
  reason?: string | null;
  at?: Date;
  callId?: string;
  bundleName?: string | null;
  policyVersion?: string | null;
}

export interface Approval {
  id: string;
  status: 'pending' | 'approved' | 'denied' | 'timeout';
  agent_id: string;
  tool_name: string;
  message: string;
  env: string;
  decided_by: string | null;
  decision_reason: string | null;
  decided_via: string | null;
}

/** What the SDK's approval poll returns once a decision is in (or the local deadline passed). */
export interface Decision {
  status: Approval['status'];
  decided_by: string | null;
  decision_reason: string | null;
}

export interface StreamMessage {
  event: string;
  data: string;
}

export class SimAgent {
  constructor(
    readonly baseUrl: string,
    readonly apiKey: string,
    readonly agentId: string,
    readonly env: string,
  ) {}

  /** The three headers both SDKs send on every request (including GETs and the stream). */
  headers(): Record<string, string> {
    return {
      Authorization: `Bearer ${this.apiKey}`,
      'X-Edictum-Agent-Id': this.agentId,
      'Content-Type': 'application/json',
    };
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: this.headers(),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  private async json<T>(method: string, path: string, body: unknown, expected: number): Promise<T> {
    const res = await this.call(method, path, body);
    const text = await res.text();
    if (res.status !== expected) throw new Error(`agent ${this.agentId}: ${method} ${path} -> ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /** One audit event as ServerAuditSink maps it (sdk-contract.md 6). */
  event(tool: string, verdict: Verdict | string, opts: EventOptions = {}): SimEvent {
    const denied = verdict === 'call_denied' || verdict === 'call_would_deny' || verdict === 'call_approval_denied';
    return {
      call_id: opts.callId ?? randomUUID(),
      agent_id: this.agentId,
      tool_name: tool,
      verdict,
      mode: opts.mode ?? 'enforce',
      timestamp: (opts.at ?? new Date()).toISOString(),
      payload: {
        tool_args: opts.args ?? {},
        side_effect: 'irreversible',
        environment: this.env,
        principal: null,
        decision_source: denied ? 'yaml_precondition' : null,
        decision_name: opts.contract ?? null,
        reason: opts.reason ?? null,
        policy_version: opts.policyVersion ?? null,
        bundle_name: opts.bundleName ?? null,
      },
    };
  }

  /** A flush of the SDK's buffer: the whole batch in one POST. */
  sendEvents(events: SimEvent[]): Promise<{ accepted: number; duplicates: number }> {
    return this.json('POST', '/events', { events }, 200);
  }

  /** `ServerApprovalBackend.requestApproval`: the body the SDKs send (agent_id is ignored by the console). */
  requestApproval(req: {
    tool: string;
    args?: Record<string, unknown>;
    message: string;
    timeout?: number;
    timeoutEffect?: 'deny' | 'allow';
  }): Promise<Approval> {
    return this.json(
      'POST',
      '/approvals',
      {
        agent_id: this.agentId,
        tool_name: req.tool,
        tool_args: req.args ?? {},
        message: req.message,
        timeout: req.timeout ?? 300,
        timeout_effect: req.timeoutEffect ?? 'deny',
      },
      201,
    );
  }

  getApproval(id: string): Promise<Approval> {
    return this.json('GET', `/approvals/${encodeURIComponent(id)}`, undefined, 200);
  }

  /**
   * `waitForDecision`: GET every `pollMs` (the SDK's 2 s) until the status is no longer
   * pending or the local deadline passes; on the deadline the SDK answers `timeout`.
   */
  async waitForDecision(id: string, timeoutMs: number, pollMs = 2000): Promise<Decision> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const a = await this.getApproval(id);
      if (a.status !== 'pending') return { status: a.status, decided_by: a.decided_by, decision_reason: a.decision_reason };
      if (Date.now() + pollMs > deadline) return { status: 'timeout', decided_by: null, decision_reason: null };
      await delay(pollMs);
    }
  }

  /** GET /bundles with this key (what `createServerGuard` does first). */
  listBundles(): Promise<Response> {
    return this.call('GET', '/bundles');
  }

  /** Opens the contract stream and resolves once the console answered 200 with an event stream. */
  async connect(opts: { bundleName?: string; tags?: Record<string, string> } = {}): Promise<AgentStream> {
    const q = new URLSearchParams({ env: this.env });
    if (opts.bundleName) q.set('bundle_name', opts.bundleName);
    if (opts.tags) q.set('tags', JSON.stringify(opts.tags));
    const abort = new AbortController();
    const res = await fetch(`${this.baseUrl}/api/v1/stream?${q}`, { headers: this.headers(), signal: abort.signal });
    if (res.status !== 200 || !res.body) {
      abort.abort();
      throw new Error(`agent ${this.agentId}: stream -> ${res.status} ${await res.text().catch(() => '')}`);
    }
    return new AgentStream(res.body, abort);
  }
}

/**
 * A live SSE connection read the way the TS SDK reads it: lines split on CRLF, CR or LF;
 * `event:` and `data:` fields; an event dispatched on a blank line only if it had both.
 */
export class AgentStream {
  readonly messages: StreamMessage[] = [];
  private waiters = new Set<() => void>();
  private closed = false;
  readonly done: Promise<void>;

  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly abort: AbortController,
  ) {
    this.done = this.read(body).catch(() => undefined);
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let name = '';
    let data: string[] = [];
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const lines = buffer.split(/\r\n|\r|\n/);
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (line === '') {
            if (name && data.length) this.push({ event: name, data: data.join('\n') });
            name = '';
            data = [];
          } else if (line.startsWith('event:')) name = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
      }
    } finally {
      this.closed = true;
      this.notify();
    }
  }

  private push(m: StreamMessage): void {
    this.messages.push(m);
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves with the first message (seen so far or later) named `event` that matches. */
  waitFor(
    event: string,
    match: (data: Record<string, unknown>) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const m of this.messages) {
          if (m.event !== event) continue;
          const data = JSON.parse(m.data) as Record<string, unknown>;
          if (match(data)) {
            finish();
            resolve(data);
            return;
          }
        }
        if (this.closed) {
          finish();
          reject(
            new Error(
              `stream closed before a matching "${event}" arrived (got: ${this.messages.map((x) => x.event).join(', ') || 'nothing'})`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(
            `no matching "${event}" within ${timeoutMs} ms (got: ${this.messages.map((x) => x.event).join(', ') || 'nothing'})`,
          ),
        );
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

/** A bundle that passes the console's edictum/v1 validator. */
export function goodBundle(name: string, extra = ''): string {
  return `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: ${name}
  description: e2e bundle
defaults:
  mode: enforce
contracts:
  - id: no-secret-files
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: "Refusing to read {args.path}"
      tags: [secrets]
  - id: review-refunds
    type: pre
    tool: issue_refund
    when:
      args.amount: { gt: 100 }
    then:
      effect: approve
      message: "Refund over 100 needs a human"
      timeout: 300
      timeout_effect: deny
${extra}`;
}

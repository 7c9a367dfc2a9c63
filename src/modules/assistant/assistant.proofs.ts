import type { Database } from '../../db/client.js';
import type { EvaluationPool } from '../evaluate/evaluation-pool.js';
import type { ReplayCall } from '../evaluate/evaluation-core.js';
import { assistantRepository, type SampleCall } from './assistant.repository.js';
import type { ProofResult } from './proof-core.js';

/** How far back and how many stored calls a proof replays (bounded: it runs inside a chat turn). */
export const PROOF_WINDOW_DAYS = 7;
export const PROOF_MAX_EVENTS = 1000;
const MAX_SAMPLES = 8;
const MAX_EXAMPLES = 5;
const ARGS_PREVIEW = 400;

export interface ProofCall {
  call_id: string;
  tool: string;
  agent_id: string;
  timestamp: string;
  /** The call's arguments as JSON text, cut to a preview (data from the agent, shown escaped). */
  args: string;
  recorded: string;
  outcome: string;
  contract: string | null;
  message: string | null;
}

export interface Proof {
  valid: boolean;
  /** The validator's messages when invalid. */
  errors: { path: string; message: string; line: number | null }[];
  warnings: { path: string; message: string }[];
  /** The YAML was a bare contract (or list) and was checked inside a bundle. */
  wrapped: boolean;
  contracts: { id: string; type: string; tool: string | string[] | null }[];
  /** Recent calls of the tools the proposal targets, with what it would decide. */
  samples: ProofCall[];
  replay: {
    window_days: number;
    events_evaluated: number;
    /** More calls were stored in the window than a proof replays. */
    limited: boolean;
    targeted_calls: number;
    counts: Record<string, number>;
    /** Targeted calls whose outcome differs from what the fleet recorded. */
    changed: number;
    by_tool: { tool: string; calls: number; denied: number; approval_required: number }[];
    examples: ProofCall[];
  } | null;
  /** One sentence: "would have denied 3 of 1,204 `exec` calls in the last 7 days". */
  summary: string;
}

function recorded(verdict: string): string {
  if (verdict === 'call_denied' || verdict === 'call_would_deny') return 'denied';
  if (verdict === 'call_approval_requested') return 'approval_required';
  return 'allowed';
}

const fmt = (n: number) => n.toLocaleString('en-US');

function describe(targeted: number, denied: number, approvals: number, tools: string[], wrappedValid: boolean): string {
  if (targeted === 0) {
    return `No stored call in the last ${PROOF_WINDOW_DAYS} days targets ${tools.length > 0 ? tools.map((t) => `\`${t}\``).join(', ') : 'these tools'}; nothing to replay${wrappedValid ? ' (checked as a contract inside a bundle)' : ''}.`;
  }
  const toolText = tools.length > 0 && tools.length <= 3 ? tools.map((t) => `\`${t}\``).join(', ') + ' ' : '';
  const parts = [`would have denied ${fmt(denied)}`];
  if (approvals > 0) parts.push(`asked approval for ${fmt(approvals)}`);
  return `${parts.join(' and ')} of ${fmt(targeted)} ${toolText}calls in the last ${PROOF_WINDOW_DAYS} days.`;
}

function toCall(c: SampleCall, outcome: string, contract: string | null, message: string | null): ProofCall {
  const args = c.args ?? '{}';
  return {
    call_id: c.call_id,
    tool: c.tool_name,
    agent_id: c.agent_id,
    timestamp: c.timestamp,
    args: args.length > ARGS_PREVIEW ? `${args.slice(0, ARGS_PREVIEW)}…` : args,
    recorded: recorded(c.verdict),
    outcome,
    contract,
    message,
  };
}

export class ProofBusy extends Error {}

/** Validates, evaluates against samples and replays one proposal for one tenant. */
export async function proveYaml(deps: { database: Database; pool: EvaluationPool; now: () => Date }, tenantId: string, yaml: string): Promise<Proof> {
  const since = new Date(deps.now().getTime() - PROOF_WINDOW_DAYS * 86_400_000);
  const rows = await assistantRepository.sampleCalls(deps.database, tenantId, null, since, PROOF_MAX_EVENTS + 1);
  const limited = rows.length > PROOF_MAX_EVENTS;
  const events = rows.slice(0, PROOF_MAX_EVENTS);
  const calls: ReplayCall[] = events.map((e) => [e.tool_name, e.args ?? '', e.principal ?? '', e.environment]);
  const run = await deps.pool.run<ProofResult>({ op: 'assist-proof', req: { yaml, calls, deadlineMs: 50 } }, 15_000, 5_000);
  if (!run) throw new ProofBusy('The evaluation workers are busy; try again.');
  const r = run.value;
  if (!r.ok) {
    return {
      valid: false,
      errors: r.errors.map((p) => ({ path: p.path, message: p.message, line: p.line })),
      warnings: r.warnings.map((p) => ({ path: p.path, message: p.message })),
      wrapped: r.wrapped,
      contracts: [],
      samples: [],
      replay: null,
      summary: `Invalid: ${r.errors.length} problem${r.errors.length === 1 ? '' : 's'} (${r.errors[0]?.path ?? ''}: ${r.errors[0]?.message ?? ''}).`,
    };
  }
  const counts: Record<string, number> = {};
  const byTool = new Map<string, { tool: string; calls: number; denied: number; approval_required: number }>();
  const samples: ProofCall[] = [];
  const examples: ProofCall[] = [];
  let targeted = 0;
  let changed = 0;
  r.decisions.forEach(([outcome, contract, message, hit], i) => {
    if (!hit) return;
    const e = events[i]!;
    const tool = e.tool_name;
    targeted += 1;
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    const t = byTool.get(tool) ?? { tool, calls: 0, denied: 0, approval_required: 0 };
    t.calls += 1;
    if (outcome === 'denied') t.denied += 1;
    if (outcome === 'approval_required') t.approval_required += 1;
    byTool.set(tool, t);
    if (outcome !== recorded(e.verdict)) changed += 1;
    const call = toCall(e, outcome, contract, message);
    if (samples.length < MAX_SAMPLES) samples.push(call);
    if ((outcome === 'denied' || outcome === 'approval_required') && examples.length < MAX_EXAMPLES) examples.push(call);
  });
  const tools = [...byTool.keys()];
  const patterns = r.contracts.flatMap((c) => (c.tool === null ? [] : [c.tool].flat()));
  return {
    valid: true,
    errors: [],
    warnings: r.warnings.map((p) => ({ path: p.path, message: p.message })),
    wrapped: r.wrapped,
    contracts: r.contracts.map((c) => ({ id: c.id, type: c.type, tool: c.tool })),
    samples,
    replay: {
      window_days: PROOF_WINDOW_DAYS,
      events_evaluated: events.length,
      limited,
      targeted_calls: targeted,
      counts,
      changed,
      by_tool: [...byTool.values()].sort((a, b) => b.calls - a.calls),
      examples,
    },
    summary: describe(targeted, counts.denied ?? 0, counts.approval_required ?? 0, targeted === 0 ? patterns : tools, r.wrapped),
  };
}

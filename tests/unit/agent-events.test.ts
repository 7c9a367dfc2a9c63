import { describe, expect, it } from 'vitest';
import { canonicalVerdict, mapPolicyVersions, normaliseAgentEvent, rememberedLookup } from '../../src/modules/v2/agent-events.js';
import { EventIn } from '../../src/modules/events/events.schemas.js';

/** Every producer's shape lands in the stored one (sdk-contract-v2.md 2.3 and 6). */
describe('agent event normalisation', () => {
  const flat = {
    schema_version: '0.4.0',
    call_id: 'c1',
    agent_id: 'go-agent',
    tool_name: 'read_file',
    tool_args: { path: '.env' },
    side_effect: 'read',
    environment: 'production',
    principal: null,
    action: 'call_blocked',
    decision_source: 'yaml_precondition',
    decision_name: 'no-env',
    reason: 'no secrets',
    hooks_evaluated: [],
    rules_evaluated: [{ name: 'no-env', type: 'precondition', passed: false, message: 'no secrets' }],
    mode: 'enforce',
    policy_version: '',
    timestamp: '2026-08-17T10:00:00.123456789Z',
    run_id: 'r1',
    call_index: 0,
    session_id: '',
    workflow: { name: 'wf', active_stage: 'a', completed_stages: [] },
    some_future_field: { kept: true },
  };

  it('maps a flat current-generation event, keeping the agent word, every field and unknown ones', () => {
    const out = normaliseAgentEvent(flat) as Record<string, unknown>;
    const parsed = EventIn.parse(out);
    expect(parsed).toMatchObject({ call_id: 'c1', agent_id: 'go-agent', verdict: 'call_denied', mode: 'enforce' });
    expect(parsed.payload).toMatchObject({
      agent_verdict: 'call_blocked',
      decision_name: 'no-env',
      contracts_evaluated: flat.rules_evaluated,
      workflow: flat.workflow,
      run_id: 'r1',
      some_future_field: { kept: true },
      // Go's "" for a missing value reads as null, like Py and TS send it.
      policy_version: null,
      session_id: null,
    });
    expect(parsed.payload).not.toHaveProperty('rules_evaluated');
  });

  it('uses one verdict vocabulary for every generation', () => {
    expect(
      ['call_blocked', 'call_would_block', 'call_asked', 'call_approval_requested', 'call_approval_blocked', 'call_allowed', 'workflow_completed'].map(canonicalVerdict),
    ).toEqual(['call_denied', 'call_would_deny', 'call_approval_requested', 'call_approval_requested', 'call_approval_denied', 'call_allowed', 'workflow_completed']);
  });

  it('reads the in-between nested shape (`decision` in place of `verdict`)', () => {
    const e = { call_id: 'c2', agent_id: 'a', tool_name: 't', decision: 'call_approval_requested', mode: 'enforce', timestamp: '2026-03-31T00:00:00+00:00', payload: { reason: 'r' } };
    expect(EventIn.parse(normaliseAgentEvent(e))).toMatchObject({ verdict: 'call_approval_requested', payload: { reason: 'r', agent_verdict: 'call_approval_requested' } });
  });

  it('reads the Go gate CLI event, with a stable call id so a resent log collides', () => {
    const g = { timestamp: '2026-08-17T10:00:00Z', tool_name: 'Bash', decision: 'block', assistant: 'claude', reason: 'rm -rf' };
    const a = EventIn.parse(normaliseAgentEvent(g, 'gate-cli'));
    const b = EventIn.parse(normaliseAgentEvent({ ...g }, 'gate-cli'));
    expect(a).toMatchObject({ agent_id: 'gate-cli', verdict: 'call_denied', mode: 'enforce', payload: { agent_verdict: 'block', assistant: 'claude' } });
    expect(a.call_id).toBe(b.call_id);
    expect(EventIn.parse(normaliseAgentEvent({ ...g, decision: 'allow' }, 'gate-cli')).call_id).not.toBe(a.call_id);
  });

  it('passes the pre-rename shape through untouched', () => {
    const e = { call_id: 'c', agent_id: 'a', tool_name: 't', verdict: 'call_denied', mode: 'enforce', timestamp: '2026-01-01T00:00:00Z', payload: null };
    expect(normaliseAgentEvent(e)).toBe(e);
  });

  it('maps a Ruleset revision back to the ContractBundle one, keeping the agent value', async () => {
    const rs = 'a'.repeat(64);
    const cb = 'b'.repeat(64);
    const events = [{ payload: { policy_version: rs } as Record<string, unknown> }, { payload: { policy_version: cb } as Record<string, unknown> }];
    await mapPolicyVersions(events, async () => new Map([[rs, cb]]));
    expect(events.map((e) => e.payload)).toEqual([{ policy_version: cb, agent_policy_version: rs }, { policy_version: cb }]);
  });
});

describe('rememberedLookup (ingest asks for each ruleset hash once)', () => {
  it('keeps an alias for good, asks again about a non-alias after a minute, and never mixes tenants', async () => {
    const asked: string[][] = [];
    let clock = 0;
    const lookup = rememberedLookup(async (tenantId, hashes) => {
      asked.push([tenantId, ...hashes]);
      return new Map(tenantId === 't1' ? hashes.filter((h) => h === 'rs').map((h) => [h, 'cb'] as [string, string]) : []);
    }, () => clock);
    expect(await lookup('t1', ['rs', 'cb'])).toEqual(new Map([['rs', 'cb']]));
    expect(await lookup('t1', ['rs', 'cb'])).toEqual(new Map([['rs', 'cb']]));
    expect(asked).toEqual([['t1', 'rs', 'cb']]);
    expect(await lookup('t2', ['rs'])).toEqual(new Map());
    clock = 61_000;
    expect(await lookup('t1', ['rs', 'cb'])).toEqual(new Map([['rs', 'cb']]));
    expect(asked).toEqual([['t1', 'rs', 'cb'], ['t2', 'rs'], ['t1', 'cb']]);
  });
});

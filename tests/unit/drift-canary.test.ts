import { describe, expect, it } from 'vitest';
import { canarySlices, sliceKey, withCanary } from '../../src/modules/fleet/drift.js';
import { driftStatus } from '../../src/modules/coverage/coverage.service.js';

describe('drift of a canary slice agent', () => {
  const canary = { revision: 'h-canary', ruleset: 'r-canary' };

  it('is canary only when a drifted agent runs its live slice version (either rendering)', () => {
    expect(withCanary('drift', 'H-CANARY', canary)).toBe('canary');
    expect(withCanary('drift', 'r-canary', canary)).toBe('canary');
    expect(withCanary('drift', 'h-third', canary)).toBe('drift');
    expect(withCanary('drift', 'h-canary', undefined)).toBe('drift');
    expect(withCanary('current', 'h-canary', canary)).toBe('current');
    expect(withCanary('unknown', null, canary)).toBe('unknown');
  });

  it('the fleet table asks for the slice of the agent, its env and its bundle', () => {
    const slices = canarySlices([{ env: 'prod', bundleName: 'support', agentId: 'a1', revisionHash: 'h-canary', rulesetRevisionHash: null }]);
    const deployed = [{ env: 'prod', name: 'support', version: 1, revision_hash: 'h-one', deployed_at: '2026-01-01T00:00:00Z' }];
    const ev = { bundle_name: 'support', policy_version: 'h-canary' };
    const of = (agentId: string) => (env: string, bundle: string) => slices.get(sliceKey(env, bundle, agentId));
    expect(driftStatus('prod', ev, undefined, deployed, undefined, new Map(), of('a1'))).toBe('canary');
    expect(driftStatus('prod', ev, undefined, deployed, undefined, new Map(), of('a2'))).toBe('drift');
    expect(driftStatus('stage', ev, undefined, deployed, undefined, new Map(), of('a1'))).toBe('unknown');
  });
});

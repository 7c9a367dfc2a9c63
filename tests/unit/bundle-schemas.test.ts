import { describe, expect, it } from 'vitest';
import { DeploymentsQuery, NameParams, VersionParams } from '../../src/modules/bundles/bundles.schemas.js';
import { wireProblem } from '../../src/modules/bundles/bundles.service.js';

describe('bundle request schemas', () => {
  it('accepts only decimal versions from 1 to 2^31-1', () => {
    expect(VersionParams.parse({ name: 'a', version: '7' })).toEqual({ name: 'a', version: 7 });
    expect(VersionParams.parse({ name: 'a', version: '2147483647' }).version).toBe(2_147_483_647);
    for (const v of ['0', '2147483648', '1e3', '0x10', ' 1', '-1', '1.0', '']) {
      expect(VersionParams.safeParse({ name: 'a', version: v }).success, v).toBe(false);
    }
  });

  it('accepts bundle names as the validator does: lowercase slug up to 128 characters', () => {
    for (const ok of ['a', 'support-agent', 'a.b_c-1', '0', 'x'.repeat(128)])
      expect(NameParams.safeParse({ name: ok }).success, ok).toBe(true);
    for (const bad of ['', 'A', '-a', '.a', 'a b', 'a/b', 'ü', 'x'.repeat(129)])
      expect(NameParams.safeParse({ name: bad }).success, bad).toBe(false);
  });

  it('defaults the deployment limit to 50 and bounds it to 1..200', () => {
    expect(DeploymentsQuery.parse({})).toEqual({ limit: 50 });
    expect(DeploymentsQuery.parse({ limit: '200', env: 'eu-1' })).toEqual({ limit: 200, env: 'eu-1' });
    for (const l of ['0', '201', 'abc', '-5', '1000']) expect(DeploymentsQuery.safeParse({ limit: l }).success, l).toBe(false);
    expect(DeploymentsQuery.safeParse({ other: '1' }).success).toBe(false);
  });

  it('puts a validator problem under body.yaml_content with its path, line and a self-describing message', () => {
    expect(
      wireProblem({
        loc: ['contracts', 0, 'then', 'effect'],
        path: 'contracts[0].then.effect',
        msg: 'must be one of deny, approve',
        line: 14,
      }),
    ).toEqual({
      loc: ['body', 'yaml_content', 'contracts', 0, 'then', 'effect'],
      msg: 'contracts[0].then.effect: must be one of deny, approve',
      path: 'contracts[0].then.effect',
      line: 14,
    });
    expect(wireProblem({ loc: [], path: 'yaml_content', msg: 'top level must be a mapping', line: null })).toEqual({
      loc: ['body', 'yaml_content'],
      msg: 'yaml_content: top level must be a mapping',
      path: 'yaml_content',
      line: null,
    });
  });
});

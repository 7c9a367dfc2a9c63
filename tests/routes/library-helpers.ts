import { expect } from 'vitest';
import type { TestApp } from '../helpers/test-app.js';

/** A valid pre definition (no id, no type); `marker` changes the content. */
export function preDefinition(marker = 'v1', tool = 'read_file'): Record<string, unknown> {
  return {
    tool,
    when: { 'args.path': { ends_with: '.env' } },
    then: { effect: 'deny', message: `no secrets (${marker})`, tags: ['secrets'] },
  };
}

export async function createContract(
  t: TestApp,
  cookie: string,
  contractId: string,
  opts: { marker?: string; tool?: string; tags?: string[]; description?: string } = {},
): Promise<Record<string, unknown>> {
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/contracts',
    cookie,
    payload: {
      contract_id: contractId,
      name: `Contract ${contractId}`,
      description: opts.description ?? null,
      type: 'pre',
      definition: preDefinition(opts.marker, opts.tool),
      tags: opts.tags ?? ['secrets'],
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Record<string, unknown>;
}

export async function createComposition(
  t: TestApp,
  cookie: string,
  name: string,
  contracts: { contract_id: string; position?: number; mode_override?: string; follow_latest?: boolean; version?: number }[],
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/compositions',
    cookie,
    payload: { name, contracts: contracts.map((c, i) => ({ position: (i + 1) * 10, ...c })), ...extra },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Record<string, unknown>;
}

export const IMPORT_YAML = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: imported-bundle
  description: from a file
defaults:
  mode: enforce
tools:
  read_file: { side_effect: read }
contracts:
  - id: block-env
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: "no .env"
      tags: [secrets]
  - id: big-refunds
    type: pre
    tool: issue_refund
    when:
      args.amount: { gt: 1000 }
    then:
      effect: approve
      message: "refund {args.amount} needs approval"
  - id: call-budget
    type: session
    limits:
      max_tool_calls: 50
    then:
      effect: deny
      message: "budget reached"
`;

import { createHash } from 'node:crypto';
import type { TestApp } from './test-app.js';
import { bundles, deployments } from '../../src/db/schema.js';

/** Bundle YAML for coverage tests (sdk-contract.md section 11). */
export const SUPPORT_YAML = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: support-agent
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
  - id: big-refunds-need-a-human
    type: pre
    tool: issue_refund
    when:
      args.amount: { gt: 500 }
    then:
      effect: deny
      message: "Refund too big"
  - id: mask-card-numbers
    type: post
    tool: lookup_customer
    mode: observe
    when:
      output.text: { contains: "4111" }
    then:
      effect: redact
      message: "Card number in tool output"
  - id: session-budget
    type: session
    limits:
      max_tool_calls: 50
    then:
      effect: deny
      message: "Session budget exhausted"
`;

/** Observe by default: a contract without `mode` observes. */
export const OPS_YAML = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: ops
defaults:
  mode: observe
contracts:
  - id: shell-watch
    type: pre
    tool: "shell_*"
    when:
      args.cmd: { contains: "rm" }
    then:
      effect: deny
      message: "no rm"
`;

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** Stores a bundle version and returns its revision hash. */
export async function seedBundle(t: TestApp, tenantId: string, name: string, version: number, yaml: string): Promise<string> {
  const revisionHash = sha256(yaml);
  await t.deps.database.db.insert(bundles).values({
    tenantId,
    name,
    version,
    revisionHash,
    yamlBytes: new TextEncoder().encode(yaml),
    uploadedBy: 'seed@example.com',
  });
  return revisionHash;
}

export async function seedDeployment(t: TestApp, tenantId: string, env: string, bundleName: string, version: number, at: Date): Promise<void> {
  await t.deps.database.db.insert(deployments).values({ tenantId, env, bundleName, bundleVersion: version, deployedBy: 'ops@example.com', createdAt: at });
}

/** A small, valid edictum/v1 bundle to get a new console going (from the SDK contract docs). */
export const STARTER_BUNDLE_NAME = 'starter';

export const STARTER_BUNDLE_YAML = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: starter
  description: Starter guardrails - block secret files, review destructive shell commands
defaults:
  mode: enforce
contracts:
  - id: no-secret-files
    type: pre
    tool: read_file
    when:
      any:
        - args.path: { ends_with: ".env" }
        - args.path: { contains: "id_rsa" }
    then:
      effect: deny
      message: "Refusing to read {args.path}"
      tags: [secrets]
  - id: review-destructive-shell
    type: pre
    tool: bash
    when:
      args.command: { matches: '\\brm\\s+-rf\\b' }
    then:
      effect: approve
      message: "Destructive command needs a human: {args.command}"
      timeout: 300
      timeout_effect: deny
  - id: session-budget
    type: session
    limits:
      max_tool_calls: 200
    then:
      effect: deny
      message: "Session budget exhausted"
`;

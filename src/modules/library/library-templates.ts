/**
 * Starter packs a new admin adds in one click (issue 13). Each is an ordinary edictum/v1 bundle
 * (the engine validates it, tests/unit/library-templates.test.ts) split into library contracts by
 * the import path, plus Evaluate presets: a call that shows the pack at work, with the outcome
 * the engine gives it (checked by the same test).
 */
import type { TemplateT } from './contracts.schemas.js';

interface TemplateSource {
  id: string;
  name: string;
  description: string;
  tags: string[];
  yaml: string;
  presets: TemplateT['presets'];
}

const CODING = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: coding-workstation
  description: Coding agent on a developer workstation
defaults:
  mode: enforce
contracts:
  - id: no-secret-files
    type: pre
    tool: "*"
    when:
      any:
        - args.path: { ends_with: ".env" }
        - args.file_path: { ends_with: ".env" }
        - args.path: { contains: ".ssh/" }
        - args.file_path: { contains: ".ssh/" }
    then:
      effect: deny
      message: "Secret files stay closed to the agent."
      tags: [secrets]
  - id: no-destructive-shell
    type: pre
    tool: Bash
    when:
      args.command: { matches_any: ["rm\\\\s+-rf\\\\s+/", "git\\\\s+push\\\\s+(-f|--force)", "mkfs", "dd\\\\s+if="] }
    then:
      effect: deny
      message: "Destructive command blocked: {args.command}"
      tags: [destructive]
  - id: workspace-files
    type: sandbox
    tools: [Read, Write, Edit]
    within: [/workspace, /tmp]
    not_within: [/workspace/.git/hooks]
    message: "File access outside the workspace."
`;

const SUPPORT = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: support-refunds
  description: Customer-support agent; refunds above 100 wait for a human
defaults:
  mode: enforce
contracts:
  - id: refund-hard-limit
    type: pre
    tool: issue_refund
    when:
      args.amount: { gt: 5000 }
    then:
      effect: deny
      message: "Refunds above 5000 are never issued by the agent ({args.amount})."
      tags: [refunds]
  - id: refund-approval
    type: pre
    tool: issue_refund
    when:
      args.amount: { gt: 100 }
    then:
      effect: approve
      message: "Refund of {args.amount} to {args.customer_id} needs approval."
      timeout: 900
      timeout_effect: deny
      tags: [refunds, approval]
  - id: no-card-numbers-in-replies
    type: post
    tool: send_reply
    when:
      output.text: { matches: "\\\\b[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}\\\\b" }
    then:
      effect: redact
      message: "A card number was removed from the reply."
      tags: [pii]
  - id: support-session-budget
    type: session
    limits:
      max_tool_calls: 100
      max_calls_per_tool:
        issue_refund: 5
    then:
      effect: deny
      message: "This support session reached its tool budget."
      tags: [rate-limit]
`;

const RESEARCH = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: research-sandboxes
  description: Research agent confined to known sites and a data folder
defaults:
  mode: enforce
contracts:
  - id: research-network
    type: sandbox
    tools: [web_fetch, http_get]
    allows:
      domains: ["arxiv.org", "*.arxiv.org", "*.wikipedia.org", "api.semanticscholar.org"]
    not_allows:
      domains: ["*.internal", "metadata.google.internal"]
    message: "Network access is limited to research sources."
  - id: research-files
    type: sandbox
    tools: [read_file, write_file]
    within: [/data/research]
    not_within: [/data/research/private]
    message: "Files outside /data/research are off limits."
  - id: no-uploads
    type: pre
    tool: upload_file
    when:
      args.destination: { exists: true }
    then:
      effect: deny
      message: "The research agent does not upload files."
      tags: [exfiltration]
`;

const BASELINE = `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: production-baseline
  description: Every production agent - no secrets in arguments, per-session limits
defaults:
  mode: enforce
contracts:
  - id: no-secrets-in-args
    type: pre
    tool: "*"
    when:
      any:
        - args.command: { matches_any: ["AKIA[0-9A-Z]{16}", "-----BEGIN [A-Z ]*PRIVATE KEY-----", "sk-[A-Za-z0-9]{20,}", "ghp_[A-Za-z0-9]{36}", "xox[bpas]-[A-Za-z0-9-]{10,}"] }
        - args.body: { matches_any: ["AKIA[0-9A-Z]{16}", "-----BEGIN [A-Z ]*PRIVATE KEY-----", "sk-[A-Za-z0-9]{20,}", "ghp_[A-Za-z0-9]{36}", "xox[bpas]-[A-Za-z0-9-]{10,}"] }
        - args.content: { matches_any: ["AKIA[0-9A-Z]{16}", "-----BEGIN [A-Z ]*PRIVATE KEY-----", "sk-[A-Za-z0-9]{20,}", "ghp_[A-Za-z0-9]{36}", "xox[bpas]-[A-Za-z0-9-]{10,}"] }
        - args.query: { matches_any: ["AKIA[0-9A-Z]{16}", "sk-[A-Za-z0-9]{20,}", "ghp_[A-Za-z0-9]{36}"] }
    then:
      effect: deny
      message: "A secret was found in the arguments of {tool.name}."
      tags: [secrets]
  - id: no-production-deletes
    type: pre
    tool: "delete_*"
    when:
      environment: { equals: production }
    then:
      effect: approve
      message: "Deleting in production needs approval ({tool.name})."
      tags: [destructive, approval]
  - id: session-rate-limits
    type: session
    limits:
      max_tool_calls: 200
      max_attempts: 400
    then:
      effect: deny
      message: "This session reached its call limit."
      tags: [rate-limit]
`;

const SOURCES: TemplateSource[] = [
  {
    id: 'coding-workstation',
    name: 'Coding agent on a workstation',
    description: 'Keeps secret files and destructive shell commands away from a coding agent, and its file tools inside the workspace.',
    tags: ['coding', 'workstation'],
    yaml: CODING,
    presets: [
      { label: 'Read a .env file', tool_name: 'Read', tool_args: { file_path: '/workspace/app/.env' }, expected_outcome: 'denied', deciding_contract: 'no-secret-files' },
      { label: 'Force-push', tool_name: 'Bash', tool_args: { command: 'git push --force origin main' }, expected_outcome: 'denied', deciding_contract: 'no-destructive-shell' },
      { label: 'Edit outside the workspace', tool_name: 'Edit', tool_args: { file_path: '/etc/hosts' }, expected_outcome: 'denied', deciding_contract: 'workspace-files' },
      { label: 'Read a source file', tool_name: 'Read', tool_args: { file_path: '/workspace/app/main.ts' }, expected_outcome: 'allowed', deciding_contract: null },
    ],
  },
  {
    id: 'support-refunds',
    name: 'Customer-support agent, refunds behind approval',
    description: 'Refunds above 100 wait for a human, above 5000 are refused; card numbers are redacted from replies; a budget per session.',
    tags: ['support', 'refunds', 'approval'],
    yaml: SUPPORT,
    presets: [
      { label: 'Refund 250', tool_name: 'issue_refund', tool_args: { amount: 250, customer_id: 'c-1042' }, expected_outcome: 'approval_required', deciding_contract: 'refund-approval' },
      { label: 'Refund 9000', tool_name: 'issue_refund', tool_args: { amount: 9000, customer_id: 'c-1042' }, expected_outcome: 'denied', deciding_contract: 'refund-hard-limit' },
      { label: 'Refund 40', tool_name: 'issue_refund', tool_args: { amount: 40, customer_id: 'c-1042' }, expected_outcome: 'allowed', deciding_contract: null },
    ],
  },
  {
    id: 'research-sandboxes',
    name: 'Research agent with network and file sandboxes',
    description: 'Fetches only from research sources, reads and writes only under /data/research, never uploads.',
    tags: ['research', 'sandbox'],
    yaml: RESEARCH,
    presets: [
      { label: 'Fetch from an unknown site', tool_name: 'web_fetch', tool_args: { url: 'https://pastebin.com/raw/abc' }, expected_outcome: 'denied', deciding_contract: 'research-network' },
      { label: 'Fetch a paper', tool_name: 'web_fetch', tool_args: { url: 'https://arxiv.org/abs/2401.00001' }, expected_outcome: 'allowed', deciding_contract: null },
      { label: 'Read a private file', tool_name: 'read_file', tool_args: { path: '/data/research/private/keys.txt' }, expected_outcome: 'denied', deciding_contract: 'research-files' },
    ],
  },
  {
    id: 'production-baseline',
    name: 'Production baseline',
    description: 'For every production agent: no secrets in arguments, deletes need approval in production, call limits per session.',
    tags: ['baseline', 'production', 'secrets', 'rate-limit'],
    yaml: BASELINE,
    presets: [
      { label: 'AWS key in a command', tool_name: 'run_command', tool_args: { command: 'aws configure set aws_access_key_id AKIAABCDEFGHIJKLMNOP' }, expected_outcome: 'denied', deciding_contract: 'no-secrets-in-args' },
      { label: 'Delete in production', tool_name: 'delete_customer', tool_args: { id: 'c-7' }, expected_outcome: 'approval_required', deciding_contract: 'no-production-deletes' },
      { label: 'Harmless query', tool_name: 'search_docs', tool_args: { query: 'rate limits' }, expected_outcome: 'allowed', deciding_contract: null },
    ],
  },
];

/** The contracts of a template (id, type, name) read from its YAML without parsing: ids and types are on fixed lines. */
function contractsOf(yaml: string): TemplateT['contracts'] {
  const out: TemplateT['contracts'] = [];
  const re = /^ {2}- id: ([a-z0-9_-]+)\n {4}type: (pre|post|session|sandbox)$/gm;
  for (const m of yaml.matchAll(re)) {
    const id = m[1]!;
    out.push({ contract_id: id, type: m[2]!, name: id.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ') });
  }
  return out;
}

export const TEMPLATES: TemplateT[] = SOURCES.map((s) => ({
  id: s.id,
  name: s.name,
  description: s.description,
  tags: s.tags,
  contracts: contractsOf(s.yaml),
  yaml_content: s.yaml,
  presets: s.presets,
}));

export function templateById(id: string): TemplateT | null {
  return TEMPLATES.find((t) => t.id === id) ?? null;
}

/**
 * Postconditions (section 10): what a failing enforced post contract does depends on the tool's
 * side effect. Redaction: Python replaces the contract's own `output.text` pattern matches;
 * TS (defect, section 16 row 10) always applies the generic secret patterns.
 */
import type { CompiledRegex } from './regex.js';

export type SideEffect = 'pure' | 'read' | 'write' | 'irreversible';

const BASH_READ = ['ls', 'cat', 'head', 'tail', 'wc', 'find', 'grep', 'rg', 'git status', 'git log', 'git diff', 'git show', 'git branch', 'git remote', 'git tag', 'echo', 'pwd', 'whoami', 'date', 'which', 'file', 'stat', 'du', 'df', 'tree', 'less', 'more'];
const BASH_OPERATORS = ['\n', '\r', '<(', '<<', '$', '${', '>', '>>', '|', ';', '&&', '||', '$(', '`', '#{'];

/** A `Bash` command is `read` only when allow-listed and free of shell operators. */
export function classifyBash(command: string): SideEffect {
  const s = command.trim();
  if (s === '') return 'read';
  if (BASH_OPERATORS.some((op) => s.includes(op))) return 'irreversible';
  return BASH_READ.some((a) => s === a || s.startsWith(`${a} `)) ? 'read' : 'irreversible';
}

export function sideEffectOf(tool: string, args: Record<string, unknown>, tools: Map<string, SideEffect>): SideEffect {
  if (tool === 'Bash') return classifyBash(typeof args.command === 'string' ? args.command : '');
  return tools.get(tool) ?? 'irreversible';
}

const GENERIC: [RegExp, string][] = [
  [/(export\s+\w*(?:KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)\w*=)\S+/g, '$1[REDACTED]'],
  [/((?:^|\s)-p\s+|--password[= ])\S+/g, '$1[REDACTED]'],
  [/(:\/\/\w+:)\S+(@)/g, '$1[REDACTED]$2'],
];

export function redactGeneric(text: string): string {
  let out = text.length > 10_000 ? text.slice(0, 10_000) : text;
  for (const [re, rep] of GENERIC) {
    re.lastIndex = 0;
    out = out.replace(re, rep);
  }
  return out;
}

export function redactWith(text: string, patterns: CompiledRegex[]): string {
  if (patterns.length === 0) return redactGeneric(text);
  let out = text;
  for (const p of patterns) out = p.replaceAll(out, '[REDACTED]');
  return out;
}

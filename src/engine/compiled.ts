/** The compiled form of a bundle: everything evaluation needs, built once. */
import type { Sdk } from './engine.js';
import type { Expr } from './expressions.js';
import type { GlobMatcher } from './globs.js';
import type { CompiledRegex } from './regex.js';
import type { SandboxSpec } from './sandbox.js';
import type { SideEffect } from './post.js';
import type { Template } from './template.js';

export type Mode = 'enforce' | 'observe';

interface Base {
  id: string;
  /** Mode written on the contract (null: the bundle default; TS treats unknown values as enforce). */
  ownMode: Mode | null;
  /** observe_alongside copy (`<id>:candidate`), audit only. */
  candidate: boolean;
  tags: string[];
  metadata: Record<string, unknown>;
}

export interface CRule extends Base {
  type: 'pre' | 'post';
  toolPattern: string;
  tool: GlobMatcher;
  when: Expr;
  effect: 'deny' | 'approve' | 'warn' | 'redact';
  message: Template;
  timeoutSeconds: number;
  timeoutEffect: 'deny' | 'allow';
  outputRegexes: CompiledRegex[];
  /** Python raises when then.metadata has a `tags` key (section 15). */
  metadataClash: boolean;
}

export interface CSession extends Base {
  type: 'session';
  maxToolCalls: number | null;
  maxAttempts: number | null;
  perTool: Record<string, number>;
  message: string;
}

export interface CSandbox extends Base {
  type: 'sandbox';
  toolPatterns: string[];
  tools: GlobMatcher[];
  spec: SandboxSpec;
  message: Template;
  outside: 'deny' | 'approve';
  timeoutSeconds: number;
  timeoutEffect: 'deny' | 'allow';
}

export type CContract = CRule | CSession | CSandbox;

export interface Limits {
  maxAttempts: number;
  maxToolCalls: number;
  perTool: Record<string, number>;
}

export interface CompiledState {
  sdk: Sdk;
  name: string;
  defaultMode: Mode;
  policyVersion: string;
  pre: CRule[];
  post: CRule[];
  sandboxes: CSandbox[];
  sessions: CSession[];
  /** Merged limits after each session contract, in bundle order. */
  limitsAfter: Limits[];
  limits: Limits;
  candidates: CContract[];
  tools: Map<string, SideEffect>;
  contracts: { id: string; type: string; tool: string | string[] | null; mode: Mode }[];
  /** The merged document, to compile the other SDK's reading on demand. */
  source: { doc: Record<string, unknown>; compose: Record<string, unknown>[] };
  other: CompiledState | null | undefined;
}

export function effectiveMode(c: { ownMode: Mode | null; candidate: boolean }, defaults: Mode): Mode {
  if (c.candidate) return 'observe';
  return c.ownMode ?? defaults;
}

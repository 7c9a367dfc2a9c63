/** What one evaluation sees: the call, its context, and (post phase) the output text. */
import type { Principal, Sdk } from './engine.js';

export const MISSING: unique symbol = Symbol('missing');
export type Value = unknown;

export interface CallContext {
  sdk: Sdk;
  tool: string;
  args: Record<string, unknown>;
  environment: string;
  principal: Principal | null;
  env: Record<string, string>;
  metadata: Record<string, unknown>;
  /** Post phase only; MISSING before the call and when the result is null. */
  outputText: string | typeof MISSING;
  /** Why the last leaf errored (for the trace). */
  lastError: string | null;
}

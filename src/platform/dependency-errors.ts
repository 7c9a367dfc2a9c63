/**
 * Which errors mean "a dependency is unreachable right now" (answered 503 + Retry-After, which
 * the SDKs retry), and a log-safe summary of any error (no SQL text, no parameters, no values).
 */

export type Dependency = 'database' | 'redis';

/** Seconds a client should wait before retrying when a dependency is down. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** Raised where code knows the dependency it needs is down (a rate limiter whose store failed). */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: Dependency,
    cause?: unknown,
  ) {
    super(`${dependency} unavailable`, { cause });
    this.name = 'DependencyUnavailableError';
  }
}

// SQLSTATE classes 08 (connection exception) and 57P0x (admin/crash shutdown, cannot connect now),
// 53300 too many connections, 57014 statement timeout (the fail-fast bound, see db/client.ts).
// 3D000 database does not exist (dropped under a running console).
const PG_DOWN_CODES = new Set(['57P01', '57P02', '57P03', '57P05', '53300', '57014', '3D000']);
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const PG_DOWN_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error and is not queryable/,
  /Cannot use a pool after calling end on the pool/,
  /^PGlite is closed/,
  /Client was closed and is not queryable/,
  /is not currently accepting connections/,
];
const REDIS_DOWN_MESSAGES = [
  /^Connection is closed\.?$/,
  /enableOfflineQueue options is false/,
  /^Command timed out$/,
  /Reached the max retries per request limit/,
  /^Socket timeout\. Expecting data/,
];

/**
 * The error itself, its `cause` chain and an AggregateError's members, breadth first, bounded.
 * `direct` says whether a bare socket error there is the storage driver's own: true for the
 * error thrown, an AggregateError's members and a query wrapper's cause; false below any other
 * wrapper (an outbound webhook failure wraps its ECONNREFUSED, which is no database outage).
 */
function* chain(err: unknown): Generator<{ e: Record<string, unknown>; direct: boolean }> {
  const queue: { v: unknown; direct: boolean }[] = [{ v: err, direct: true }];
  for (let i = 0; i < queue.length && i < 8; i++) {
    const { v, direct } = queue[i]!;
    if (!v || typeof v !== 'object') continue;
    const e = v as Record<string, unknown>;
    yield { e, direct };
    if (e.cause) queue.push({ v: e.cause, direct: direct && isQueryWrapper(e) });
    if (Array.isArray(e.errors)) queue.push(...(e.errors as unknown[]).slice(0, 3).map((x) => ({ v: x, direct })));
  }
}

/** The dependency an error says is down, or null for any other error. */
export function dependencyDown(err: unknown): Dependency | null {
  for (const { e, direct } of chain(err)) {
    if (e instanceof DependencyUnavailableError) return e.dependency;
    const name = typeof e.name === 'string' ? e.name : '';
    const message = typeof e.message === 'string' ? e.message : '';
    const code = typeof e.code === 'string' ? e.code : '';
    if (name === 'MaxRetriesPerRequestError' || REDIS_DOWN_MESSAGES.some((re) => re.test(message))) return 'redis';
    if (PG_DOWN_CODES.has(code) || code.startsWith('08')) return 'database';
    if (PG_DOWN_MESSAGES.some((re) => re.test(message))) return 'database';
    // A bare socket error from the pool (connect refused/reset): ioredis rewrites its own into
    // the messages above before they reach a command's caller.
    if (direct && NET_CODES.has(code)) return 'database';
  }
  return null;
}

const MAX_MESSAGE = 200;

/**
 * What to log about an error: type, code and a short message of the innermost useful error.
 * drizzle's DrizzleQueryError carries the whole SQL text and its parameters (tool arguments,
 * emails) in `message`, `query` and `params`, and pg errors carry row values in `detail`/`where`:
 * none of them is kept. Stack frames are kept without the message line.
 */
export interface SafeError {
  type: string;
  message: string;
  code?: string;
  dependency?: Dependency;
  stack?: string;
}

export function safeError(err: unknown): SafeError {
  if (isSafeError(err)) return err;
  const dependency = dependencyDown(err) ?? undefined;
  let pick: Record<string, unknown> | null = null;
  for (const { e } of chain(err)) {
    pick ??= e;
    // Skip query wrappers to the driver's error.
    if (isQueryWrapper(e)) continue;
    pick = e;
    break;
  }
  if (!pick) return { type: typeof err, message: truncate(String(err)), ...(dependency ? { dependency } : {}) };
  const type = typeof pick.name === 'string' ? pick.name : 'Error';
  const code = typeof pick.code === 'string' ? pick.code : undefined;
  let message = isQueryWrapper(pick) ? 'database query failed' : typeof pick.message === 'string' ? pick.message : '';
  // Data exceptions (22xxx) and constraint violations (23xxx) quote the offending value.
  if (code && /^2[23]/.test(code)) message = message.replace(/"[^"]*"/g, '"…"');
  const frames = typeof (err as { stack?: unknown })?.stack === 'string' ? framesOf((err as { stack: string }).stack) : undefined;
  return {
    type,
    message: truncate(message),
    ...(code ? { code } : {}),
    ...(dependency ? { dependency } : {}),
    ...(frames ? { stack: frames } : {}),
  };
}

function isSafeError(err: unknown): err is SafeError {
  return !!err && typeof err === 'object' && !(err instanceof Error) && typeof (err as SafeError).type === 'string' && typeof (err as SafeError).message === 'string';
}

function isQueryWrapper(e: Record<string, unknown>): boolean {
  return e.name === 'DrizzleQueryError' || ('query' in e && 'params' in e) || (typeof e.message === 'string' && e.message.startsWith('Failed query:'));
}

function framesOf(stack: string): string | undefined {
  const frames = stack
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 12);
  return frames.length ? frames.join('\n') : undefined;
}

const truncate = (s: string) => {
  const oneLine = s.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_MESSAGE ? `${oneLine.slice(0, MAX_MESSAGE)}…` : oneLine;
};

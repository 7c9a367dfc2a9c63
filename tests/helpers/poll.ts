/**
 * Waits for a condition the test cannot await directly (another process, a database lock),
 * re-checking every `everyMs` until `timeoutMs`. This bounds a wait; it never stands in for one.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: { timeoutMs?: number; everyMs?: number; what?: string } = {},
): Promise<T> {
  const { timeoutMs = 10_000, everyMs = 20, what = 'condition' } = opts;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError ? ` (last error: ${(lastError as Error).message ?? String(lastError)})` : '';
      throw new Error(`${what} not met within ${timeoutMs} ms${why}`);
    }
    await new Promise<void>((resolve) => setTimeout(resolve, everyMs).unref());
  }
}

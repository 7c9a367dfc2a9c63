/**
 * Group commit: the first caller runs at once; callers arriving while a batch is in flight are
 * written together in the next one. No added latency when idle, one statement per batch under a
 * reconnect storm (thousands of agents reconnecting after a restart). If a batch fails, its items
 * are retried one by one, so one bad row only fails its own caller.
 */
export function groupCommit<I, O>(run: (batch: I[]) => Promise<O[]>, maxBatch = 500): (item: I) => Promise<O> {
  type Waiter = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };
  let queue: Waiter[] = [];
  let running = false;

  async function settle(batch: Waiter[]): Promise<void> {
    try {
      const out = await run(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(out[i]!));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      for (const w of batch) await settle([w]);
    }
  }

  async function drain(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(maxBatch);
        await settle(batch);
      }
    } finally {
      running = false;
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!running) void drain();
    });
}

/**
 * The hostile upload of issue 10: bundle YAML just under the 32 KiB limit, nested as deep as it
 * goes, sent many at once by a signed-in user; meanwhile `/health/live` is probed back to back.
 * Shared by the fault suite (which prints the figures) and bench/hostile-upload.bench.ts.
 */
export function nestedYaml(bytes = 32 * 1024 - 64): string {
  // A flow sequence nested n deep: each level is two bytes, the parser recurses once per level.
  const depth = Math.floor((bytes - 40) / 2);
  return `apiVersion: edictum/v1\nkind: ContractBundle\nx: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
}

export interface ProbeResult {
  samples: number;
  p50: number;
  p99: number;
  max: number;
  liveFailures: number;
  statuses: Record<string, number>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Probe `/health/live` back to back until `until` settles. */
export async function probeLive(base: string, until: Promise<unknown>): Promise<{ latencies: number[]; failures: number }> {
  let done = false;
  void until.finally(() => (done = true));
  const latencies: number[] = [];
  let failures = 0;
  do {
    const t0 = performance.now();
    try {
      // A slow answer is latency (measured), not a failure: only no answer within 2 min counts as one.
      const res = await fetch(`${base}/api/v1/health/live`, { signal: AbortSignal.timeout(120_000) });
      await res.arrayBuffer();
      if (res.status !== 200) failures++;
    } catch {
      failures++;
    }
    latencies.push(performance.now() - t0);
  } while (!done);
  return { latencies, failures };
}

export async function hostileUploads(base: string, cookie: string, n: number): Promise<ProbeResult> {
  const body = JSON.stringify({ yaml_content: nestedYaml() });
  const statuses: Record<string, number> = {};
  const uploads = Promise.all(
    Array.from({ length: n }, async () => {
      let status: number;
      try {
        const res = await fetch(`${base}/api/v1/bundles`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie, 'x-requested-with': 'hostile' },
          body,
          signal: AbortSignal.timeout(120_000),
        });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = 0;
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
    }),
  );
  const { latencies, failures } = await probeLive(base, uploads);
  await uploads;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    liveFailures: failures,
    statuses,
  };
}

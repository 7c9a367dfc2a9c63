/**
 * Issue 10's event-loop stall: `/api/v1/health/live` latency while a signed-in user sends many
 * bundle uploads of deeply nested YAML just under the 32 KiB limit. The console runs as its own
 * process (embedded mode, as `npm start` runs it); this process only sends and measures.
 *
 *   npx tsx bench/hostile-upload.bench.ts                 # 100 concurrent uploads
 *   HOSTILE_UPLOADS=120 npx tsx bench/hostile-upload.bench.ts
 *
 * Baseline: the same probe loop against the same process with no uploads running, in this run.
 * Target (ARCHITECTURE.md "Nothing blocks the event loop"): p99 under 50 ms during the uploads.
 */
import { hostileUploads, percentile, probeLive } from '../tests/faults/hostile.js';
import { login, startConsole } from '../tests/faults/consoles.js';

const UPLOADS = Number(process.env.HOSTILE_UPLOADS ?? 100);
const TARGET_MS = 50;

async function main(): Promise<void> {
  // At info level: start-up is detected by the "console is up" log line.
  const server = await startConsole('bench', {});
  try {
    const cookie = await login(server.baseUrl);
    // Baseline: 300 probes with nothing else running.
    let n = 0;
    const idle = await probeLive(server.baseUrl, new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        if (++n >= 30) {
          clearInterval(tick);
          resolve();
        }
      }, 100);
    }));
    const baseline = percentile([...idle.latencies].sort((a, b) => a - b), 99);
    const r = await hostileUploads(server.baseUrl, cookie, UPLOADS);
    const pass = r.p99 < TARGET_MS && r.liveFailures === 0;
    process.stdout.write(
      `uploads=${UPLOADS} answers=${JSON.stringify(r.statuses)} probes=${r.samples} p50=${r.p50.toFixed(1)}ms max=${r.max.toFixed(1)}ms\n` +
        `RESULT hostile-upload-live-p99 ${r.p99.toFixed(1)}ms baseline=${baseline.toFixed(1)}ms ratio=${(r.p99 / baseline).toFixed(1)} target=<${TARGET_MS}ms ${pass ? 'PASS' : 'FAIL'}\n`,
    );
  } finally {
    await server.stop();
  }
}

await main();

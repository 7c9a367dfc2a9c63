/**
 * An API probe in its own process, so the latency it measures is the server's and never the load
 * generator's (a probe sharing an event loop with the code that makes the load waits for that code
 * too). `startProbe` runs this file as a child: it requests the given paths back to back, in turn,
 * until told to stop, then reports every latency.
 *
 *   const p = startProbe(base, ['/api/v1/health/live'], { cookie });  ...  const ms = await p.stop();
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ProbeReport {
  latencies: number[];
  /** Answers that were not 2xx, and requests that got no answer. */
  failures: number;
}

export interface RunningProbe {
  /** Resolves once the child is probing (its first answer arrived). */
  ready: Promise<void>;
  stop(): Promise<ProbeReport>;
}

export function startProbe(base: string, paths: string[], headers: Record<string, string> = {}): RunningProbe {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, PROBE_BASE: base, PROBE_PATHS: JSON.stringify(paths), PROBE_HEADERS: JSON.stringify(headers) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let readyResolve: () => void = () => undefined;
  const ready = new Promise<void>((r) => (readyResolve = r));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (out.includes('READY\n')) readyResolve();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    ready,
    async stop() {
      child.stdin.end('stop\n');
      await exited;
      const line = out.split('\n').find((l) => l.startsWith('REPORT '));
      if (!line) throw new Error(`probe process gave no report: ${out.slice(-500)}`);
      return JSON.parse(line.slice(7)) as ProbeReport;
    },
  };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

/** p50 / p99 / max of latencies (ms). */
export function summarize(latencies: number[]): { n: number; p50: number; p99: number; max: number } {
  const s = [...latencies].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 0.5), p99: pct(s, 0.99), max: s[s.length - 1] ?? NaN };
}

// ---------- the child ----------

async function child(): Promise<void> {
  const base = process.env.PROBE_BASE!;
  const paths = JSON.parse(process.env.PROBE_PATHS!) as string[];
  const headers = JSON.parse(process.env.PROBE_HEADERS ?? '{}') as Record<string, string>;
  let running = true;
  process.stdin.on('data', () => (running = false));
  process.stdin.on('end', () => (running = false));
  const latencies: number[] = [];
  let failures = 0;
  for (let i = 0; running; i++) {
    const t0 = performance.now();
    try {
      const res = await fetch(base + paths[i % paths.length]!, { headers, signal: AbortSignal.timeout(120_000) });
      await res.arrayBuffer();
      if (res.status < 200 || res.status > 299) failures++;
    } catch {
      failures++;
    }
    latencies.push(performance.now() - t0);
    if (i === 0) process.stdout.write('READY\n');
  }
  process.stdout.write(`REPORT ${JSON.stringify({ latencies, failures } satisfies ProbeReport)}\n`);
}

if (process.env.PROBE_BASE && fileURLToPath(import.meta.url) === process.argv[1]) await child();

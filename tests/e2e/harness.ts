import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (!addr || typeof addr === 'string') return rej(new Error('no port'));
      srv.close(() => res(addr.port));
    });
  });
}

export interface Console {
  baseUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** The real console as a child process (embedded mode, fresh data dir), as `npm start` runs it. */
export async function startConsole(env: Record<string, string> = {}): Promise<Console> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'edictum-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), EDICTUM_HOST: '127.0.0.1', EDICTUM_DATA_DIR: dataDir, EDICTUM_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // Wait for the server's own "up" log line (no polling), or its exit, or 90 s.
  await new Promise<void>((resolveUp, rejectUp) => {
    const timer = setTimeout(() => rejectUp(new Error('console did not start within 90 s')), 90_000);
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (process.env.EDICTUM_E2E_LOGS) process.stderr.write(`${line}\n`);
        if (line.includes('"edictum console is up"')) {
          clearTimeout(timer);
          resolveUp();
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      rejectUp(new Error(`console exited with ${code} before listening`));
    });
  });
  return {
    baseUrl,
    dataDir,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.EDICTUM_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** A signed-in browser context: sign in through the API (Documenso's habit), share the cookie. */
export async function signedInContext(browser: Browser, baseUrl: string, email: string, password: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: baseUrl, colorScheme: 'dark' });
  const res = await context.request.post(`${baseUrl}/api/v1/auth/login`, { data: { email, password } });
  if (!res.ok()) throw new Error(`login failed: ${res.status()}`);
  return context;
}

export async function apiSetup(baseUrl: string, email: string, password: string): Promise<void> {
  const res = await fetch(`${baseUrl}/api/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-requested-with': 'e2e' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 201) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
}

export async function screenshotOnFailure(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ROOT, 'test-results', `${name}.png`), fullPage: true }).catch(() => undefined);
}

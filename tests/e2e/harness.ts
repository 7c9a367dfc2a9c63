import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, onTestFinished } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');

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

/**
 * Whether `POST /api/v1/setup` is sent the console's one-time `setup_token` (issue 12). The
 * harness always starts the console with `EDICTUM_SETUP_TOKEN`; sending it needs a server whose
 * strict setup schema accepts the field, so this switch flips with that server change.
 */
export const SETUP_TOKEN_IN_BODY = false;

export interface Console {
  baseUrl: string;
  dataDir: string;
  /** The one-time setup token the console was started with (`EDICTUM_SETUP_TOKEN`). */
  setupToken: string;
  /** The setup link the console prints until claimed (with the token when it is sent). */
  setupPath: string;
  stop(): Promise<void>;
}

/** The real console as a child process (embedded mode, fresh data dir), as `npm start` runs it. */
export async function startConsole(env: Record<string, string> = {}): Promise<Console> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'edictum-e2e-'));
  const setupToken = env.EDICTUM_SETUP_TOKEN ?? randomBytes(24).toString('base64url');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      EDICTUM_HOST: '127.0.0.1',
      EDICTUM_DATA_DIR: dataDir,
      EDICTUM_LOG_LEVEL: 'info',
      EDICTUM_SETUP_TOKEN: setupToken,
      ...env,
    },
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
    setupToken,
    setupPath: SETUP_TOKEN_IN_BODY ? `/dashboard/setup?token=${encodeURIComponent(setupToken)}` : '/dashboard/setup',
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
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** A signed-in browser context: sign in through the API (Documenso's habit), share the cookie. */
export async function signedInContext(
  browser: Browser,
  baseUrl: string,
  email: string,
  password: string,
): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: baseUrl, colorScheme: 'dark' });
  const res = await context.request.post(`${baseUrl}/api/v1/auth/login`, { data: { email, password } });
  if (!res.ok()) throw new Error(`login failed: ${res.status()}`);
  return context;
}

export async function apiSetup(baseUrl: string, email: string, password: string, setupToken?: string): Promise<void> {
  const res = await fetch(`${baseUrl}/api/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-requested-with': 'e2e' },
    body: JSON.stringify({ email, password, ...(SETUP_TOKEN_IN_BODY && setupToken ? { setup_token: setupToken } : {}) }),
  });
  if (res.status !== 201) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
}

export async function screenshotOnFailure(page: Page, name: string): Promise<void> {
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'test-results', `${name}.png`), fullPage: true }).catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// Seed helpers and browser contexts shared by the page tests (Documenso's habits: unique rows
// per test, sign in through the API, role selectors first, a screenshot when a test fails).

export type Theme = 'dark' | 'light';

/** A password that passes the setup rules (at least 12 characters). */
export const PASSWORD = 'correct horse battery staple';

/** A short random suffix: every seeded row in a test carries one, so tests never collide. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

export function uniqueEmail(prefix = 'admin'): string {
  return `${prefix}-${uniqueSuffix()}@e2e.example.com`;
}

/** Agent ids follow the SDK identifier rule `^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$`. */
export function uniqueAgentId(prefix = 'agent'): string {
  return `${prefix}-${uniqueSuffix()}`;
}

/** Signs in through the API and returns the session cookie value (`edictum_session`). */
export async function apiLogin(baseUrl: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = /edictum_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (!cookie) throw new Error('login answered 200 without a session cookie');
  return cookie;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what} -> ${status} ${body}`);
  }
}

/**
 * The dashboard API with a session cookie, as the browser calls it (same-origin cookie plus the
 * CSRF header on writes). Tests use it to seed data the page under test is not about.
 */
export class AdminApi {
  constructor(
    readonly baseUrl: string,
    readonly session: string,
    readonly email: string,
  ) {}

  static async signIn(baseUrl: string, email: string, password = PASSWORD): Promise<AdminApi> {
    return new AdminApi(baseUrl, await apiLogin(baseUrl, email, password), email);
  }

  async request<T>(method: string, path: string, body?: unknown, expected?: number): Promise<T> {
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: {
        cookie: `edictum_session=${this.session}`,
        'x-requested-with': 'XMLHttpRequest',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (expected !== undefined ? res.status !== expected : !res.ok) throw new ApiError(res.status, text, `${method} ${path}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  /** A new API key for `env`; the secret is only in this answer. */
  createKey(
    env: string,
    label = `e2e ${uniqueSuffix()}`,
  ): Promise<{ id: string; key: string; prefix: string; env: string; label: string | null }> {
    return this.request('POST', '/keys', { env, label }, 201);
  }

  uploadBundle(yaml: string): Promise<{ name: string; version: number; revision_hash: string }> {
    return this.request('POST', '/bundles', { yaml_content: yaml }, 201);
  }

  deploy(name: string, version: number, env: string): Promise<{ env: string; bundle_name: string; bundle_version: number }> {
    return this.request('POST', `/bundles/${encodeURIComponent(name)}/${version}/deploy`, { env }, 201);
  }
}

/** Bootstraps a fresh console with a unique admin and returns that admin's API session. */
export async function bootstrapAdmin(baseUrl: string, setupToken?: string): Promise<AdminApi> {
  const email = uniqueEmail();
  await apiSetup(baseUrl, email, PASSWORD, setupToken);
  return AdminApi.signIn(baseUrl, email);
}

export interface ContextOptions {
  /** The session cookie to carry (from `apiLogin`/`AdminApi`); none = signed out. */
  session?: string;
  theme?: Theme;
  viewport?: { width: number; height: number };
  /** Grant clipboard read/write (the Copy buttons). */
  clipboard?: boolean;
}

/**
 * A browser context on `baseUrl`: signed in by cookie when `session` is given, in the wanted
 * theme. The dashboard keeps its theme in localStorage (`edictum-theme`, read by an inline
 * script before first paint), so the init script sets it before any page script runs.
 */
export async function newContext(browser: Browser, baseUrl: string, opts: ContextOptions = {}): Promise<BrowserContext> {
  const theme = opts.theme ?? 'dark';
  const context = await browser.newContext({
    baseURL: baseUrl,
    colorScheme: theme,
    viewport: opts.viewport ?? { width: 1440, height: 900 },
    acceptDownloads: true,
    reducedMotion: 'reduce',
  });
  if (opts.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  // Only when nothing is stored yet, so a theme toggled in the test survives a reload.
  await context.addInitScript({
    content: `try { if (!localStorage.getItem('edictum-theme')) localStorage.setItem('edictum-theme', ${JSON.stringify(theme)}); } catch (e) {}`,
  });
  if (opts.session)
    await context.addCookies([{ name: 'edictum_session', value: opts.session, url: baseUrl, httpOnly: true, sameSite: 'Lax' }]);
  // Every auto-wait below is bounded; nothing waits forever.
  context.setDefaultTimeout(15_000);
  return context;
}

/**
 * A context that belongs to the running test: closed when the test finishes (after any failure
 * screenshot of its pages, because vitest runs finish handlers last-registered first).
 */
export async function testContext(browser: Browser, baseUrl: string, opts: ContextOptions = {}): Promise<BrowserContext> {
  const context = await newContext(browser, baseUrl, opts);
  onTestFinished(async () => {
    await context.close().catch(() => undefined);
  });
  return context;
}

export type TrackedPage = Page & { uncaughtErrors: string[] };

/**
 * A page that leaves a full-page screenshot in test-results/<name>.png when the running test
 * fails, and records uncaught page errors so a test can assert there were none.
 */
export async function trackedPage(context: BrowserContext, name: string): Promise<TrackedPage> {
  const page = (await context.newPage()) as TrackedPage;
  page.uncaughtErrors = [];
  page.on('pageerror', (err) => page.uncaughtErrors.push(err.message));
  onTestFinished(async ({ task }) => {
    if (task.result?.state === 'fail' && !page.isClosed()) await screenshotOnFailure(page, name);
  });
  return page;
}

export interface Suite {
  server: Console;
  browser: Browser;
  admin: AdminApi;
}

/**
 * One console per test file (fresh data dir, bootstrapped with a unique admin) and one browser,
 * started together in beforeAll and stopped in afterAll. The returned object is filled in
 * before the first test runs.
 */
export function useConsole(env: Record<string, string> = {}): Suite {
  const suite = {} as Suite;
  beforeAll(async () => {
    const [server, browser] = await Promise.all([startConsole(env), launchBrowser()]);
    suite.server = server;
    suite.browser = browser;
    suite.admin = await bootstrapAdmin(server.baseUrl, server.setupToken);
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.stop();
  });
  return suite;
}

/**
 * Proves a page was not reloaded: a marker set on `window` now must still be there later
 * (a reload or a full navigation would drop it).
 */
export async function markNoReload(page: Page): Promise<() => Promise<boolean>> {
  const token = uniqueSuffix();
  await page.evaluate(`window.__e2eNoReload = ${JSON.stringify(token)}`);
  return async () => (await page.evaluate<unknown>('window.__e2eNoReload')) === token;
}

/** The dashboard's own marker that the shared live stream is open (sidebar footer). */
export async function waitForLive(page: Page): Promise<void> {
  await page.getByRole('status', { name: 'Live updates on' }).first().waitFor({ state: 'attached' });
}

/** Which theme the page shows now (the `dark` class on <html>). */
export async function currentTheme(page: Page): Promise<Theme> {
  // A string expression: this file is type-checked without the DOM library.
  const dark = await page.evaluate<boolean>("document.documentElement.classList.contains('dark')");
  return dark ? 'dark' : 'light';
}

// Waits on a condition of one element. Functions, not strings: the console's CSP has no
// 'unsafe-eval', and Playwright compiles string predicates with eval inside the page.
interface ValueElement {
  value: string;
  ownerDocument: { activeElement: unknown };
}

/** Waits until a form control holds `value` (controlled inputs fill in after their data loads). */
export async function waitForValue(locator: Locator, value: string): Promise<void> {
  const handle = await locator.elementHandle();
  await locator.page().waitForFunction(([el, v]) => (el as unknown as ValueElement).value === v, [handle, value] as const);
}

/** Waits until the element has the keyboard focus. */
export async function waitForFocus(locator: Locator): Promise<void> {
  const handle = await locator.elementHandle();
  await locator.page().waitForFunction((el) => (el as unknown as ValueElement).ownerDocument.activeElement === el, handle);
}

interface Boxed {
  getBoundingClientRect(): { top: number; bottom: number };
}

/**
 * Waits until `inner` is fully inside the visible part of its scroll container `outer`, below
 * `topInset` pixels (a sticky header inside the container covers that much).
 */
export async function waitForInView(inner: Locator, outer: Locator, topInset = 0): Promise<void> {
  const [a, b] = await Promise.all([inner.elementHandle(), outer.elementHandle()]);
  await inner.page().waitForFunction(
    ([el, box, inset]) => {
      const r = (el as unknown as Boxed).getBoundingClientRect();
      const c = (box as unknown as Boxed).getBoundingClientRect();
      return r.top >= c.top + inset - 0.5 && r.bottom <= c.bottom + 0.5;
    },
    [a, b, topInset] as const,
  );
}

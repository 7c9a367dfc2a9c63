// Shared by the two commands of the README (npm start, npm test): make a fresh clone runnable
// with nothing but Node 22 and npm. Plain JavaScript so it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

export function say(msg) {
  process.stderr.write(`[edictum] ${msg}\n`);
}

export function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    say(`Node ${process.versions.node} is too old: edictum console needs Node 22.12 or newer (Node 22 LTS).`);
    say('Get it with `nvm install` (this repository has an .nvmrc), `fnm use`, or from https://nodejs.org/en/download.');
    process.exit(1);
  }
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: process.env, ...opts });
  if (res.error) throw res.error;
  if (res.status !== 0) {
    say(`failed: ${cmd} ${args.join(' ')} (exit ${res.status})`);
    process.exit(res.status ?? 1);
  }
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
/** pnpm 10 through npx: corepack is not needed (and cannot download here). */
export function pnpm(args, opts) {
  run(npx, ['--yes', 'pnpm@10', ...args], opts);
}

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let m = s.mtimeMs;
  for (const e of readdirSync(path)) {
    if (e === 'node_modules' || e === 'dist') continue;
    m = Math.max(m, newest(join(path, e)));
  }
  return m;
}

/** Install dependencies when they are missing or older than the lockfile. */
export function ensureInstalled() {
  const marker = join(ROOT, 'node_modules', '.modules.yaml');
  const lock = join(ROOT, 'pnpm-lock.yaml');
  if (existsSync(marker) && newest(marker) >= newest(lock) && existsSync(join(ROOT, 'dashboard', 'node_modules'))) return;
  say('installing dependencies (first run takes a minute)...');
  pnpm(['install', '--frozen-lockfile', '--reporter=append-only']);
}

/** Build the dashboard when it has never been built or its sources changed since. */
export function ensureDashboardBuilt() {
  const index = join(ROOT, 'dashboard', 'dist', 'index.html');
  const sources = Math.max(newest(join(ROOT, 'dashboard', 'src')), newest(join(ROOT, 'dashboard', 'index.html')));
  if (existsSync(index) && newest(index) >= sources) return;
  say('building the dashboard...');
  pnpm(['--filter', 'dashboard', 'build']);
}

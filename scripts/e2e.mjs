// `npm run test:e2e`: browser tests in Chromium against the built console.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, checkNode, ensureDashboardBuilt, ensureInstalled, say } from './lib.mjs';

checkNode();
ensureInstalled();
ensureDashboardBuilt();
const chromium = process.env.EDICTUM_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  say(`Chromium not found at ${chromium}. Install it (Debian: apt-get install -y chromium) or set EDICTUM_CHROMIUM.`);
  process.exit(1);
}
const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const res = spawnSync(process.execPath, [vitest, 'run', '--config', 'vitest.e2e.config.ts', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: process.env,
});
process.exit(res.status ?? 1);

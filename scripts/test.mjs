// `npm test`: the whole unit/route/integration suite. Against PGlite by default; against real
// Postgres and Redis when TEST_DATABASE_URL / TEST_REDIS_URL are set (CI sets both).
// Browser tests are `npm run test:e2e` (they need Chromium).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, checkNode, ensureInstalled } from './lib.mjs';

checkNode();
ensureInstalled();
const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const res = spawnSync(process.execPath, [vitest, 'run', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit', env: process.env });
process.exit(res.status ?? 1);

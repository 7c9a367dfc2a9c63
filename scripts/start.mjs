// `npm start`: install what is missing, build the dashboard if needed, then run the console
// (migrations are applied by the server at start-up). Embedded storage unless a database URL
// is configured; see docs/configuration.md.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, checkNode, ensureDashboardBuilt, ensureInstalled } from './lib.mjs';

checkNode();
ensureInstalled();
ensureDashboardBuilt();

const built = join(ROOT, 'dist', 'main.js');
const args = process.env.EDICTUM_RUN_BUILT === '1' && existsSync(built) ? [built] : ['--import', 'tsx', join(ROOT, 'src', 'main.ts')];
const child = spawn(process.execPath, args, { cwd: process.cwd(), stdio: 'inherit', env: process.env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 1)));

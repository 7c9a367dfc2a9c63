// Fails when src/db/schema.ts (and each src/db/schema-<feature>.ts) and migrations/ drift: generates into a scratch copy of the
// migrations folder and checks that drizzle-kit finds nothing to write.
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from './lib.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'edictum-drift-'));
cpSync(join(ROOT, 'migrations'), join(scratch, 'migrations'), { recursive: true });
const config = join(scratch, 'drizzle.config.mjs');
writeFileSync(
  config,
  `export default { dialect: 'postgresql', schema: ${JSON.stringify(['./src/db/schema.ts', './src/db/schema-*.ts'])}, out: ${JSON.stringify(relative(ROOT, join(scratch, 'migrations')))} };\n`,
);
const before = readdirSync(join(scratch, 'migrations')).length;
const res = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'drizzle-kit', 'bin.cjs'), 'generate', '--config', config, '--name', 'drift_check'], {
  cwd: ROOT,
  encoding: 'utf8',
});
const after = readdirSync(join(scratch, 'migrations')).length;
rmSync(scratch, { recursive: true, force: true });
// drizzle-kit reads `out` relative to the working directory once `schema` is a list.
if (res.status !== 0 || /Error|ENOENT/.test(res.stderr)) {
  process.stderr.write(res.stdout + res.stderr);
  process.exit(res.status ?? 1);
}
if (after !== before) {
  process.stderr.write('Schema drift: src/db/schema.ts has changes with no migration. Run `npx drizzle-kit generate --name <what_changed>` and commit the result.\n');
  process.exit(1);
}
process.stdout.write('migrations match the schema\n');

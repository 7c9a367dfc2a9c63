import { defineConfig } from 'drizzle-kit';

// schema.ts and each feature's schema-<feature>.ts are diffed: the partitioned `events` table (src/db/events-schema.ts) lives in a
// hand-written migration because drizzle-kit cannot express PARTITION BY.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/db/schema.ts', './src/db/schema-*.ts'],
  out: './migrations',
  strict: true,
  verbose: false,
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**', 'dashboard/**'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // No retries, ever: a flaky test is a bug to fix, not to hide.
    retry: 0,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});

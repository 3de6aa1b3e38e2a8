import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // e2e tests start real servers and child processes; two cores, so keep files from piling up.
    maxWorkers: 2,
    globalSetup: ['e2e/global-setup.ts'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Three files at a time whatever the core count (vitest's default is cores - 1: one file at a time on
    // CI's two cores). A file spends most of its time waiting on HTTP, sandbox latencies, timers and the
    // database, so files run side by side use the cores that one file leaves idle. `--maxWorkers` overrides.
    maxWorkers: 3,
    minWorkers: 1,
    // Builds dist/ once, for the tests that start the real process (node dist/main.js).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

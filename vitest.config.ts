import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Two test files at once, also on 2 cores: an integration file spends much of its time waiting for
    // the server (timers, retries, a worker's poll), so the whole suite took 422 s against 563 s one at a time.
    maxWorkers: 2,
    // Under CI a JSON report is written too, so that .ci/run can print one summary line.
    reporters: process.env['CI'] ? ['default', ['json', { outputFile: '.ci/vitest-report.json' }]] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts'],
          // A few unit tests bundle workflow code or run the linter: seconds, more beside an integration file.
          testTimeout: 60_000,
          typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          globalSetup: ['test/setup/temporal-server.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

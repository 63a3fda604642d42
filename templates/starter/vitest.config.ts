import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The Temporal test starts a dev server and bundles the workflow code first.
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
});

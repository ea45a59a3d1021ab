import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Two cores: keep the pool small so timing-sensitive async tests are not starved.
    maxWorkers: 2,
  },
});

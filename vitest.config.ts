import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Say loudly which suites are skipped without redis-server, PostgreSQL or chromium (a failure under CI=true).
    globalSetup: ['test/helpers/redis-setup.ts', 'test/helpers/postgres-setup.ts', 'test/helpers/chromium-setup.ts'],
    testTimeout: 30_000,
    // Two cores: keep the pool small so timing-sensitive async tests are not starved.
    maxWorkers: 2,
  },
});

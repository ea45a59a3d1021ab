/**
 * Vitest global setup: says loudly when the suites that need Redis will be skipped, and fails
 * the run instead under `CI=true` (CI installs redis-server; a missing one must not pass quietly).
 */
import { ENABLE_REDIS, hasRedis } from './redis.js';

export default function setup(): void {
  if (hasRedis) return;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`redis-server is not on PATH, and CI=true needs it for the BullMQ suites: ${ENABLE_REDIS}`);
  }
  const line = '*'.repeat(78);
  process.stderr.write(
    `\n${line}\n** SKIPPED: the BullMQ suites (test/runners/bullmq*.test.ts): redis-server is not on PATH.\n** To run them, ${ENABLE_REDIS}.\n${line}\n\n`,
  );
}

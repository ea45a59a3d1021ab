/**
 * Vitest global setup: says loudly when the suites that need PostgreSQL will be skipped, and
 * fails the run instead under `CI=true` (CI installs postgresql; a missing one must not pass
 * quietly).
 */
import { ENABLE_POSTGRES, hasPostgres } from './postgres.js';

export default function setup(): void {
  if (hasPostgres) return;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`PostgreSQL's server is missing, and CI=true needs it for the PostgreSQL suites: ${ENABLE_POSTGRES}`);
  }
  const line = '*'.repeat(78);
  process.stderr.write(
    `\n${line}\n** SKIPPED: the PostgreSQL suites (test/**/*postgres*.test.ts): PostgreSQL's server (initdb, pg_ctl) is missing,\n** or we are root and there is no postgres user to run it as.\n** To run them, ${ENABLE_POSTGRES}.\n${line}\n\n`,
  );
}

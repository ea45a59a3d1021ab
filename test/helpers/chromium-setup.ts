/**
 * Vitest global setup: says loudly when the browser suites will be skipped, and fails the run
 * instead under `CI=true` (CI installs chromium; a missing one must not pass quietly).
 */
import { CHROMIUM_PATH, ENABLE_CHROMIUM, hasChromium } from './chromium.js';

export default function setup(): void {
  if (hasChromium) return;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`${CHROMIUM_PATH} is missing, and CI=true needs it for the browser suites: ${ENABLE_CHROMIUM}`);
  }
  const line = '*'.repeat(78);
  process.stderr.write(
    `\n${line}\n** SKIPPED: the browser suites (test/observers/timeline.browser.test.ts): ${CHROMIUM_PATH} is missing.\n** To run them, ${ENABLE_CHROMIUM}.\n${line}\n\n`,
  );
}

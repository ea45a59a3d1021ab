/**
 * Headless Chromium for the browser tests: Debian's `/usr/bin/chromium`, driven by
 * playwright-core (which never downloads a browser).
 *
 * Without `/usr/bin/chromium` the browser suites are skipped, loudly (see ./chromium-setup.ts);
 * under `CI=true` that is a failure instead.
 */
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Whether the browser tests can run here. */
export const hasChromium: boolean = (() => {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return true;
  } catch {
    return false;
  }
})();

/** How to enable the browser suites, for messages. */
export const ENABLE_CHROMIUM = `install Debian's chromium so that ${CHROMIUM_PATH} exists (sudo apt-get install -y --no-install-recommends chromium)`;

/**
 * Starts headless Chromium with nothing that reaches the network on its own. Playwright adds
 * `--headless` and a fresh temporary profile (`--user-data-dir`, removed on close) itself.
 */
export async function launchChromium(): Promise<Browser> {
  if (!hasChromium) throw new Error(`${CHROMIUM_PATH} is missing: ${ENABLE_CHROMIUM}`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 60_000,
  });
}

/**
 * Assertions that no password shows: in a text (a log, a process's output), or in an error's
 * message and in the error as `console.error` shows it, every cause and hidden field included.
 */
import { inspect } from 'node:util';
import { expect } from 'vitest';

/** Asserts that `text` contains none of `secrets`. */
export function expectNoSecret(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

/** Asserts that `error` is an Error whose message, causes and hidden fields contain none of `secrets`. */
export function expectCleanError(error: unknown, secrets: readonly string[]): void {
  expect(error).toBeInstanceOf(Error);
  expectNoSecret((error as Error).message, secrets);
  expectNoSecret(inspect(error, { depth: Infinity, showHidden: true }), secrets);
}

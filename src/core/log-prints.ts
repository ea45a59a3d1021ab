/**
 * `logPrints` (Prefect's `log_prints`): `console.log` and `console.info` called in a body whose
 * run (or flow) has it on go to that run's logger, at `info`, with the run's fields.
 *
 * The console is patched once per process (or thread), the first time a task or flow with
 * `logPrints` is defined or run: a process that never uses it keeps its console untouched. Each
 * print is attributed by its own async context (the scope sluice already keeps, see
 * scope-storage.ts), so concurrent bodies never take each other's prints, and no storage of its
 * own is added.
 *
 * @module
 * @internal
 */
import { format } from 'node:util';
import type { Logger } from './logger.js';
import { scopeStorage, type ScopeMarker } from './scope-storage.js';

/**
 * A scope whose prints may go to a logger: `printLogger()` gives it when the scope's `logPrints`
 * is on, else undefined. Duck-typed, not by class: the patch may be another copy of sluice's.
 */
export interface PrintScope extends ScopeMarker {
  printLogger?(): Logger | undefined;
}

// One patch per process, whichever copy of sluice makes it: two would send a print twice.
const KEY = Symbol.for('sluice.logPrints');
const registry = globalThis as { [KEY]?: true };

/** Runs `fn` in no scope: a logger that prints (the console logger does) prints for real. */
const NO_SCOPE = undefined as unknown as ScopeMarker;

function patch(target: Console, method: 'log' | 'info'): void {
  // Whatever was there before us (a user's function, a test runner's capture), called as it was.
  const original = target[method].bind(target);
  target[method] = (...args: unknown[]): void => {
    const scope: PrintScope | undefined = scopeStorage.getStore();
    const logger = scope?.printLogger?.();
    if (logger === undefined) {
      original(...args);
      return;
    }
    const line = format(...args);
    // Outside the scope: the logger's own console calls, now or in callbacks it starts, are not
    // prints of the body again.
    scopeStorage.run(NO_SCOPE, () => {
      logger.info(line);
    });
  };
}

/** Patches `console.log` and `console.info`, once per process. @internal */
export function capturePrints(): void {
  if (registry[KEY] === true) return;
  registry[KEY] = true;
  patch(console, 'log');
  patch(console, 'info');
}
